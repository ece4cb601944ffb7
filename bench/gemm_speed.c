/* GFLOP/s of the library's GEMM (ads_dev_gemm) on convolution-shaped
   products, on each GEMM path (the CPU-shaped kernels, the GPU-shaped
   tiled kernel, CLBlast) in the same run and context, with each of ours
   as a ratio to CLBlast: the median of 7 timed runs after one warm-up,
   wall time up to ads_finish. A second figure divides the work by the
   process's CPU time per run (times the compute units): on a machine
   shared with other jobs the wall time measures the load as much as the
   kernels, the CPU time much less so; the ratios use the CPU-time
   figures.
   Usage: gemm_speed [cpu|tiled|clblast ...]  (default: all three; the
   path is switched through the tuning table, so leave ADS_GEMM unset) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "adastride_dev.h"

#define RUNS 7

typedef struct {
    const char *what;
    size_t M, N, K;
    bool ta, tb;
} shape;

static const shape shapes[] = {
    {"forward W*Col  (4 images of 56x56)", 128, 12544, 576, false, false},
    {"forward W*Col  (1 image of 56x56) ", 128, 3136, 576, false, false},
    {"forward W*Col  (8 images of 28x28)", 128, 6272, 1152, false, false},
    {"forward W*Col  (1 image of 28x28) ", 128, 784, 1152, false, false},
    {"gW   gY*Col^T  (4 images of 56x56)", 128, 576, 12544, false, true},
    {"gW   gY*Col^T  (8 images of 28x28)", 128, 1152, 6272, false, true},
    /* gW with few rows (a grouped layer's per group, the small
       workload's): up to gemm.dot_max_m rows the dot-product kernel
       (gemm_dot) runs it on B as stored */
    {"gW  32 outputs (32 images of 14x14)", 32, 144, 6272, false, true},
    {"gW   8 outputs (8 images of 28x28)", 8, 72, 6272, false, true},
    {"gW  16 outputs (8 images of 28x28)", 16, 144, 6272, false, true},
    {"gCol W^T*gY    (4 images of 56x56)", 576, 12544, 128, true, false},
    {"gCol W^T*gY    (8 images of 28x28)", 1152, 6272, 128, true, false},
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static ads_tensor *filled(ads_context *ctx, size_t n)
{
    ads_tensor *t = NULL;
    int64_t shape1[1] = {(int64_t)n};
    if (ads_tensor_create(ctx, 1, shape1, &t) != ADS_OK) return NULL;
    float *v = malloc(n * sizeof *v);
    if (!v) return t;
    for (size_t i = 0; i < n; i++) v[i] = (float)((i * 7919u) % 1000) / 1000.0f - 0.5f;
    ads_tensor_write(t, v, n);
    free(v);
    return t;
}

static ads_status product(ads_context *ctx, const shape *s, const ads_tensor *a,
                          const ads_tensor *b, ads_tensor *c)
{
    return ads_dev_gemm(ctx, s->M, s->N, s->K, s->ta, s->tb, a, b, c);
}

/* Median wall seconds of one product, or a negative value on failure;
   *cpu gets the mean CPU seconds of one run. */
static double time_product(ads_context *ctx, const shape *s, double *cpu)
{
    ads_tensor *a = filled(ctx, s->M * s->K), *b = filled(ctx, s->K * s->N);
    ads_tensor *c = filled(ctx, s->M * s->N);
    double t[RUNS], median = -1;
    if (a && b && c && product(ctx, s, a, b, c) == ADS_OK && ads_finish(ctx) == ADS_OK) {
        int r = 0;
        double cpu0 = cpu_seconds();
        for (; r < RUNS; r++) {
            double t0 = now();
            if (product(ctx, s, a, b, c) != ADS_OK || ads_finish(ctx) != ADS_OK) break;
            t[r] = now() - t0;
        }
        *cpu = (cpu_seconds() - cpu0) / RUNS;
        if (r == RUNS) {
            qsort(t, RUNS, sizeof t[0], cmp_double);
            median = t[RUNS / 2];
        }
    }
    ads_tensor_release(a);
    ads_tensor_release(b);
    ads_tensor_release(c);
    return median;
}

