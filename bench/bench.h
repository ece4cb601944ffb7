/* The benchmark's shared pieces: timing statistics, device limits, and
   the workloads. Every figure is measured in the same run on the same
   device, and reported as ratios (adaptive / fixed, fraction of the
   device's own peak) beside the absolute time. */
#ifndef ADS_BENCH_H
#define ADS_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "adastride.h"

typedef struct {
    double median_ms, min_ms, max_ms;
} bench_stats;

/* Runs fn(arg) `warmup` times, then `reps` times with ads_finish around
   each, and returns the median and the spread of the wall times. */
typedef ads_status (*bench_fn)(void *arg);
ads_status bench_time(ads_context *ctx, bench_fn fn, void *arg, int warmup, int reps,
                      bench_stats *out);
double bench_now_ms(void);
/* A progress line: rewritten in place on a terminal, one line each
   otherwise. */
void bench_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bench_progress_done(void);

/* The device's own limits, measured in this run. */
typedef struct {
    char device[256], driver[128];
    double fma_gflops;                     /* float16 FMA chains, the fastest of the probe's runs */
    char fma_probe[200];                   /* how fma_gflops was measured, for the output */
    double copy_gbs;                       /* float4 copy, read + write bytes */
    double build_cold_ms, build_cached_ms; /* every kernel program */
} bench_limits;
ads_status bench_measure_limits(ads_context *ctx, bench_limits *out);

/* One layer to time. Scalable workloads follow --scale and --batch. */
typedef struct {
    const char *name, *network;
    bool is_pool;
    ads_pool_mode mode;
    int n, cin, cout, h, w, kh, stride, pad, groups;
    bool scalable;
} bench_workload;

typedef struct {
    const char *only; /* comma-separated workload or network names */
    bool quick;
    double scale;
    int batch, reps;
} bench_options;

/* Fills out with the selected workloads; returns how many. */
int bench_select_workloads(const bench_options *opt, bench_workload *out, int max);
void bench_list_workloads(FILE *f);

/* One row of the results table. */
typedef struct {
    char device[256], driver[128];
    char workload[32], network[16], variant[16], pass[16];
    char path[32]; /* the kernel path the library chose (tuning, backend) */
    bench_stats t;
    double gflops, gbs;    /* 0 where it does not apply */
    double frac_peak;      /* of fma_gflops, or of copy_gbs for pools */
    double ratio_vs_fixed; /* this variant's time / the fixed variant's */
} bench_row;

typedef struct {
    bench_row *rows;
    int n, cap;
} bench_table;

bench_row *bench_add_row(bench_table *tab);
/* Names a new row: device, workload, variant, pass. */
void bench_fill_row(bench_row *row, const bench_limits *lim, const bench_workload *wl,
                    const char *variant, bool backward);
void bench_print_table(const bench_table *tab, const bench_limits *lim);

/* Times one workload in every variant and pass, appending rows
   (bench_conv.c, bench_pool.c). */
ads_status bench_conv(ads_context *ctx, const bench_workload *wl, const bench_limits *lim, int reps,
                      bench_table *tab);
ads_status bench_pool(ads_context *ctx, const bench_workload *wl, const bench_limits *lim, int reps,
                      bench_table *tab);
/* Kernel launches one forward, and one forward+backward, of each variant
   (fixed, separable, grid) makes; ctx must profile (ADS_PROFILE=1). */
ads_status bench_conv_launches(ads_context *ctx, const bench_workload *wl, int fwd[3],
                               int fwd_bwd[3]);
/* The process's CPU milliseconds per call ([0] forward, [1] forward+backward;
   fixed, separable, grid), the mean of reps calls: on a machine shared with
   other jobs a steadier measure of the work than wall time. */
ads_status bench_conv_cpu_ms(ads_context *ctx, const bench_workload *wl, int reps,
                             double cpu_ms[2][3]);

/* Machine-readable output (bench_output.c). */
bool bench_write_csv(const char *path, const bench_table *tab, const bench_limits *lims, int nlims);
bool bench_write_json(const char *path, const bench_table *tab, const bench_limits *lims,
                      int nlims);
bool bench_write_plot(const char *path, const bench_table *tab);

/* Monotone positions with mean stride `stride` starting at 0: random
   strides in [0.5, 1.5] * stride, renormalised so the last gap matches. */
void bench_random_positions(float *pos, int n_images, int len, float stride, unsigned seed);

/* `adastride bench` with its own argv (argv[0] is the command name). */
int bench_main(int argc, char **argv);

#endif
