/* Dense, ReLU, dropout and global average pooling against the
   double-precision references (tests/ref/ref_train.c), each backward
   against central finite differences of the reference, and bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h" /* ctx->check_finite, as ADS_CHECK=1 sets it */
#include "ref_train.h"
#include "train_testlib.h"

/* ------------------------------------------------------------ dense */

typedef struct {
    long N, in, out;
    double *x, *w, *b, *gy;
} dense_env;

/* sum(gy * y): its gradient to x, w, b is what dense backward returns. */
static double dense_objective(void *p)
{
    dense_env *e = p;
    double *y = malloc((size_t)(e->N * e->out) * sizeof *y), s = 0;
    ref_dense_forward(e->N, e->in, e->out, e->x, e->w, e->b, y);
    for (long i = 0; i < e->N * e->out; i++) s += e->gy[i] * y[i];
    free(y);
    return s;
}

/* One random layer: forward, backward and finite differences. Errors
   are divided by the recursive-summation bound (K + 3) u sum|terms|
   (the same bound as the GEMM suite); worst[] collects the largest. */
static void dense_trial(ads_context *ctx, double *worst, double *worst_abs, double *fd_worst)
{
    long N = test_int(2, 6), out = test_int(1, 19);
    int four_d = test_int(0, 1);
    int64_t xs[4] = {N, test_int(1, 4), test_int(1, 5), test_int(1, 5)};
    if (!four_d) xs[1] = test_int(1, 37);
    int xnd = four_d ? 4 : 2;
    long in = four_d ? (long)(xs[1] * xs[2] * xs[3]) : (long)xs[1];
    int64_t ws[2] = {out, in}, bs[1] = {out}, ys[2] = {N, out};
    int with_b = test_int(0, 3) != 0;
    dense_env e = {N, in, out, NULL, NULL, NULL, NULL};
    ads_tensor *x = tl_random(ctx, xnd, xs, -1, 1, &e.x), *w = tl_random(ctx, 2, ws, -1, 1, &e.w);
    ads_tensor *b = with_b ? tl_random(ctx, 1, bs, -1, 1, &e.b) : NULL;
    ads_tensor *gy = tl_random(ctx, 2, ys, -1, 1, &e.gy);
    ads_tensor *y = tl_sentinel(ctx, 2, ys), *gx = tl_sentinel(ctx, xnd, xs);
    ads_tensor *gw = tl_sentinel(ctx, 2, ws), *gb = tl_sentinel(ctx, 1, bs);
    ck_assert_ads_ok(ads_dense_forward(ctx, x, w, b, y));
    ck_assert_ads_ok(ads_dense_backward(ctx, x, w, gy, gx, gw, gb));

    size_t nx = (size_t)(N * in), nw = (size_t)(out * in), ny = (size_t)(N * out);
    double *ry = malloc(ny * 8), *my = malloc(ny * 8), *rgx = malloc(nx * 8), *mgx = malloc(nx * 8);
    double *rgw = malloc(nw * 8), *mgw = malloc(nw * 8), rgb[19], mgb[19];
    double *ax = tl_abs(e.x, nx), *aw = tl_abs(e.w, nw), *agy = tl_abs(e.gy, ny);
    double *ab = e.b ? tl_abs(e.b, (size_t)out) : NULL;
    ref_dense_forward(N, in, out, e.x, e.w, e.b, ry);
    ref_dense_forward(N, in, out, ax, aw, ab, my);
    ref_dense_backward(N, in, out, e.x, e.w, e.gy, rgx, rgw, rgb);
    ref_dense_backward(N, in, out, ax, aw, agy, mgx, mgw, mgb);

    double *got[4] = {tl_read(y), tl_read(gx), tl_read(gw), tl_read(gb)};
    const double *want[4] = {ry, rgx, rgw, rgb}, *mag[4] = {my, mgx, mgw, mgb};
    size_t n[4] = {ny, nx, nw, (size_t)out};
    long K[4] = {in + 1, out, N, N};
    for (int i = 0; i < 4; i++) {
        double a, r = tl_error(got[i], want[i], mag[i], n[i], 1e-30, (double)(K[i] + 3) * U32, &a);
        ck_assert_msg(r <= 1,
                      "dense output %d: error %g of the float32 bound (N %ld in %ld out %ld)", i, r,
                      N, in, out);
        if (r > worst[i]) worst[i] = r;
        if (a > worst_abs[i]) worst_abs[i] = a;
        free(got[i]);
    }
    /* The reference's backward against central differences (the
       objective is linear in each parameter: differences are exact up to
       rounding). */
    double f = tl_fd_check(dense_objective, &e, e.x, nx, rgx, 1e-3, 1e-9);
    f = fmax(f, tl_fd_check(dense_objective, &e, e.w, nw, rgw, 1e-3, 1e-9));
    if (e.b) f = fmax(f, tl_fd_check(dense_objective, &e, e.b, (size_t)out, rgb, 1e-3, 1e-9));
    ck_assert_msg(f <= 1, "dense reference backward disagrees with finite differences: %g", f);
    if (f > *fd_worst) *fd_worst = f;

    free(ry);
    free(my);
    free(rgx);
    free(mgx);
    free(rgw);
    free(mgw);
    free(ax);
    free(aw);
    free(agy);
    free(ab);
    free(e.x);
    free(e.w);
    free(e.b);
    free(e.gy);
    ads_tensor *all[8] = {x, w, b, gy, y, gx, gw, gb};
    for (int i = 0; i < 8; i++) ads_tensor_release(all[i]);
}

