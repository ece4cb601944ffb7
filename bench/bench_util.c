/* Timing statistics, the device's limits, and the results table. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "adastride_dev.h"

double bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void bench_progress(const char *fmt, ...)
{
    bool tty = isatty(2);
    va_list ap;
    va_start(ap, fmt);
    fputs(tty ? "\r[bench] " : "[bench] ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(tty ? " ...   " : "\n", stderr);
    va_end(ap);
    fflush(stderr);
}

void bench_progress_done(void)
{
    if (isatty(2)) fprintf(stderr, "\r%70s\r", "");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

ads_status bench_time(ads_context *ctx, bench_fn fn, void *arg, int warmup, int reps,
                      bench_stats *out)
{
    for (int i = 0; i < warmup; i++) ADS_DEV_TRY(fn(arg));
    ADS_DEV_TRY(ads_finish(ctx));
    double *t = malloc((size_t)reps * sizeof *t);
    if (!t) return ads_set_last_error(ADS_ERR_OUT_OF_MEMORY, "bench: no memory");
    ads_status st = ADS_OK;
    for (int i = 0; i < reps && st == ADS_OK; i++) {
        double t0 = bench_now_ms();
        st = fn(arg);
        if (st == ADS_OK) st = ads_finish(ctx);
        t[i] = bench_now_ms() - t0;
    }
    if (st == ADS_OK) {
        qsort(t, (size_t)reps, sizeof *t, cmp_double);
        out->median_ms = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
        out->min_ms = t[0];
        out->max_ms = t[reps - 1];
    }
    free(t);
    return st;
}

typedef struct {
    ads_context *ctx;
    ads_tensor *out, *src, *dst;
    int iters;
    size_t local; /* 0: the driver's choice */
} limit_run;

static ads_status run_fma(void *arg)
{
    limit_run *r = arg;
    return ads_dev_fma_peak(r->ctx, r->out, r->iters, r->local);
}

static ads_status run_copy(void *arg)
{
    limit_run *r = arg;
    return ads_dev_copy(r->ctx, r->src, r->dst);
}

static ads_tensor *vector(ads_context *ctx, size_t n, ads_status *st)
{
    ads_tensor *t = NULL;
    int64_t shape[1] = {(int64_t)n};
    if (*st == ADS_OK) *st = ads_tensor_create(ctx, 1, shape, &t);
    return t;
}

/* The FMA peak: ads_dev_fma_chains float16 chains per work-item
   (cl/bench_device.cl). On a CPU, 16 work-items of one per compute unit
   (PoCL runs a work-group per core thread, so every core gets whole
   work-items of long chains); on a GPU, 2048 per compute unit in the
   driver's groups. The peak is the fastest of 7 runs: the device's best,
   which a machine shared with other jobs reaches in its quiet moments. */
static ads_status measure_fma(ads_context *ctx, const ads_device_info *info, bench_limits *lim)
{
    ads_status st = ADS_OK;
    size_t units = (size_t)(info->compute_units > 0 ? info->compute_units : 1);
    size_t n = info->is_gpu ? units * 2048 : units * 16;
    limit_run r = {.ctx = ctx,
                   .iters = info->is_gpu ? 4096 : 1 << 17,
                   .local = info->is_gpu ? 0 : 1,
                   .out = vector(ctx, n, &st)};
    bench_stats s;
    if (st == ADS_OK) st = bench_time(ctx, run_fma, &r, 2, 7, &s);
    const int chains = ads_dev_fma_chains(ctx);
    double flop = (double)n * r.iters * chains * 16 * 2;
    if (st == ADS_OK) lim->fma_gflops = flop / (s.min_ms * 1e6);
    char groups[32] = "driver-chosen groups";
    if (r.local) snprintf(groups, sizeof groups, "groups of %zu", r.local);
    snprintf(lim->fma_probe, sizeof lim->fma_probe,
             "fma_peak: %d float16 FMA chains per work-item, %zu work-items in %s, %d rounds; "
             "fastest of 7 runs (median %.1f GFLOP/s)",
             chains, n, groups, r.iters, st == ADS_OK ? flop / (s.median_ms * 1e6) : 0.0);
    ads_tensor_release(r.out);
    return st;
}

