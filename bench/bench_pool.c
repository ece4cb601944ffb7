/* Pooling workloads: fixed vs separable adaptive, forward and
   forward+backward, in GB/s against the device's copy bandwidth. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "adastride_dev.h"

typedef struct {
    ads_context *ctx;
    ads_pool_desc d;
    ads_tensor *x, *y, *gy, *gx, *py, *px, *gpy, *gpx;
    bool adaptive, backward;
} pool_run;

static ads_status run_pool(void *arg)
{
    pool_run *r = arg;
    ads_sampling at = {NULL, NULL, NULL};
    ads_sampling_grad gat = {NULL, NULL, NULL};
    if (r->adaptive) {
        at.py = r->py, at.px = r->px;
        gat.py = r->gpy, gat.px = r->gpx;
    }
    ADS_DEV_TRY(ads_pool_forward(r->ctx, &r->d, r->x, at, r->y));
    if (!r->backward) return ADS_OK;
    return ads_pool_backward(r->ctx, &r->d, r->x, at, r->gy, r->gx, gat);
}

static ads_tensor *make(ads_context *ctx, int ndim, const int64_t *shape, const float *data)
{
    ads_tensor *t = NULL;
    if (ads_tensor_create(ctx, ndim, shape, &t) != ADS_OK) return NULL;
    if (data) ads_tensor_write(t, data, ads_tensor_count(t));
    return t;
}

static float *random_floats(size_t n, unsigned seed)
{
    float *v = malloc(n * sizeof *v);
    srand(seed);
    for (size_t i = 0; v && i < n; i++) v[i] = 2.0f * (float)rand() / (float)RAND_MAX - 1.0f;
    return v;
}

static ads_status setup(ads_context *ctx, const bench_workload *s, pool_run *r)
{
    memset(r, 0, sizeof *r);
    r->ctx = ctx;
    r->d = (ads_pool_desc){s->mode, s->kh, s->kh, s->stride, s->stride, s->pad, s->pad, 1, 1};
    int ho = (int)ads_output_size(s->h, s->kh, s->stride, s->pad, 1);
    int wo = (int)ads_output_size(s->w, s->kh, s->stride, s->pad, 1);
    int64_t xs[4] = {s->n, s->cin, s->h, s->w}, ys[4] = {s->n, s->cin, ho, wo};
    int64_t pys[2] = {s->n, ho}, pxs[2] = {s->n, wo};
    size_t nx = (size_t)s->n * s->cin * s->h * s->w, ny = (size_t)s->n * s->cin * ho * wo;
    float *x = random_floats(nx, 1), *gy = random_floats(ny, 2);
    float *py = malloc(sizeof(float) * s->n * ho), *px = malloc(sizeof(float) * s->n * wo);
    if (py && px) {
        bench_random_positions(py, s->n, ho, (float)s->stride, 3);
        bench_random_positions(px, s->n, wo, (float)s->stride, 4);
    }
    ads_status st = x && gy && py && px ? ADS_OK : ADS_ERR_OUT_OF_MEMORY;
    if (st == ADS_OK) {
        r->x = make(ctx, 4, xs, x);
        r->y = make(ctx, 4, ys, NULL);
        r->gy = make(ctx, 4, ys, gy);
        r->gx = make(ctx, 4, xs, NULL);
        r->py = make(ctx, 2, pys, py);
        r->px = make(ctx, 2, pxs, px);
        r->gpy = make(ctx, 2, pys, NULL);
        r->gpx = make(ctx, 2, pxs, NULL);
        if (!r->x || !r->y || !r->gy || !r->gx || !r->py || !r->px || !r->gpy || !r->gpx)
            st = ADS_ERR_OUT_OF_MEMORY;
    }
    free(x), free(gy), free(py), free(px);
    return st;
}

static void teardown(pool_run *r)
{
    ads_tensor *all[] = {r->x, r->y, r->gy, r->gx, r->py, r->px, r->gpy, r->gpx};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ads_tensor_release(all[i]);
}

/* The least traffic a pass can do: forward reads x and writes y; backward
   also reads gy and x and writes gx. */
static double pool_bytes(const pool_run *r, bool backward)
{
    double x = (double)ads_tensor_count(r->x) * 4, y = (double)ads_tensor_count(r->y) * 4;
    return backward ? 2 * x + 2 * y + x : x + y;
}

ads_status bench_pool(ads_context *ctx, const bench_workload *s, const bench_limits *lim, int reps,
                      bench_table *tab)
{
    pool_run r;
    ads_status st = setup(ctx, s, &r);
    for (int pass = 0; pass < 2 && st == ADS_OK; pass++) {
        double fixed_ms = 0;
        for (int adaptive = 0; adaptive < 2 && st == ADS_OK; adaptive++) {
            const char *variant = adaptive ? "separable" : "fixed";
            bench_progress("%-12s %-9s %-8s", s->name, variant, pass ? "fwd+bwd" : "forward");
            r.adaptive = adaptive;
            r.backward = pass == 1;
            bench_row *row = bench_add_row(tab);
            if (!row) st = ADS_ERR_OUT_OF_MEMORY;
            if (st == ADS_OK) st = bench_time(ctx, run_pool, &r, 2, reps, &row->t);
            if (st != ADS_OK) break;
            bench_fill_row(row, lim, s, variant, pass == 1);
            snprintf(row->path, sizeof row->path, "pool");
            row->gbs = pool_bytes(&r, pass == 1) / (row->t.median_ms * 1e6);
            row->frac_peak = row->gbs / lim->copy_gbs;
            if (!adaptive) fixed_ms = row->t.median_ms;
            row->ratio_vs_fixed = row->t.median_ms / fixed_ms;
        }
    }
    teardown(&r);
    return st;
}