START_TEST(dense_matches_reference)
{
    ads_context *ctx = test_context();
    test_seed(901);
    double worst[4] = {0}, worst_abs[4] = {0}, fd = 0;
    for (int t = 0; t < 12; t++) dense_trial(ctx, worst, worst_abs, &fd);
    const char *names[4] = {"y", "gx", "gw", "gb"};
    for (int i = 0; i < 4; i++)
        printf("dense %-2s: max |err| %.3g, %.3g of the float32 bound\n", names[i], worst_abs[i],
               worst[i]);
    printf("dense reference vs finite differences: %.3g of tolerance\n", fd);
    ads_context_release(ctx);
}
END_TEST

/* Skipped outputs are skipped; y without bias; a 1 x 1 layer. */
START_TEST(dense_optional_outputs)
{
    ads_context *ctx = test_context();
    test_seed(902);
    int64_t xs[2] = {3, 5}, ws[2] = {4, 5}, ys[2] = {3, 4}, bs[1] = {4};
    double *hx, *hw, *hgy;
    ads_tensor *x = tl_random(ctx, 2, xs, -1, 1, &hx), *w = tl_random(ctx, 2, ws, -1, 1, &hw);
    ads_tensor *gy = tl_random(ctx, 2, ys, -1, 1, &hgy);
    ads_tensor *gx = tl_sentinel(ctx, 2, xs), *gw = tl_sentinel(ctx, 2, ws);
    ads_tensor *gb = tl_sentinel(ctx, 1, bs);
    ck_assert_ads_ok(ads_dense_backward(ctx, x, w, gy, NULL, NULL, gb));
    tl_assert_sentinel(gx, "gx");
    tl_assert_sentinel(gw, "gw");
    double *got = tl_read(gb), want[4];
    ref_dense_backward(3, 5, 4, hx, hw, hgy, NULL, NULL, want);
    for (int i = 0; i < 4; i++) ck_assert_double_eq_tol(got[i], want[i], 6 * U32 * 3);
    ck_assert_ads_ok(ads_dense_backward(ctx, x, w, gy, NULL, NULL, NULL));
    free(got);
    free(hx);
    free(hw);
    free(hgy);
    ads_tensor *all[6] = {x, w, gy, gx, gw, gb};
    for (int i = 0; i < 6; i++) ads_tensor_release(all[i]);
    ads_context_release(ctx);
}
END_TEST