static ads_status measure_copy(ads_context *ctx, const ads_device_info *info, double *gbs)
{
    size_t floats = (size_t)32 << 20; /* 128 MiB each way: far beyond caches */
    if ((uint64_t)floats * 4 > info->max_alloc_bytes)
        floats = (size_t)(info->max_alloc_bytes / 8) / 4 * 4;
    ads_status st = ADS_OK;
    limit_run r = {.ctx = ctx, .src = vector(ctx, floats, &st), .dst = vector(ctx, floats, &st)};
    bench_stats s;
    if (st == ADS_OK) st = bench_time(ctx, run_copy, &r, 2, 7, &s);
    if (st == ADS_OK) *gbs = 2.0 * floats * 4 / (s.median_ms * 1e6);
    ads_tensor_release(r.src);
    ads_tensor_release(r.dst);
    return st;
}

ads_status bench_measure_limits(ads_context *ctx, bench_limits *out)
{
    ads_device_info info;
    ADS_DEV_TRY(ads_context_device_info(ctx, 0, &info));
    ADS_DEV_TRY(measure_fma(ctx, &info, out));
    return measure_copy(ctx, &info, &out->copy_gbs);
}

bench_row *bench_add_row(bench_table *tab)
{
    if (tab->n == tab->cap) {
        int cap = tab->cap ? tab->cap * 2 : 32;
        bench_row *rows = realloc(tab->rows, (size_t)cap * sizeof *rows);
        if (!rows) return NULL;
        tab->rows = rows;
        tab->cap = cap;
    }
    bench_row *r = &tab->rows[tab->n++];
    memset(r, 0, sizeof *r);
    return r;
}

void bench_fill_row(bench_row *row, const bench_limits *lim, const bench_workload *wl,
                    const char *variant, bool backward)
{
    snprintf(row->device, sizeof row->device, "%s", lim->device);
    snprintf(row->driver, sizeof row->driver, "%s", lim->driver);
    snprintf(row->workload, sizeof row->workload, "%s", wl->name);
    snprintf(row->network, sizeof row->network, "%s", wl->network);
    snprintf(row->variant, sizeof row->variant, "%s", variant);
    snprintf(row->pass, sizeof row->pass, "%s", backward ? "fwd+bwd" : "forward");
}

void bench_print_table(const bench_table *tab, const bench_limits *lim)
{
    printf("\n%-12s %-9s %-8s %9s %17s %9s %8s %7s %9s  %s\n", "workload", "variant", "pass",
           "median ms", "spread (min-max)", "GFLOP/s", "GB/s", "% peak", "vs fixed", "path");
    for (int i = 0; i < tab->n; i++) {
        const bench_row *r = &tab->rows[i];
        char spread[32], gf[16] = "-", gb[16] = "-";
        snprintf(spread, sizeof spread, "%.3f-%.3f", r->t.min_ms, r->t.max_ms);
        if (r->gflops > 0) snprintf(gf, sizeof gf, "%.1f", r->gflops);
        if (r->gbs > 0) snprintf(gb, sizeof gb, "%.1f", r->gbs);
        printf("%-12s %-9s %-8s %9.3f %17s %9s %8s %6.1f%% %8.2fx  %s\n", r->workload, r->variant,
               r->pass, r->t.median_ms, spread, gf, gb, 100 * r->frac_peak, r->ratio_vs_fixed,
               r->path);
    }
    printf("\n%% peak: of the FMA peak (%.1f GFLOP/s) for convolutions, of the copy "
           "bandwidth (%.1f GB/s) for pools; both measured above in this run.\n",
           lim->fma_gflops, lim->copy_gbs);
}

void bench_random_positions(float *pos, int n_images, int len, float stride, unsigned seed)
{
    srand(seed);
    for (int n = 0; n < n_images; n++) {
        double *gaps = malloc((size_t)len * sizeof *gaps), total = 0;
        if (!gaps) return;
        for (int i = 0; i < len; i++) total += gaps[i] = 0.5 + (double)rand() / RAND_MAX;
        double p = 0;
        for (int i = 0; i < len; i++) {
            pos[(size_t)n * len + i] = (float)p;
            p += gaps[i] * stride * len / total;
        }
        free(gaps);
    }
}
