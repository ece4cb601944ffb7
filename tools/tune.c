/* adastride tune: tries the candidates the registry (lib/core/tunables.c)
   lists for each tunable gconv and GEMM parameter (paths, tiles,
   work-group sizes) on the device at hand and stores the fastest in the
   device's tuning table (lib/core/tuning.h). Each candidate is timed as the median of a few runs
   after a warm-up run that also pays its kernel compile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adastride_dev.h"
#include "tune.h"

#define REPS 5

typedef struct {
    ads_context *ctx;
    ads_conv_desc d;
    ads_tensor *x, *w, *y, *gy, *gx, *gw, *py, *px, *gpy, *gpx;
    bool backward;
    bool with_fixed; /* each run also does the fixed-stride pass */
} workload;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static ads_tensor *tensor(ads_context *ctx, int ndim, const int64_t *shape, float scale)
{
    ads_tensor *t = NULL;
    if (ads_tensor_create(ctx, ndim, shape, &t) != ADS_OK) return NULL;
    size_t n = ads_tensor_count(t);
    float *v = malloc(n * sizeof *v);
    if (v) {
        for (size_t i = 0; i < n; i++) v[i] = scale * (float)((i * 7919u) % 1000) / 1000.0f;
        ads_tensor_write(t, v, n);
    }
    free(v);
    return t;
}

/* A separable adaptive conv of N x C x S x S, 3x3 at mean stride 2. */
static bool setup(ads_context *ctx, workload *wl, int N, int C, int Cout, int S, int groups,
                  bool backward)
{
    memset(wl, 0, sizeof *wl);
    wl->ctx = ctx;
    wl->backward = backward;
    wl->d = (ads_conv_desc){3, 3, 2, 2, 1, 1, 1, 1, groups};
    int L = S / 2;
    int64_t xs[4] = {N, C, S, S}, ws[4] = {Cout, C / groups, 3, 3};
    int64_t ys[4] = {N, Cout, L, L}, ps[2] = {N, L};
    wl->x = tensor(ctx, 4, xs, 1.0f);
    wl->w = tensor(ctx, 4, ws, 0.1f);
    wl->y = tensor(ctx, 4, ys, 0.0f);
    wl->gy = tensor(ctx, 4, ys, 1.0f);
    wl->gx = tensor(ctx, 4, xs, 0.0f);
    wl->gw = tensor(ctx, 4, ws, 0.0f);
    wl->py = tensor(ctx, 2, ps, 0.0f);
    wl->px = tensor(ctx, 2, ps, 0.0f);
    wl->gpy = tensor(ctx, 2, ps, 0.0f);
    wl->gpx = tensor(ctx, 2, ps, 0.0f);
    if (!wl->x || !wl->w || !wl->y || !wl->gy || !wl->gx || !wl->gw || !wl->py || !wl->px ||
        !wl->gpy || !wl->gpx)
        return false;
    /* Positions near the fixed grid, off the integers. */
    float *p = malloc(sizeof(float) * (size_t)N * L);
    if (!p) return false;
    for (int i = 0; i < N * L; i++) p[i] = 2.0f * (float)(i % L) + 0.37f;
    bool ok = ads_tensor_write(wl->py, p, (size_t)N * L) == ADS_OK &&
              ads_tensor_write(wl->px, p, (size_t)N * L) == ADS_OK;
    free(p);
    return ok;
}

static void teardown(workload *wl)
{
    ads_tensor *t[] = {wl->x,  wl->w,  wl->y,  wl->gy,  wl->gx,
                       wl->gw, wl->py, wl->px, wl->gpy, wl->gpx};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) ads_tensor_release(t[i]);
}

/* One pass at the given sampling: the forward, and the backward (with
   the position gradients when adaptive) when the workload has one. */
static ads_status run_pass(workload *wl, ads_sampling at, ads_sampling_grad gat)
{
    ADS_DEV_TRY(ads_gconv_forward(wl->ctx, &wl->d, wl->x, wl->w, NULL, at, wl->y));
    if (!wl->backward) return ADS_OK;
    return ads_gconv_backward(wl->ctx, &wl->d, wl->x, wl->w, at, wl->gy, wl->gx, wl->gw, NULL, gat);
}

