/* Convolution workloads: fixed vs separable adaptive vs full grid,
   forward and forward+backward. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "adastride_dev.h"
#include "bench.h"

typedef enum { FIXED, SEPARABLE, GRID } variant;
static const char *VARIANT_NAMES[] = {"fixed", "separable", "grid"};

typedef struct {
    ads_context *ctx;
    ads_conv_desc d;
    ads_tensor *x, *w, *b, *y, *gy, *gx, *gw, *gb, *py, *px, *grid, *gpy, *gpx, *ggrid;
    variant v;
    bool backward;
} conv_run;

static ads_sampling sampling(const conv_run *r)
{
    ads_sampling at = {NULL, NULL, NULL};
    if (r->v == SEPARABLE) at.py = r->py, at.px = r->px;
    if (r->v == GRID) at.grid = r->grid;
    return at;
}

static ads_status run_conv(void *arg)
{
    conv_run *r = arg;
    ads_sampling at = sampling(r);
    ADS_DEV_TRY(ads_gconv_forward(r->ctx, &r->d, r->x, r->w, r->b, at, r->y));
    if (!r->backward) return ADS_OK;
    ads_sampling_grad gat = {NULL, NULL, NULL};
    if (r->v == SEPARABLE) gat.py = r->gpy, gat.px = r->gpx;
    if (r->v == GRID) gat.grid = r->ggrid;
    return ads_gconv_backward(r->ctx, &r->d, r->x, r->w, at, r->gy, r->gx, r->gw, r->gb, gat);
}

static ads_tensor *make(ads_context *ctx, int ndim, const int64_t *shape, float lo, float hi,
                        unsigned seed)
{
    ads_tensor *t = NULL;
    if (ads_tensor_create(ctx, ndim, shape, &t) != ADS_OK) return NULL;
    size_t n = ads_tensor_count(t);
    float *v = malloc(n * sizeof *v);
    if (!v) return t;
    srand(seed);
    for (size_t i = 0; i < n; i++) v[i] = lo + (hi - lo) * (float)rand() / (float)RAND_MAX;
    ads_tensor_write(t, v, n);
    free(v);
    return t;
}

static ads_status setup(ads_context *ctx, const bench_workload *s, conv_run *r)
{
    memset(r, 0, sizeof *r);
    r->ctx = ctx;
    r->d = (ads_conv_desc){s->kh, s->kh, s->stride, s->stride, s->pad, s->pad, 1, 1, s->groups};
    int ho = (int)ads_output_size(s->h, s->kh, s->stride, s->pad, 1);
    int wo = (int)ads_output_size(s->w, s->kh, s->stride, s->pad, 1);
    int64_t xs[4] = {s->n, s->cin, s->h, s->w}, ws[4] = {s->cout, s->cin / s->groups, s->kh, s->kh};
    int64_t ys[4] = {s->n, s->cout, ho, wo}, bs[1] = {s->cout};
    int64_t pys[2] = {s->n, ho}, pxs[2] = {s->n, wo}, gs[4] = {s->n, ho, wo, 2};
    r->x = make(ctx, 4, xs, -1, 1, 1);
    r->w = make(ctx, 4, ws, -0.1f, 0.1f, 2);
    r->b = make(ctx, 1, bs, -0.1f, 0.1f, 3);
    r->y = make(ctx, 4, ys, 0, 0, 4);
    r->gy = make(ctx, 4, ys, -1, 1, 5);
    r->gx = make(ctx, 4, xs, 0, 0, 6);
    r->gw = make(ctx, 4, ws, 0, 0, 7);
    r->gb = make(ctx, 1, bs, 0, 0, 8);
    r->py = make(ctx, 2, pys, 0, 0, 9);
    r->px = make(ctx, 2, pxs, 0, 0, 10);
    r->gpy = make(ctx, 2, pys, 0, 0, 11);
    r->gpx = make(ctx, 2, pxs, 0, 0, 12);
    r->grid = make(ctx, 4, gs, 0, 0, 13);
    r->ggrid = make(ctx, 4, gs, 0, 0, 14);
    if (!r->x || !r->w || !r->b || !r->y || !r->gy || !r->gx || !r->gw || !r->gb || !r->py ||
        !r->px || !r->gpy || !r->gpx || !r->grid || !r->ggrid)
        return ADS_ERR_OUT_OF_MEMORY;
    float *py = malloc(sizeof(float) * s->n * ho), *px = malloc(sizeof(float) * s->n * wo);
    float *grid = malloc(sizeof(float) * s->n * ho * wo * 2);
    ads_status st = py && px && grid ? ADS_OK : ADS_ERR_OUT_OF_MEMORY;
    if (st == ADS_OK) {
        bench_random_positions(py, s->n, ho, (float)s->stride, 21);
        bench_random_positions(px, s->n, wo, (float)s->stride, 22);
        for (int n = 0; n < s->n; n++)
            for (int i = 0; i < ho; i++)
                for (int j = 0; j < wo; j++) {
                    size_t at = (((size_t)n * ho + i) * wo + j) * 2;
                    grid[at] = py[n * ho + i];
                    grid[at + 1] = px[n * wo + j];
                }
        st = ads_tensor_write(r->py, py, (size_t)s->n * ho);
        if (st == ADS_OK) st = ads_tensor_write(r->px, px, (size_t)s->n * wo);
        if (st == ADS_OK) st = ads_tensor_write(r->grid, grid, (size_t)s->n * ho * wo * 2);
    }
    free(py);
    free(px);
    free(grid);
    return st;
}

static void teardown(conv_run *r)
{
    ads_tensor *all[] = {r->x,  r->w,  r->b,  r->y,   r->gy,  r->gx,   r->gw,
                         r->gb, r->py, r->px, r->gpy, r->gpx, r->grid, r->ggrid};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ads_tensor_release(all[i]);
}

static double conv_flops(const bench_workload *s, bool backward)
{
    int ho = (int)ads_output_size(s->h, s->kh, s->stride, s->pad, 1);
    int wo = (int)ads_output_size(s->w, s->kh, s->stride, s->pad, 1);
    double fwd = 2.0 * s->n * s->cout * ho * wo * (s->cin / s->groups) * s->kh * s->kh;
    return backward ? 3 * fwd : fwd; /* forward, gx and gw: the usual count */
}

