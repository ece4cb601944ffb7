/* Two host threads share one context and run many independent operations
   of random sizes (convolutions, pools, stride positions, forward and
   backward); every result is checked against the double reference. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ref_gconv.h"
#include "ref_pool.h"
#include "ref_stride.h"

typedef struct {
    ads_context *ctx;
    unsigned seed;
    int checks, failures;
    char first_failure[256];
} worker;

static double rnd(unsigned *s, double lo, double hi)
{
    return lo + (hi - lo) * (double)rand_r(s) / RAND_MAX;
}

static float *random_floats(unsigned *s, size_t n, double lo, double hi, double **as_double)
{
    float *v = malloc(n * sizeof *v);
    *as_double = malloc(n * sizeof **as_double);
    for (size_t i = 0; i < n; i++) (*as_double)[i] = v[i] = (float)rnd(s, lo, hi);
    return v;
}

static ads_tensor *upload(worker *w, int ndim, const int64_t *shape, const float *v)
{
    ads_tensor *t = NULL;
    if (ads_tensor_create(w->ctx, ndim, shape, &t) != ADS_OK) return NULL;
    if (v && ads_tensor_write(t, v, ads_tensor_count(t)) != ADS_OK) {
        ads_tensor_release(t);
        return NULL;
    }
    return t;
}

/* Compares a device result with the reference; atol covers float sums of
   a few hundred terms of magnitude <= 1. */
static void compare(worker *w, const char *what, const ads_tensor *t, const double *want)
{
    size_t n = ads_tensor_count(t);
    float *got = malloc(n * sizeof *got);
    bool ok = ads_tensor_read(t, got, n) == ADS_OK;
    for (size_t i = 0; ok && i < n; i++) ok = fabs(got[i] - want[i]) <= 1e-4 * (1 + fabs(want[i]));
    w->checks++;
    if (!ok && !w->failures++) snprintf(w->first_failure, sizeof w->first_failure, "%s", what);
    free(got);
}

/* Separable positions: sorted random offsets within (-1, n). */
static float *positions(unsigned *s, long N, long L, long n, double **d)
{
    float *p = malloc((size_t)(N * L) * sizeof *p);
    *d = malloc((size_t)(N * L) * sizeof **d);
    for (long k = 0; k < N * L; k++)
        (*d)[k] = p[k] = (float)(rint(rnd(s, -0.5, n - 0.5) * 64) / 64);
    return p;
}

static void one_gconv(worker *w)
{
    unsigned *s = &w->seed;
    long N = 1 + rand_r(s) % 2, C = 1 + rand_r(s) % 4, H = 4 + rand_r(s) % 9, W = 4 + rand_r(s) % 9;
    long Cout = 1 + rand_r(s) % 4, Ho = 1 + rand_r(s) % 5, Wo = 1 + rand_r(s) % 5;
    ref_gconv_shape sh = {N, C, H, W, Cout, Ho, Wo, 3, 3, 2, 2, 1, 1, 1, 1, 1};
    double *dx, *dw, *dpy, *dpx, *dgy;
    float *x = random_floats(s, (size_t)(N * C * H * W), -1, 1, &dx);
    float *wt = random_floats(s, (size_t)(Cout * C * 9), -1, 1, &dw);
    float *gy = random_floats(s, (size_t)(N * Cout * Ho * Wo), -1, 1, &dgy);
    float *py = positions(s, N, Ho, H, &dpy), *px = positions(s, N, Wo, W, &dpx);
    int64_t xs[4] = {N, C, H, W}, ws[4] = {Cout, C, 3, 3}, ys[4] = {N, Cout, Ho, Wo};
    int64_t pys[2] = {N, Ho}, pxs[2] = {N, Wo};
    ads_tensor *tx = upload(w, 4, xs, x), *tw = upload(w, 4, ws, wt), *tg = upload(w, 4, ys, gy);
    ads_tensor *tpy = upload(w, 2, pys, py), *tpx = upload(w, 2, pxs, px);
    ads_tensor *ty = upload(w, 4, ys, NULL), *tgx = upload(w, 4, xs, NULL);
    ads_tensor *tgpy = upload(w, 2, pys, NULL);
    ads_conv_desc d = {3, 3, 2, 2, 1, 1, 1, 1, 1};
    ads_sampling at = {tpy, tpx, NULL};
    ads_sampling_grad gat = {tgpy, NULL, NULL};
    double *y = calloc((size_t)(N * Cout * Ho * Wo), 8), *gx = calloc((size_t)(N * C * H * W), 8);
    double *gpy = calloc((size_t)(N * Ho), 8);
    ref_gconv_at rat = {dpy, dpx, NULL};
    if (ads_gconv_forward(w->ctx, &d, tx, tw, NULL, at, ty) == ADS_OK &&
        ads_gconv_backward(w->ctx, &d, tx, tw, at, tg, tgx, NULL, NULL, gat) == ADS_OK) {
        ref_gconv_forward(&sh, dx, dw, NULL, rat, y);
        ref_gconv_backward(&sh, dx, dw, rat, dgy, gx, NULL, NULL, gpy, NULL, NULL, 0);
        compare(w, "gconv y", ty, y);
        compare(w, "gconv gx", tgx, gx);
        compare(w, "gconv gpy", tgpy, gpy);
    } else if (!w->failures++) {
        snprintf(w->first_failure, sizeof w->first_failure, "gconv call: %s", ads_last_error());
    }
    ads_tensor *all[] = {tx, tw, tg, tpy, tpx, ty, tgx, tgpy};
    for (int i = 0; i < 8; i++) ads_tensor_release(all[i]);
    free(x), free(wt), free(gy), free(py), free(px), free(dx), free(dw), free(dgy), free(dpy),
        free(dpx), free(y), free(gx), free(gpy);
}