static ads_status run_once(workload *wl)
{
    ads_sampling fixed = {NULL, NULL, NULL}, sep = {wl->py, wl->px, NULL};
    ads_sampling_grad none = {NULL, NULL, NULL}, gsep = {wl->gpy, wl->gpx, NULL};
    if (wl->with_fixed) ADS_DEV_TRY(run_pass(wl, fixed, none));
    ADS_DEV_TRY(run_pass(wl, sep, wl->backward && wl->with_fixed ? gsep : none));
    return ads_finish(wl->ctx);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median milliseconds of the workload; negative when it fails. */
static double time_ms(workload *wl)
{
    if (run_once(wl) != ADS_OK) return -1; /* warm-up, compile included */
    double t[REPS];
    for (int r = 0; r < REPS; r++) {
        double t0 = now_ms();
        if (run_once(wl) != ADS_OK) return -1;
        t[r] = now_ms() - t0;
    }
    qsort(t, REPS, sizeof t[0], cmp_double);
    return t[REPS / 2];
}

/* Tries every candidate the registry lists for key on wl and keeps the
   fastest; returns it, or -1 when every candidate failed. */
static int pick(ads_context *ctx, workload *wl, const char *key)
{
    const int *cand;
    const int n = ads_dev_tune_candidates(key, &cand);
    int best = -1;
    double best_ms = 0;
    for (int i = 0; i < n; i++) {
        if (ads_dev_tune_set(ctx, key, cand[i]) != ADS_OK) return -1;
        double ms = time_ms(wl);
        printf("  %-24s %4d: %9.3f ms%s\n", key, cand[i], ms, ms < 0 ? " (failed)" : "");
        if (ms >= 0 && (best < 0 || ms < best_ms)) best = cand[i], best_ms = ms;
    }
    if (best < 0) {
        ads_dev_tune_unset(ctx, key);
        return -1;
    }
    ads_dev_tune_set(ctx, key, best);
    printf("  %-24s -> %d\n", key, best);
    return best;
}

/* Picks each key in turn, each keeping the best so far; counts failures. */
static int pick_all(ads_context *ctx, workload *wl, const char *const *keys, int n)
{
    int failed = 0;
    for (int i = 0; i < n; i++) failed += pick(ctx, wl, keys[i]) < 0;
    return failed;
}

/* The dense products: first the path (CPU-shaped kernels, the tiled
   kernel, CLBlast), then the register tiles, or the tiled kernel's tile
   and work-group sizes, of the path chosen. ADS_GEMM pins the path. */
static int tune_gemm(ads_context *ctx, workload *wl)
{
    static const char *const cpu_keys[] = {"gemm.vec_tm", "gemm.vec_nv", "gemm.dot_di"};
    static const char *const tiled_keys[] = {"gemm.tiled_mdimc", "gemm.tiled_ndimc",
                                             "gemm.tiled_mwg", "gemm.tiled_nwg", "gemm.tiled_kwg"};
    int failed = 0;
    bool pinned;
    int path = ads_dev_gemm_path(ctx, &pinned);
    if (pinned)
        printf("  gemm.path: ADS_GEMM=%s pins it; not tuned\n", ads_dev_gemm_path_name(path));
    else failed += pick(ctx, wl, "gemm.path") < 0;
    switch (ads_dev_gemm_path(ctx, &pinned)) {
    case 0: return failed + pick_all(ctx, wl, cpu_keys, 3);   /* CPU-shaped */
    case 1: return failed + pick_all(ctx, wl, tiled_keys, 5); /* tiled */
    default: return failed; /* CLBlast tunes itself (its own tuners) */
    }
}

int tune_main(const char *spec)
{
    ads_context *ctx;
    ads_status st = ads_context_create(spec, &ctx);
    if (st != ADS_OK) {
        fprintf(stderr, "adastride: %s: %s\n", ads_status_string(st), ads_last_error());
        return 1;
    }
    ads_device_info in;
    ads_context_device_info(ctx, 0, &in);
    printf("tuning on %s (%s, driver %s)\n", in.device, in.platform, in.driver_version);
    int failed = 0;
    workload wl;
    /* The column gather's shape (a row or an element per work-item), then
       that shape's own parameter (the pixel shape's work-group size, the
       row shape's channels per work-item): a dense separable forward;
       then the row kernels' work-group size, which only the backward's
       col2im and the depthwise row kernels use. */
    int pixel = -1;
    if (!setup(ctx, &wl, 2, 64, 64, 56, 1, false)) failed++;
    else if ((pixel = pick(ctx, &wl, "gconv.item_pixel")) < 0) failed++;
    else if (pick(ctx, &wl, pixel ? "gconv.pixel_local" : "gconv.col_channels") < 0) failed++;
    teardown(&wl);
    if (pixel == 0) {
        if (!setup(ctx, &wl, 2, 64, 64, 56, 1, true)) failed++;
        else if (pick(ctx, &wl, "gconv.rows_local") < 0) failed++;
        teardown(&wl);
    }
    /* Depthwise: the direct kernels or columns and GEMM, forward+backward
       of the fixed stride and of separable positions (with their
       gradients) together, at the benchmark's dw shape: on PoCL the
       direct path wins the first by 2-3x and the second narrowly or not
       at all, so a separable-only run chose the slower path overall.
       First the direct separable kernels' shape (CPU-shaped gathers
       only: the pixel shape has one), so the path is chosen against the
       faster of them. */
    if (!setup(ctx, &wl, 8, 128, 128, 56, 128, true)) failed++;
    else {
        wl.with_fixed = true;
        if (pixel == 0 && pick(ctx, &wl, "gconv.dw_plane") < 0) failed++;
        if (pick(ctx, &wl, "gconv.depthwise_direct") < 0) failed++;
    }
    teardown(&wl);
    /* The GEMM: a dense fixed-stride-sized forward+backward, where the
       products dominate (forward, gcol and gw). */
    if (!setup(ctx, &wl, 2, 128, 128, 56, 1, true)) failed++;
    else failed += tune_gemm(ctx, &wl);
    teardown(&wl);
    const char *path = NULL;
    st = failed ? ADS_ERR_OPENCL : ads_dev_tune_save(ctx, &path);
    if (st == ADS_OK) printf("stored %s\n", path);
    else fprintf(stderr, "adastride tune: %s\n", failed ? "a candidate failed" : ads_last_error());
    ads_context_release(ctx);
    return st == ADS_OK ? 0 : 1;
}