ads_status bench_conv(ads_context *ctx, const bench_workload *s, const bench_limits *lim, int reps,
                      bench_table *tab)
{
    conv_run r;
    ads_status st = setup(ctx, s, &r);
    for (int pass = 0; pass < 2 && st == ADS_OK; pass++) {
        double fixed_ms = 0;
        for (int v = FIXED; v <= GRID && st == ADS_OK; v++) {
            bench_progress("%-12s %-9s %-8s", s->name, VARIANT_NAMES[v],
                           pass ? "fwd+bwd" : "forward");
            r.v = (variant)v;
            r.backward = pass == 1;
            bench_row *row = bench_add_row(tab);
            if (!row) st = ADS_ERR_OUT_OF_MEMORY;
            if (st == ADS_OK) st = bench_time(ctx, run_conv, &r, 2, reps, &row->t);
            if (st != ADS_OK) break;
            bench_fill_row(row, lim, s, VARIANT_NAMES[v], pass == 1);
            snprintf(row->path, sizeof row->path, "%s",
                     ads_dev_gconv_path(ctx, s->groups, s->cin, s->cout, s->kh, s->kh));
            row->gflops = conv_flops(s, pass == 1) / (row->t.median_ms * 1e6);
            row->frac_peak = row->gflops / lim->fma_gflops;
            if (v == FIXED) fixed_ms = row->t.median_ms;
            row->ratio_vs_fixed = row->t.median_ms / fixed_ms;
        }
    }
    teardown(&r);
    return st;
}

/* Kernel launches of one call: the growth of the context's profile (the
   context must profile, ADS_PROFILE=1), after a warm-up call so the
   count holds no one-off work. */
static ads_status count_launches(conv_run *r, int *out)
{
    ADS_DEV_TRY(run_conv(r));
    ADS_DEV_TRY(ads_finish(r->ctx));
    int before = ads_dev_launches(r->ctx);
    ADS_DEV_TRY(run_conv(r));
    ADS_DEV_TRY(ads_finish(r->ctx));
    *out = ads_dev_launches(r->ctx) - before;
    return ADS_OK;
}

ads_status bench_conv_launches(ads_context *ctx, const bench_workload *s, int fwd[3],
                               int fwd_bwd[3])
{
    if (ads_dev_launches(ctx) < 0) {
        fprintf(stderr, "bench_conv_launches needs a profiling context (ADS_PROFILE=1)\n");
        return ADS_ERR_INVALID_ARGUMENT;
    }
    conv_run r;
    ads_status st = setup(ctx, s, &r);
    for (int v = FIXED; v <= GRID && st == ADS_OK; v++) {
        r.v = (variant)v;
        r.backward = false;
        st = count_launches(&r, &fwd[v]);
        r.backward = true;
        if (st == ADS_OK) st = count_launches(&r, &fwd_bwd[v]);
    }
    teardown(&r);
    return st;
}

static double process_cpu_ms(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return 1e3 * (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-3 * (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

ads_status bench_conv_cpu_ms(ads_context *ctx, const bench_workload *s, int reps,
                             double cpu_ms[2][3])
{
    conv_run r;
    ads_status st = setup(ctx, s, &r);
    for (int pass = 0; pass < 2 && st == ADS_OK; pass++)
        for (int v = FIXED; v <= GRID && st == ADS_OK; v++) {
            r.v = (variant)v;
            r.backward = pass == 1;
            st = run_conv(&r);
            if (st == ADS_OK) st = ads_finish(ctx);
            double c0 = process_cpu_ms();
            for (int i = 0; i < reps && st == ADS_OK; i++) st = run_conv(&r);
            if (st == ADS_OK) st = ads_finish(ctx);
            cpu_ms[pass][v] = (process_cpu_ms() - c0) / reps;
        }
    teardown(&r);
    return st;
}