START_TEST(dense_bad_input)
{
    ads_context *ctx = test_context();
    int64_t xs[2] = {3, 5}, ws[2] = {4, 5}, ys[2] = {3, 4}, bs[1] = {4}, bad[2] = {4, 6};
    ads_tensor *x = tl_sentinel(ctx, 2, xs), *w = tl_sentinel(ctx, 2, ws);
    ads_tensor *b = tl_sentinel(ctx, 1, bs), *y = tl_sentinel(ctx, 2, ys);
    ads_tensor *wbad = tl_sentinel(ctx, 2, bad), *gx = tl_sentinel(ctx, 2, xs);
    ads_tensor *gw = tl_sentinel(ctx, 2, ws), *gb = tl_sentinel(ctx, 1, bs);
    ads_tensor *ybad = tl_sentinel(ctx, 2, xs);
    tl_expect_fail(ads_dense_forward(NULL, x, w, b, y), ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    tl_expect_fail(ads_dense_forward(ctx, NULL, w, b, y), ADS_ERR_NULL_ARGUMENT, "x is NULL");
    tl_expect_fail(ads_dense_forward(ctx, x, NULL, b, y), ADS_ERR_NULL_ARGUMENT, "w is NULL");
    tl_expect_fail(ads_dense_forward(ctx, x, w, b, NULL), ADS_ERR_NULL_ARGUMENT, "y is NULL");
    tl_expect_fail(ads_dense_forward(ctx, x, wbad, b, y), ADS_ERR_SHAPE_MISMATCH,
                   "w has shape [4, 6]");
    tl_expect_fail(ads_dense_forward(ctx, x, w, y, y), ADS_ERR_SHAPE_MISMATCH, "b has shape");
    tl_expect_fail(ads_dense_forward(ctx, x, w, b, ybad), ADS_ERR_SHAPE_MISMATCH,
                   "y has shape [3, 5]");
    tl_expect_fail(ads_dense_forward(ctx, b, w, NULL, y), ADS_ERR_SHAPE_MISMATCH,
                   "x has shape [4]");
    tl_expect_fail(ads_dense_backward(ctx, x, w, ybad, gx, gw, gb), ADS_ERR_SHAPE_MISMATCH,
                   "gy has shape");
    tl_expect_fail(ads_dense_backward(ctx, x, w, y, gw, gw, gb), ADS_ERR_SHAPE_MISMATCH,
                   "gx has shape");
    tl_expect_fail(ads_dense_backward(ctx, x, w, y, gx, gx, gb), ADS_ERR_SHAPE_MISMATCH,
                   "gw has shape");
    tl_expect_fail(ads_dense_backward(ctx, x, w, y, gx, gw, gx), ADS_ERR_SHAPE_MISMATCH,
                   "gb has shape");
    tl_expect_fail(ads_dense_backward(ctx, x, w, y, gx, w, gb), ADS_ERR_INVALID_ARGUMENT,
                   "gw is the same tensor as w");
    tl_expect_fail(ads_dense_backward(ctx, x, w, NULL, gx, gw, gb), ADS_ERR_NULL_ARGUMENT,
                   "gy is NULL");
    ads_tensor *outs[6] = {y, ybad, gx, gw, gb, b};
    for (int i = 0; i < 6; i++) tl_assert_sentinel(outs[i], "output");
    tl_assert_sentinel(x, "x");
    tl_assert_sentinel(w, "w");
    ads_tensor *all[9] = {x, w, b, y, wbad, gx, gw, gb, ybad};
    for (int i = 0; i < 9; i++) ads_tensor_release(all[i]);
    ads_context_release(ctx);
}
END_TEST

/* ------------------------------------------------------------- relu */

typedef struct {
    size_t n;
    double *x, *gy;
} unary_env;

static double relu_objective(void *p)
{
    unary_env *e = p;
    double s = 0;
    for (size_t i = 0; i < e->n; i++) s += e->gy[i] * (e->x[i] > 0 ? e->x[i] : 0);
    return s;
}

START_TEST(relu_matches_reference)
{
    ads_context *ctx = test_context();
    test_seed(903);
    double fd_worst = 0;
    for (int t = 0; t < 6; t++) {
        int64_t s[4] = {test_int(2, 4), test_int(1, 5), test_int(1, 9), test_int(1, 8)};
        size_t n = (size_t)(s[0] * s[1] * s[2] * s[3]);
        float *xv = malloc(n * 4);
        test_fill_uniform(xv, n, -1, 1);
        xv[0] = 0.0f;                  /* the derivative at 0 is 0 */
        for (size_t i = 1; i < n; i++) /* keep finite differences off the kink */
            if (fabsf(xv[i]) < 1e-3f) xv[i] = 0.5f;
        ads_tensor *x = test_tensor(ctx, 4, s, xv);
        unary_env e = {n, malloc(n * 8), NULL};
        for (size_t i = 0; i < n; i++) e.x[i] = xv[i];
        ads_tensor *gy = tl_random(ctx, 4, s, -1, 1, &e.gy);
        ads_tensor *y = tl_sentinel(ctx, 4, s), *gx = tl_sentinel(ctx, 4, s);
        ck_assert_ads_ok(ads_relu_forward(ctx, x, y));
        ck_assert_ads_ok(ads_relu_backward(ctx, x, gy, gx));
        double *ry = malloc(n * 8), *rgx = malloc(n * 8), *gy_ = tl_read(y), *ggx = tl_read(gx);
        ref_relu_forward(n, e.x, ry);
        ref_relu_backward(n, e.x, e.gy, rgx);
        for (size_t i = 0; i < n; i++) { /* exact: no arithmetic */
            ck_assert_double_eq(gy_[i], ry[i]);
            ck_assert_double_eq(ggx[i], rgx[i]);
        }
        ck_assert_double_eq(ggx[0], 0.0);
        e.x[0] = 0.25; /* FD needs a point off the kink; the kernel case was checked */
        ref_relu_backward(n, e.x, e.gy, rgx);
        double f = tl_fd_check(relu_objective, &e, e.x, n, rgx, 1e-4, 1e-9);
        ck_assert_msg(f <= 1, "relu reference vs finite differences: %g", f);
        fd_worst = fmax(fd_worst, f);
        free(xv);
        free(e.x);
        free(e.gy);
        free(ry);
        free(rgx);
        free(gy_);
        free(ggx);
        ads_tensor_release(x);
        ads_tensor_release(gy);
        ads_tensor_release(y);
        ads_tensor_release(gx);
    }
    printf("relu: forward and backward bit-exact; reference vs finite differences %.3g of "
           "tolerance\n",
           fd_worst);
    ads_context_release(ctx);
}
END_TEST

START_TEST(relu_bad_input)
{
    ads_context *ctx = test_context();
    int64_t s[2] = {3, 4}, o[2] = {4, 3};
    ads_tensor *x = tl_sentinel(ctx, 2, s), *y = tl_sentinel(ctx, 2, s),
               *yo = tl_sentinel(ctx, 2, o);
    tl_expect_fail(ads_relu_forward(NULL, x, y), ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    tl_expect_fail(ads_relu_forward(ctx, NULL, y), ADS_ERR_NULL_ARGUMENT, "x is NULL");
    tl_expect_fail(ads_relu_forward(ctx, x, NULL), ADS_ERR_NULL_ARGUMENT, "y is NULL");
    tl_expect_fail(ads_relu_forward(ctx, x, yo), ADS_ERR_SHAPE_MISMATCH, "y has shape [4, 3]");
    tl_expect_fail(ads_relu_forward(ctx, x, x), ADS_ERR_INVALID_ARGUMENT,
                   "y is the same tensor as x");
    tl_expect_fail(ads_relu_backward(ctx, x, yo, y), ADS_ERR_SHAPE_MISMATCH, "gy has shape");
    tl_expect_fail(ads_relu_backward(ctx, x, NULL, y), ADS_ERR_NULL_ARGUMENT, "gy is NULL");
    tl_expect_fail(ads_relu_backward(ctx, x, y, y), ADS_ERR_INVALID_ARGUMENT,
                   "gx is the same tensor as gy");
    tl_assert_sentinel(x, "x");
    tl_assert_sentinel(y, "y");
    tl_assert_sentinel(yo, "yo");
    ads_tensor_release(x);
    ads_tensor_release(y);
    ads_tensor_release(yo);
    ads_context_release(ctx);
}
END_TEST

/* ---------------------------------------------------------- dropout */

static double dropout_objective(void *p)
{
    unary_env *e = p; /* gy holds gy * mask here */
    double s = 0;
    for (size_t i = 0; i < e->n; i++) s += e->gy[i] * e->x[i];
    return s;
}

START_TEST(dropout_matches_reference)
{
    ads_context *ctx = test_context();
    test_seed(904);
    const float ps[4] = {0.0f, 0.1f, 0.5f, 0.9f};
    for (int t = 0; t < 4; t++) {
        int64_t s[3] = {test_int(2, 5), test_int(3, 17), test_int(5, 31)};
        size_t n = (size_t)(s[0] * s[1] * s[2]);
        double *hx, *hgy;
        ads_tensor *x = tl_random(ctx, 3, s, -2, 2, &hx), *gy = tl_random(ctx, 3, s, -1, 1, &hgy);
        ads_tensor *mask = tl_sentinel(ctx, 3, s), *y = tl_sentinel(ctx, 3, s);
        ads_tensor *gx = tl_sentinel(ctx, 3, s);
        uint64_t seed = 0x1234567890abcdefull + (uint64_t)t;
        ck_assert_ads_ok(ads_dropout_forward(ctx, x, ps[t], seed, mask, y));
        ck_assert_ads_ok(ads_dropout_backward(ctx, mask, gy, gx));
        double *rm = malloc(n * 8), *m = tl_read(mask), *gy_ = tl_read(y), *ggx = tl_read(gx);
        ref_dropout_mask(n, ps[t], seed, rm);
        double worst = 0;
        for (size_t i = 0; i < n; i++) {
            ck_assert_msg(m[i] == (double)(float)rm[i], "mask[%zu] %g, reference %g", i, m[i],
                          rm[i]);
            ck_assert_uint_eq(ads_dropout_hash(seed, i), ref_dropout_hash(seed, i));
            /* one float product: within half an ulp of the exact value */
            double want = hx[i] * m[i], wantg = hgy[i] * m[i];
            ck_assert(fabs(gy_[i] - want) <= U32 * fabs(want));
            ck_assert(fabs(ggx[i] - wantg) <= U32 * fabs(wantg));
            worst = fmax(worst, fabs(gy_[i] - hx[i] * rm[i]));
        }
        if (ps[t] == 0.0f)
            for (size_t i = 0; i < n; i++) ck_assert_double_eq(gy_[i], hx[i]);
        /* The reference backward (gy * mask) against finite differences
           of sum(gy * x * mask). */
        unary_env e = {n, hx, malloc(n * 8)};
        double *rgx = malloc(n * 8);
        for (size_t i = 0; i < n; i++) e.gy[i] = rgx[i] = hgy[i] * rm[i];
        double f = tl_fd_check(dropout_objective, &e, hx, n, rgx, 1e-3, 1e-9);
        ck_assert_msg(f <= 1, "dropout reference vs finite differences: %g", f);
        printf("dropout p=%.1f: mask bit-exact, max |y - x*mask| %.3g, FD %.3g of tolerance\n",
               (double)ps[t], worst, f);
        free(hx);
        free(hgy);
        free(rm);
        free(m);
        free(gy_);
        free(ggx);
        free(e.gy);
        free(rgx);
        ads_tensor *all[5] = {x, gy, mask, y, gx};
        for (int i = 0; i < 5; i++) ads_tensor_release(all[i]);
    }
    ads_context_release(ctx);
}
END_TEST

/* Same seed, same mask; another seed, another mask; the kept fraction of
   a large tensor within 6 binomial standard deviations of 1 - p. */
START_TEST(dropout_reproducible_and_fair)
{
    ads_context *ctx = test_context();
    const int64_t n = 1 << 20;
    const float p = 0.3f;
    ads_tensor *x = test_tensor(ctx, 1, &n, NULL), *m1 = test_tensor(ctx, 1, &n, NULL);
    ads_tensor *m2 = test_tensor(ctx, 1, &n, NULL), *m3 = test_tensor(ctx, 1, &n, NULL);
    ads_tensor *y = test_tensor(ctx, 1, &n, NULL);
    ck_assert_ads_ok(ads_dropout_forward(ctx, x, p, 42, m1, y));
    ck_assert_ads_ok(ads_dropout_forward(ctx, x, p, 42, m2, y));
    ck_assert_ads_ok(ads_dropout_forward(ctx, x, p, 43, m3, y));
    float *a = test_read(m1), *b = test_read(m2), *c = test_read(m3);
    ck_assert_mem_eq(a, b, (size_t)n * 4);
    long kept = 0, differ = 0;
    for (int64_t i = 0; i < n; i++) {
        kept += a[i] != 0.0f;
        differ += (a[i] != 0.0f) != (c[i] != 0.0f);
    }
    double q = 1.0 - (double)p, sd = sqrt((double)n * q * (1 - q));
    double z = ((double)kept - (double)n * q) / sd;
    printf("dropout p=0.3 on 2^20 elements: kept %ld, %.2f binomial sd from n(1-p); seeds 42 "
           "and 43 differ at %ld elements\n",
           kept, z, differ);
    ck_assert_msg(fabs(z) <= 6, "kept fraction %g is %g sd from %g", (double)kept / n, z, q);
    /* Two independent masks differ at about 2p(1-p) of the elements. */
    double dq = 2 * p * q, dsd = sqrt((double)n * dq * (1 - dq));
    ck_assert_msg(fabs((double)differ - n * dq) <= 6 * dsd, "seeds 42 and 43 differ at %ld",
                  differ);
    for (int64_t i = 0; i < n; i++)
        ck_assert(a[i] == 0.0f || a[i] == (float)(1.0 / (1.0 - (double)p)));
    free(a);
    free(b);
    free(c);
    ads_tensor *all[5] = {x, m1, m2, m3, y};
    for (int i = 0; i < 5; i++) ads_tensor_release(all[i]);
    ads_context_release(ctx);
}
END_TEST

START_TEST(dropout_bad_input)
{
    ads_context *ctx = test_context();
    int64_t s[2] = {3, 4}, o[2] = {2, 6};
    ads_tensor *x = tl_sentinel(ctx, 2, s), *m = tl_sentinel(ctx, 2, s),
               *y = tl_sentinel(ctx, 2, s);
    ads_tensor *mo = tl_sentinel(ctx, 2, o);
    tl_expect_fail(ads_dropout_forward(ctx, x, 1.0f, 1, m, y), ADS_ERR_INVALID_ARGUMENT, "p is 1");
    tl_expect_fail(ads_dropout_forward(ctx, x, -0.1f, 1, m, y), ADS_ERR_INVALID_ARGUMENT,
                   "p is -0.1");
    tl_expect_fail(ads_dropout_forward(ctx, x, NAN, 1, m, y), ADS_ERR_INVALID_ARGUMENT, "p is nan");
    tl_expect_fail(ads_dropout_forward(ctx, x, 0.5f, 1, NULL, y), ADS_ERR_NULL_ARGUMENT,
                   "mask is NULL");
    tl_expect_fail(ads_dropout_forward(ctx, x, 0.5f, 1, mo, y), ADS_ERR_SHAPE_MISMATCH,
                   "mask has shape");
    tl_expect_fail(ads_dropout_forward(ctx, x, 0.5f, 1, y, y), ADS_ERR_INVALID_ARGUMENT,
                   "mask is the same tensor as y");
    tl_expect_fail(ads_dropout_forward(NULL, x, 0.5f, 1, m, y), ADS_ERR_NULL_ARGUMENT,
                   "ctx is NULL");
    tl_expect_fail(ads_dropout_backward(ctx, mo, x, y), ADS_ERR_SHAPE_MISMATCH, "mask has shape");
    tl_expect_fail(ads_dropout_backward(ctx, m, x, x), ADS_ERR_INVALID_ARGUMENT, "gx is the same");
    tl_assert_sentinel(m, "mask");
    tl_assert_sentinel(y, "y");
    tl_assert_sentinel(x, "x");
    ads_tensor *all[4] = {x, m, y, mo};
    for (int i = 0; i < 4; i++) ads_tensor_release(all[i]);
    ads_context_release(ctx);
}
END_TEST

/* -------------------------------------------- global average pooling */

typedef struct {
    size_t planes, S;
    double *x, *gy;
} gap_env;

static double gap_objective(void *p)
{
    gap_env *e = p;
    double *y = malloc(e->planes * 8), s = 0;
    ref_gap_forward(e->planes, e->S, e->x, y);
    for (size_t i = 0; i < e->planes; i++) s += e->gy[i] * y[i];
    free(y);
    return s;
}

START_TEST(gap_matches_reference)
{
    ads_context *ctx = test_context();
    test_seed(905);
    double worst = 0, worst_g = 0, wabs = 0, fd = 0;
    for (int t = 0; t < 6; t++) {
        int64_t xs[4] = {test_int(2, 4), test_int(1, 6), test_int(1, 13), test_int(1, 11)};
        int64_t ys[2] = {xs[0], xs[1]};
        gap_env e = {(size_t)(xs[0] * xs[1]), (size_t)(xs[2] * xs[3]), NULL, NULL};
        ads_tensor *x = tl_random(ctx, 4, xs, -1, 3, &e.x),
                   *gy = tl_random(ctx, 2, ys, -1, 1, &e.gy);
        ads_tensor *y = tl_sentinel(ctx, 2, ys), *gx = tl_sentinel(ctx, 4, xs);
        ck_assert_ads_ok(ads_global_avg_pool_forward(ctx, x, y));
        ck_assert_ads_ok(ads_global_avg_pool_backward(ctx, gy, gx));
        size_t nx = e.planes * e.S;
        double *ry = malloc(e.planes * 8), *my = malloc(e.planes * 8), *rgx = malloc(nx * 8);
        double *ax = tl_abs(e.x, nx), *got = tl_read(y), *gotg = tl_read(gx), a;
        ref_gap_forward(e.planes, e.S, e.x, ry);
        ref_gap_forward(e.planes, e.S, ax, my);
        ref_gap_backward(e.planes, e.S, e.gy, rgx);
        /* S - 1 additions and a division: (S + 1) u mean|x|. */
        double r = tl_error(got, ry, my, e.planes, 1e-30, (double)(e.S + 1) * U32, &a);
        ck_assert_msg(r <= 1, "gap forward: %g of the bound", r);
        worst = fmax(worst, r);
        wabs = fmax(wabs, a);
        double rg = tl_error(gotg, rgx, NULL, nx, 1e-30, U32, NULL);
        ck_assert_msg(rg <= 1, "gap backward: %g of the bound", rg);
        worst_g = fmax(worst_g, rg);
        double f = tl_fd_check(gap_objective, &e, e.x, nx, rgx, 1e-3, 1e-9);
        ck_assert_msg(f <= 1, "gap reference vs finite differences: %g", f);
        fd = fmax(fd, f);
        free(ry);
        free(my);
        free(rgx);
        free(ax);
        free(got);
        free(gotg);
        free(e.x);
        free(e.gy);
        ads_tensor_release(x);
        ads_tensor_release(gy);
        ads_tensor_release(y);
        ads_tensor_release(gx);
    }
    printf("global avg pool: forward max |err| %.3g (%.3g of bound), backward %.3g of bound, "
           "reference FD %.3g of tolerance\n",
           wabs, worst, worst_g, fd);
    ads_context_release(ctx);
}
END_TEST

START_TEST(gap_bad_input)
{
    ads_context *ctx = test_context();
    int64_t xs[4] = {2, 3, 4, 5}, ys[2] = {2, 3}, yb[2] = {3, 2};
    ads_tensor *x = tl_sentinel(ctx, 4, xs), *y = tl_sentinel(ctx, 2, ys),
               *ybad = tl_sentinel(ctx, 2, yb);
    ads_tensor *gx = tl_sentinel(ctx, 4, xs);
    tl_expect_fail(ads_global_avg_pool_forward(ctx, x, ybad), ADS_ERR_SHAPE_MISMATCH,
                   "y has shape [3, 2]");
    tl_expect_fail(ads_global_avg_pool_forward(ctx, y, ybad), ADS_ERR_SHAPE_MISMATCH,
                   "expected N x C x H x W");
    tl_expect_fail(ads_global_avg_pool_forward(ctx, NULL, y), ADS_ERR_NULL_ARGUMENT, "x is NULL");
    tl_expect_fail(ads_global_avg_pool_forward(NULL, x, y), ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    tl_expect_fail(ads_global_avg_pool_backward(ctx, ybad, gx), ADS_ERR_SHAPE_MISMATCH,
                   "gy has shape");
    tl_expect_fail(ads_global_avg_pool_backward(ctx, y, NULL), ADS_ERR_NULL_ARGUMENT, "gx is NULL");
    tl_assert_sentinel(y, "y");
    tl_assert_sentinel(ybad, "ybad");
    tl_assert_sentinel(gx, "gx");
    ads_tensor *all[4] = {x, y, ybad, gx};
    for (int i = 0; i < 4; i++) ads_tensor_release(all[i]);
    ads_context_release(ctx);
}
END_TEST

/* ADS_CHECK=1: a NaN input is refused before any work, outputs intact. */
START_TEST(non_finite_inputs_with_check)
{
    ads_context *ctx = test_context();
    ctx->check_finite = true;
    int64_t s[2] = {2, 3}, ws[2] = {4, 3}, ys[2] = {2, 4};
    float v[6] = {1, 2, NAN, 4, 5, 6};
    ads_tensor *x = test_tensor(ctx, 2, s, v), *y = tl_sentinel(ctx, 2, s);
    ads_tensor *w = tl_sentinel(ctx, 2, ws), *yd = tl_sentinel(ctx, 2, ys),
               *m = tl_sentinel(ctx, 2, s);
    tl_expect_fail(ads_relu_forward(ctx, x, y), ADS_ERR_NON_FINITE, "x[2]");
    tl_expect_fail(ads_dropout_forward(ctx, x, 0.5f, 3, m, y), ADS_ERR_NON_FINITE, "x[2]");
    tl_expect_fail(ads_dense_forward(ctx, x, w, NULL, yd), ADS_ERR_NON_FINITE, "x[2]");
    tl_assert_sentinel(y, "y");
    tl_assert_sentinel(m, "mask");
    tl_assert_sentinel(yd, "y (dense)");
    ads_tensor *all[5] = {x, y, w, yd, m};
    for (int i = 0; i < 5; i++) ads_tensor_release(all[i]);
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("train_layers");
    TCase *tc = tcase_create("train_layers");
    tcase_add_test(tc, dense_matches_reference);
    tcase_add_test(tc, dense_optional_outputs);
    tcase_add_test(tc, dense_bad_input);
    tcase_add_test(tc, relu_matches_reference);
    tcase_add_test(tc, relu_bad_input);
    tcase_add_test(tc, dropout_matches_reference);
    tcase_add_test(tc, dropout_reproducible_and_fair);
    tcase_add_test(tc, dropout_bad_input);
    tcase_add_test(tc, gap_matches_reference);
    tcase_add_test(tc, gap_bad_input);
    tcase_add_test(tc, non_finite_inputs_with_check);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