static void one_pool(worker *w)
{
    unsigned *s = &w->seed;
    long N = 1 + rand_r(s) % 2, C = 1 + rand_r(s) % 4, H = 3 + rand_r(s) % 9, W = 3 + rand_r(s) % 9;
    long Ho = 1 + rand_r(s) % 5, Wo = 1 + rand_r(s) % 5;
    int mode = rand_r(s) % 3;
    ref_pool_params p = {mode, 2, 3, 0, 1, 1, 1};
    ref_pool_dims dims = {N, C, H, W, Ho, Wo};
    double *dx, *dpy, *dpx;
    float *x = random_floats(s, (size_t)(N * C * H * W), -1, 1, &dx);
    float *py = positions(s, N, Ho, H, &dpy), *px = positions(s, N, Wo, W, &dpx);
    int64_t xs[4] = {N, C, H, W}, ys[4] = {N, C, Ho, Wo}, pys[2] = {N, Ho}, pxs[2] = {N, Wo};
    ads_tensor *tx = upload(w, 4, xs, x), *tpy = upload(w, 2, pys, py),
               *tpx = upload(w, 2, pxs, px);
    ads_tensor *ty = upload(w, 4, ys, NULL);
    ads_pool_desc d = {(ads_pool_mode)mode, 2, 3, 2, 2, 0, 1, 1, 1};
    ads_sampling at = {tpy, tpx, NULL};
    double *y = calloc((size_t)(N * C * Ho * Wo), 8);
    ref_pool_at rat = {dpy, dpx, NULL};
    if (ads_pool_forward(w->ctx, &d, tx, at, ty) == ADS_OK) {
        ref_pool_forward(&p, &dims, dx, rat, y, NULL);
        compare(w, "pool y", ty, y);
    } else if (!w->failures++) {
        snprintf(w->first_failure, sizeof w->first_failure, "pool call: %s", ads_last_error());
    }
    ads_tensor_release(tx), ads_tensor_release(tpy), ads_tensor_release(tpx),
        ads_tensor_release(ty);
    free(x), free(py), free(px), free(dx), free(dpy), free(dpx), free(y);
}

static void one_positions(worker *w)
{
    unsigned *s = &w->seed;
    long N = 1 + rand_r(s) % 3, L = 1 + rand_r(s) % 40;
    double *da;
    float *a = random_floats(s, (size_t)(N * L), -2, 2, &da);
    int64_t shape[2] = {N, L};
    ads_tensor *ta = upload(w, 2, shape, a), *tp = upload(w, 2, shape, NULL);
    double *p = calloc((size_t)(N * L), 8);
    if (ads_stride_positions(w->ctx, ta, 1.5f, 0.25f, 0.8f, tp) == ADS_OK) {
        ref_stride_positions(da, N, L, 1.5, 0.25, 0.8, p);
        compare(w, "positions", tp, p);
    } else if (!w->failures++) {
        snprintf(w->first_failure, sizeof w->first_failure, "positions call: %s", ads_last_error());
    }
    ads_tensor_release(ta), ads_tensor_release(tp);
    free(a), free(da), free(p);
}

static void *work(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < 40; i++) {
        switch (rand_r(&w->seed) % 3) {
        case 0: one_gconv(w); break;
        case 1: one_pool(w); break;
        default: one_positions(w); break;
        }
    }
    return NULL;
}

START_TEST(two_threads_run_operations)
{
    ads_context *ctx = test_context();
    worker w[2] = {{ctx, 11, 0, 0, ""}, {ctx, 22, 0, 0, ""}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) ck_assert_int_eq(pthread_create(&th[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++)
        ck_assert_msg(w[i].failures == 0, "thread %d: %d failures, first: %s", i, w[i].failures,
                      w[i].first_failure);
    ck_assert_int_ge(w[0].checks + w[1].checks, 80);
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, two_threads_run_operations);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