#define NPATHS  3
#define CLBLAST 2 /* ads_dev_gemm_path's number for CLBlast */

/* The products on every wanted path: GFLOP/s of wall and of CPU time,
   then ours over CLBlast's; returns 1 if one failed. */
static int table(ads_context *ctx, const bool *want, int units)
{
    printf("%-36s %6s %6s %6s", "product", "M", "N", "K");
    for (int p = 0; p < NPATHS; p++)
        if (want[p]) printf("  %15s", ads_dev_gemm_path_name(p));
    if (want[CLBLAST])
        for (int p = 0; p < CLBLAST; p++)
            if (want[p]) printf("  %s/clblast", ads_dev_gemm_path_name(p));
    printf("\n");
    int failed = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const shape *s = &shapes[i];
        double flop = 2.0 * (double)s->M * (double)s->N * (double)s->K, cpu_rate[NPATHS] = {0};
        printf("%-36s %6zu %6zu %6zu", s->what, s->M, s->N, s->K);
        for (int p = 0; p < NPATHS; p++) {
            if (!want[p]) continue;
            double cpu = 0, sec = -1;
            if (ads_dev_tune_set(ctx, "gemm.path", p) == ADS_OK) sec = time_product(ctx, s, &cpu);
            if (sec < 0) {
                printf("  %15s", "failed");
                failed = 1;
                continue;
            }
            cpu_rate[p] = cpu > 0 ? flop / cpu * 1e-9 * units : 0;
            printf("  %7.1f %7.1f", flop / sec * 1e-9, cpu_rate[p]);
        }
        if (want[CLBLAST])
            for (int p = 0; p < CLBLAST; p++)
                if (want[p]) {
                    double c = cpu_rate[CLBLAST];
                    printf("  %*.2f", (int)strlen(ads_dev_gemm_path_name(p)) + 8,
                           c > 0 && cpu_rate[p] > 0 ? cpu_rate[p] / c : 0.0);
                }
        printf("\n");
    }
    ads_dev_tune_unset(ctx, "gemm.path");
    return failed;
}

int main(int argc, char **argv)
{
    bool want[NPATHS] = {argc <= 1, argc <= 1, argc <= 1};
    for (int i = 1; i < argc; i++) {
        int p;
        if (!ads_dev_gemm_path_parse(argv[i], &p)) {
            fprintf(stderr, "gemm_speed: '%s' is not a path (cpu, tiled, clblast)\n", argv[i]);
            return 2;
        }
        want[p] = true;
    }
    ads_context *ctx = NULL;
    if (ads_context_create(NULL, &ctx) != ADS_OK) {
        fprintf(stderr, "no device: %s\n", ads_last_error());
        return 1;
    }
    bool pinned;
    ads_dev_gemm_path(ctx, &pinned);
    ads_device_info info;
    if (pinned || ads_context_device_info(ctx, 0, &info) != ADS_OK) {
        fprintf(stderr, "gemm_speed: %s\n",
                pinned ? "unset ADS_GEMM; the paths are chosen here" : ads_last_error());
        ads_context_release(ctx);
        return pinned ? 2 : 1;
    }
    int units = info.compute_units > 0 ? info.compute_units : 1;
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1) load = -1;
        fclose(f);
    }
    printf("ads_gemm paths on %s (%d compute units; load average %.1f)\n", info.device, units,
           load);
    printf("GFLOP/s of wall time, then of CPU time x units; ratio: CPU-time GFLOP/s over "
           "CLBlast's\n");
    int failed = table(ctx, want, units);
    ads_context_release(ctx);
    return failed;
}
