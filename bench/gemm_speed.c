/* GFLOP/s of the library's GEMM (ads_dev_gemm) on convolution-shaped
   products: the median of 7 timed runs after one warm-up, wall time up to
   ads_finish. A second
   column divides the work by the process's CPU time per run (times the
   compute units): on a machine shared with other jobs the wall time
   measures the load as much as the kernels, the CPU time much less so.
   Usage: gemm_speed [own|clblast]  (sets ADS_GEMM; default: own) */
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

int main(int argc, char **argv)
{
    if (argc > 1) setenv("ADS_GEMM", argv[1], 1);
    ads_context *ctx = NULL;
    if (ads_context_create(NULL, &ctx) != ADS_OK) {
        fprintf(stderr, "no device: %s\n", ads_last_error());
        return 1;
    }
    const char *backend = getenv("ADS_GEMM");
    ads_device_info info;
    if (ads_context_device_info(ctx, 0, &info) != ADS_OK) {
        fprintf(stderr, "no device info: %s\n", ads_last_error());
        ads_context_release(ctx);
        return 1;
    }
    int units = info.compute_units > 0 ? info.compute_units : 1;
    double load[1] = {-1};
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load[0]) != 1) load[0] = -1;
        fclose(f);
    }
    printf("gemm backend %s on %s (%d compute units; load average %.1f)\n",
           backend ? backend : "own", info.device, units, load[0]);
    printf("%-36s %6s %6s %6s  %8s  %8s  %s\n", "product", "M", "N", "K", "ms", "GFLOP/s",
           "GFLOP/CPU-s x units");
    int failed = 0;
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const shape *s = &shapes[i];
        double cpu = 0, sec = time_product(ctx, s, &cpu);
        if (sec < 0) {
            printf("%-36s failed: %s\n", s->what, ads_last_error());
            failed = 1;
            continue;
        }
        double flop = 2.0 * (double)s->M * (double)s->N * (double)s->K;
        printf("%-36s %6zu %6zu %6zu  %8.3f  %8.1f  %8.1f\n", s->what, s->M, s->N, s->K,
               1e3 * sec, flop / sec * 1e-9, flop / cpu * 1e-9 * units);
    }
    ads_context_release(ctx);
    return failed;
}
