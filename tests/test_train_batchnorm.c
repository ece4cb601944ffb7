/* Batch normalisation against the double-precision reference: training
   and inference forward, running statistics over several steps, the
   backward against the reference and the reference against central
   finite differences; bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_train.h"
#include "train_testlib.h"

typedef struct {
    long N, C, S;
    double eps, *x, *gamma, *beta, *gy;
} bn_env;

static double bn_objective(void *p)
{
    bn_env *e = p;
    size_t n = (size_t)(e->N * e->C * e->S);
    double *y = malloc(n * 8), s = 0;
    ref_bn_forward_train(e->N, e->C, e->S, e->x, e->gamma, e->beta, e->eps, y, NULL, NULL, NULL);
    for (size_t i = 0; i < n; i++) s += e->gy[i] * y[i];
    free(y);
    return s;
}

/* Per-element error scales for the float32 kernels (see the header of
   bn_trial). */
typedef struct {
    double *y, *gx, mean[8], invstd[8], rmean[8], rvar[8], gbeta[8], ggamma[8], rtol[8];
} bn_scales;

#define AT(n, c, s) ((((size_t)(n)) * (size_t)C + (size_t)(c)) * (size_t)S + (size_t)(s))

/* The float32 bound: every channel sum of M terms carries at most
   (M + 8) u of their absolute sum; the normalised value (x - mean) *
   invstd also inherits the mean's error, amplified by A = mean|x| *
   invstd (large when the channel's offset dwarfs its spread), and the
   variance the mean's error twice over: rtol = (M + 8) u (4 + 2A). Each
   output's scale is the matching sum of absolute terms. */
static void bn_bounds(const bn_env *e, const double *invstd, const double *rm0, const double *rv0,
                      const double *var_unb, bn_scales *b)
{
    long N = e->N, C = e->C, S = e->S;
    double M = (double)(N * S);
    for (long c = 0; c < C; c++) {
        double ma = 0, sg = 0, sgx = 0;
        for (long n = 0; n < N; n++)
            for (long s = 0; s < S; s++) ma += fabs(e->x[AT(n, c, s)]) / M;
        double is = invstd[c], A = ma * is;
        for (long n = 0; n < N; n++)
            for (long s = 0; s < S; s++) {
                double g = fabs(e->gy[AT(n, c, s)]);
                sg += g;
                sgx += g * (fabs(e->x[AT(n, c, s)]) + ma) * is;
            }
        b->rtol[c] = (M + 8) * U32 * (4 + 2 * A);
        b->mean[c] = ma;
        b->invstd[c] = is;
        b->rmean[c] = fabs(rm0[c]) + ma;
        b->rvar[c] = fabs(rv0[c]) + var_unb[c];
        b->gbeta[c] = sg;
        b->ggamma[c] = sgx;
        for (long n = 0; n < N; n++)
            for (long s = 0; s < S; s++) {
                size_t i = AT(n, c, s);
                double xh = (fabs(e->x[i]) + ma) * is;
                b->y[i] = fabs(e->gamma[c]) * xh + fabs(e->beta[c]);
                b->gx[i] = fabs(e->gamma[c]) * is * (fabs(e->gy[i]) + (sg + xh * sgx) / M);
            }
    }
}

/* Per-channel vectors: element c under rtol[c] * scale[c]. */
static double bn_err(const double *got, const double *want, const double *scale, long C,
                     const double *rtol, double *abs_err)
{
    double worst = 0;
    for (long c = 0; c < C; c++) {
        double a = fabs(got[c] - want[c]), r = a / (1e-30 + rtol[c] * scale[c]);
        if (!(r <= worst)) worst = isnan(r) ? INFINITY : r;
        if (!(a <= *abs_err)) *abs_err = isnan(a) ? INFINITY : a;
    }
    return worst;
}

/* Full tensors: the channel of element i is (i / S) % C. */
static double bn_err_full(const double *got, const double *want, const double *scale, long N,
                          long C, long S, const double *rtol, double *abs_err)
{
    double worst = 0;
    for (size_t i = 0; i < (size_t)(N * C * S); i++) {
        long c = (long)((i / (size_t)S) % (size_t)C);
        double a = fabs(got[i] - want[i]), r = a / (1e-30 + rtol[c] * scale[i]);
        if (!(r <= worst)) worst = isnan(r) ? INFINITY : r;
        if (abs_err && !(a <= *abs_err)) *abs_err = isnan(a) ? INFINITY : a;
    }
    return worst;
}

enum { E_Y, E_MEAN, E_INVSTD, E_RMEAN, E_RVAR, E_GX, E_GGAMMA, E_GBETA, E_INFER, E_FD, E_COUNT };
static const char *err_names[E_COUNT] = {
    "y (training)", "save_mean", "save_invstd", "running_mean",  "running_var",
    "gx",           "ggamma",    "gbeta",       "y (inference)", "reference vs FD"};

static void note(double *worst, double *worst_abs, int k, double r, double a)
{
    ck_assert_msg(r <= 1, "batchnorm %s: %g of the float32 bound", err_names[k], r);
    if (r > worst[k]) worst[k] = r;
    if (a > worst_abs[k]) worst_abs[k] = a;
}

static void bn_trial(ads_context *ctx, double *worst, double *worst_abs)
{
    int four_d = test_int(0, 3) != 0;
    long N = test_int(2, 4), C = test_int(1, 5), S = 1;
    int64_t xs[4] = {N, C, 1, 1};
    if (four_d) {
        xs[2] = test_int(1, 7);
        xs[3] = test_int(1, 9);
        S = (long)(xs[2] * xs[3]);
    } else {
        N = test_int(2, 9);
        xs[0] = N;
    }
    int nd = four_d ? 4 : 2;
    int64_t cs[1] = {C};
    size_t n = (size_t)(N * C * S);
    float eps = test_int(0, 1) ? 1e-5f : 1e-3f, momentum = 0.1f;
    bn_env e = {N, C, S, eps, malloc(n * 8), NULL, NULL, NULL};
    /* Channel offsets up to 4 times the spread test the two-pass variance. */
    float *xv = malloc(n * 4);
    for (long c = 0; c < C; c++) {
        double off = test_uniform(-4, 4), sc = test_uniform(0.5, 2);
        for (long nn = 0; nn < N; nn++)
            for (long s = 0; s < S; s++) xv[AT(nn, c, s)] = (float)(off + sc * test_uniform(-1, 1));
    }
    for (size_t i = 0; i < n; i++) e.x[i] = xv[i];
    ads_tensor *x = test_tensor(ctx, nd, xs, xv);
    double *rm0, *rv0;
    ads_tensor *gamma = tl_random(ctx, 1, cs, 0.5, 1.5, &e.gamma);
    ads_tensor *beta = tl_random(ctx, 1, cs, -1, 1, &e.beta);
    ads_tensor *rm = tl_random(ctx, 1, cs, -1, 1, &rm0), *rv = tl_random(ctx, 1, cs, 0.5, 2, &rv0);
    ads_tensor *gy = tl_random(ctx, nd, xs, -1, 1, &e.gy);
    ads_tensor *y = tl_sentinel(ctx, nd, xs), *yi = tl_sentinel(ctx, nd, xs);
    ads_tensor *sm = tl_sentinel(ctx, 1, cs), *si = tl_sentinel(ctx, 1, cs);
    ads_tensor *gx = tl_sentinel(ctx, nd, xs), *gg = tl_sentinel(ctx, 1, cs);
    ads_tensor *gb = tl_sentinel(ctx, 1, cs);
    /* inference first, with the running statistics as they were */
    ck_assert_ads_ok(
        ads_batchnorm_forward(ctx, x, gamma, beta, rm, rv, momentum, eps, 0, NULL, NULL, yi));
    ck_assert_ads_ok(
        ads_batchnorm_forward(ctx, x, gamma, beta, rm, rv, momentum, eps, 1, sm, si, y));
    ck_assert_ads_ok(ads_batchnorm_backward(ctx, x, gamma, sm, si, gy, gx, gg, gb));

    double *ry = malloc(n * 8), *ryi = malloc(n * 8), *rgx = malloc(n * 8), rmean[8], ris[8],
           rvu[8], rgg[8], rgb[8], rrm[8], rrv[8];
    ref_bn_forward_train(N, C, S, e.x, e.gamma, e.beta, eps, ry, rmean, ris, rvu);
    ref_bn_forward_infer(N, C, S, e.x, e.gamma, e.beta, rm0, rv0, eps, ryi);
    ref_bn_backward(N, C, S, e.x, e.gamma, eps, e.gy, rgx, rgg, rgb);
    for (long c = 0; c < C; c++) {
        rrm[c] = (1 - momentum) * rm0[c] + momentum * rmean[c];
        rrv[c] = (1 - momentum) * rv0[c] + momentum * rvu[c];
    }
    bn_scales b = {.y = malloc(n * 8), .gx = malloc(n * 8)};
    bn_bounds(&e, ris, rm0, rv0, rvu, &b);

    double *gy_ = tl_read(y), *gyi = tl_read(yi), *gm = tl_read(sm), *gi = tl_read(si);
    double *grm = tl_read(rm), *grv = tl_read(rv), *ggx = tl_read(gx), *ggg = tl_read(gg);
    double *ggb = tl_read(gb), a = 0, r;
    r = bn_err_full(gy_, ry, b.y, N, C, S, b.rtol, &a);
    note(worst, worst_abs, E_Y, r, a);
    a = 0;
    r = bn_err(gm, rmean, b.mean, C, b.rtol, &a);
    note(worst, worst_abs, E_MEAN, r, a);
    a = 0;
    r = bn_err(gi, ris, b.invstd, C, b.rtol, &a);
    note(worst, worst_abs, E_INVSTD, r, a);
    a = 0;
    r = bn_err(grm, rrm, b.rmean, C, b.rtol, &a);
    note(worst, worst_abs, E_RMEAN, r, a);
    a = 0;
    r = bn_err(grv, rrv, b.rvar, C, b.rtol, &a);
    note(worst, worst_abs, E_RVAR, r, a);
    a = 0;
    r = bn_err_full(ggx, rgx, b.gx, N, C, S, b.rtol, &a);
    note(worst, worst_abs, E_GX, r, a);
    a = 0;
    r = bn_err(ggg, rgg, b.ggamma, C, b.rtol, &a);
    note(worst, worst_abs, E_GGAMMA, r, a);
    a = 0;
    r = bn_err(ggb, rgb, b.gbeta, C, b.rtol, &a);
    note(worst, worst_abs, E_GBETA, r, a);
    /* inference: a handful of roundings per element */
    double *si_scale = malloc(n * 8), ri[8];
    for (size_t i = 0; i < n; i++) {
        long c = (long)((i / (size_t)S) % (size_t)C);
        si_scale[i] =
            fabs(e.gamma[c]) * (fabs(e.x[i]) + fabs(rm0[c])) / sqrt(rv0[c] + eps) + fabs(e.beta[c]);
    }
    for (long c = 0; c < C; c++) ri[c] = 8 * U32;
    a = 0;
    r = bn_err_full(gyi, ryi, si_scale, N, C, S, ri, &a);
    note(worst, worst_abs, E_INFER, r, a);
    /* The reference backward against central differences. */
    double f = tl_fd_check(bn_objective, &e, e.x, n, rgx, 1e-5, 1e-6);
    f = fmax(f, tl_fd_check(bn_objective, &e, e.gamma, (size_t)C, rgg, 1e-5, 1e-6));
    f = fmax(f, tl_fd_check(bn_objective, &e, e.beta, (size_t)C, rgb, 1e-5, 1e-6));
    note(worst, worst_abs, E_FD, f, 0);

    double *frees[] = {e.x, e.gamma, e.beta, e.gy, rm0, rv0, ry,  ryi, rgx, b.y,     b.gx,
                       gy_, gyi,     gm,     gi,   grm, grv, ggx, ggg, ggb, si_scale};
    for (size_t i = 0; i < sizeof frees / sizeof *frees; i++) free(frees[i]);
    free(xv);
    ads_tensor *all[] = {x, gamma, beta, rm, rv, gy, y, yi, sm, si, gx, gg, gb};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ads_tensor_release(all[i]);
}

START_TEST(batchnorm_matches_reference)
{
    ads_context *ctx = test_context();
    test_seed(911);
    double worst[E_COUNT] = {0}, worst_abs[E_COUNT] = {0};
    for (int t = 0; t < 12; t++) bn_trial(ctx, worst, worst_abs);
    for (int k = 0; k < E_COUNT; k++)
        printf("batchnorm %-16s max |err| %.3g, %.3g of the bound\n", err_names[k], worst_abs[k],
               worst[k]);
    ads_context_release(ctx);
}
END_TEST

/* Running statistics over several training steps on changing batches,
   then inference with them; training without running statistics. */
START_TEST(batchnorm_running_statistics)
{
    ads_context *ctx = test_context();
    test_seed(912);
    const long N = 3, C = 4, S = 10;
    int64_t xs[4] = {N, C, 2, 5}, cs[1] = {C};
    size_t n = (size_t)(N * C * S);
    double *hg, *hb, rm[4] = {0, 0, 0, 0}, rv[4] = {1, 1, 1, 1};
    ads_tensor *gamma = tl_random(ctx, 1, cs, 0.5, 1.5, &hg),
               *beta = tl_random(ctx, 1, cs, -1, 1, &hb);
    ads_tensor *trm = test_tensor(ctx, 1, cs, NULL), *trv = test_tensor(ctx, 1, cs, NULL);
    float ones[4] = {1, 1, 1, 1};
    ck_assert_ads_ok(ads_tensor_write(trv, ones, 4));
    ads_tensor *sm = test_tensor(ctx, 1, cs, NULL), *si = test_tensor(ctx, 1, cs, NULL);
    ads_tensor *y = test_tensor(ctx, 4, xs, NULL);
    const float momentum = 0.25f;
    double worst = 0;
    for (int step = 0; step < 5; step++) {
        double *hx;
        ads_tensor *x = tl_random(ctx, 4, xs, -1 + step, 2 + 2 * step, &hx);
        ck_assert_ads_ok(
            ads_batchnorm_forward(ctx, x, gamma, beta, trm, trv, momentum, 1e-5f, 1, sm, si, y));
        double mean[4], vu[4], *ry = malloc(n * 8);
        ref_bn_forward_train(N, C, S, hx, hg, hb, 1e-5, ry, mean, NULL, vu);
        for (long c = 0; c < C; c++) {
            rm[c] = (1 - momentum) * rm[c] + momentum * mean[c];
            rv[c] = (1 - momentum) * rv[c] + momentum * vu[c];
        }
        double *grm = tl_read(trm), *grv = tl_read(trv);
        /* Each step adds a few roundings of values below 2 + 2*5 and the
           statistics of 30 values: 64 u of the running values' scale. */
        for (long c = 0; c < C; c++) {
            double em = fabs(grm[c] - rm[c]) / (64 * U32 * (fabs(rm[c]) + 12));
            double ev = fabs(grv[c] - rv[c]) / (64 * U32 * (fabs(rv[c]) + 12));
            ck_assert_msg(em <= 1 && ev <= 1, "step %d channel %ld: running %g %g, want %g %g",
                          step, c, grm[c], grv[c], rm[c], rv[c]);
            worst = fmax(worst, fmax(em, ev));
        }
        free(grm);
        free(grv);
        free(hx);
        free(ry);
        ads_tensor_release(x);
    }
    printf("batchnorm running statistics over 5 steps: %.3g of the bound\n", worst);
    /* Without running statistics, training still normalises and leaves
       them alone. */
    double *before = tl_read(trm), *hx;
    ads_tensor *x = tl_random(ctx, 4, xs, -1, 1, &hx);
    ck_assert_ads_ok(
        ads_batchnorm_forward(ctx, x, gamma, beta, NULL, NULL, momentum, 1e-5f, 1, sm, si, y));
    double *after = tl_read(trm), *gy_ = tl_read(y), *ry = malloc(n * 8);
    for (long c = 0; c < C; c++) ck_assert_double_eq(before[c], after[c]);
    ref_bn_forward_train(N, C, S, hx, hg, hb, 1e-5, ry, NULL, NULL, NULL);
    for (size_t i = 0; i < n; i++) ck_assert_double_eq_tol(gy_[i], ry[i], 1e-4);
    free(before);
    free(after);
    free(gy_);
    free(ry);
    free(hx);
    free(hg);
    free(hb);
    ads_tensor *all[] = {gamma, beta, trm, trv, sm, si, y, x};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ads_tensor_release(all[i]);
    ads_context_release(ctx);
}
END_TEST

/* Skipped gradients: gx alone needs both channel sums internally. */
START_TEST(batchnorm_backward_optional_outputs)
{
    ads_context *ctx = test_context();
    test_seed(913);
    const long N = 2, C = 3, S = 6;
    int64_t xs[4] = {N, C, 2, 3}, cs[1] = {C};
    size_t n = (size_t)(N * C * S);
    double *hx, *hg, *hgy;
    ads_tensor *x = tl_random(ctx, 4, xs, -1, 1, &hx),
               *gamma = tl_random(ctx, 1, cs, 0.5, 1.5, &hg);
    ads_tensor *beta = test_tensor(ctx, 1, cs, NULL), *gy = tl_random(ctx, 4, xs, -1, 1, &hgy);
    ads_tensor *sm = test_tensor(ctx, 1, cs, NULL), *si = test_tensor(ctx, 1, cs, NULL);
    ads_tensor *y = test_tensor(ctx, 4, xs, NULL), *gx = tl_sentinel(ctx, 4, xs);
    ads_tensor *gg = tl_sentinel(ctx, 1, cs), *gb = tl_sentinel(ctx, 1, cs);
    ck_assert_ads_ok(
        ads_batchnorm_forward(ctx, x, gamma, beta, NULL, NULL, 0.1f, 1e-5f, 1, sm, si, y));
    ck_assert_ads_ok(ads_batchnorm_backward(ctx, x, gamma, sm, si, gy, gx, NULL, NULL));
    tl_assert_sentinel(gg, "ggamma");
    tl_assert_sentinel(gb, "gbeta");
    double *rgx = malloc(n * 8), *got = tl_read(gx);
    ref_bn_backward(N, C, S, hx, hg, 1e-5, hgy, rgx, NULL, NULL);
    for (size_t i = 0; i < n; i++) ck_assert_double_eq_tol(got[i], rgx[i], 1e-4);
    ck_assert_ads_ok(ads_batchnorm_backward(ctx, x, gamma, sm, si, gy, NULL, gg, NULL));
    tl_assert_sentinel(gb, "gbeta");
    free(rgx);
    free(got);
    free(hx);
    free(hg);
    free(hgy);
    ads_tensor *all[] = {x, gamma, beta, gy, sm, si, y, gx, gg, gb};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ads_tensor_release(all[i]);
    ads_context_release(ctx);
}
END_TEST

START_TEST(batchnorm_bad_input)
{
    ads_context *ctx = test_context();
    int64_t xs[4] = {2, 3, 2, 2}, cs[1] = {3}, c4[1] = {4}, x3[3] = {2, 3, 4}, one[2] = {1, 3};
    ads_tensor *x = tl_sentinel(ctx, 4, xs), *g = tl_sentinel(ctx, 1, cs),
               *b = tl_sentinel(ctx, 1, cs);
    ads_tensor *rm = tl_sentinel(ctx, 1, cs), *rv = tl_sentinel(ctx, 1, cs);
    ads_tensor *sm = tl_sentinel(ctx, 1, cs), *si = tl_sentinel(ctx, 1, cs);
    ads_tensor *y = tl_sentinel(ctx, 4, xs), *g4 = tl_sentinel(ctx, 1, c4);
    ads_tensor *xbad = tl_sentinel(ctx, 3, x3), *x1 = tl_sentinel(ctx, 2, one);
    ads_tensor *y1 = tl_sentinel(ctx, 2, one), *gx = tl_sentinel(ctx, 4, xs);
    tl_expect_fail(ads_batchnorm_forward(NULL, x, g, b, rm, rv, 0.1f, 1e-5f, 1, sm, si, y),
                   ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    tl_expect_fail(ads_batchnorm_forward(ctx, x, g, b, rm, rv, 0.1f, 0.0f, 1, sm, si, y),
                   ADS_ERR_INVALID_ARGUMENT, "eps is 0");
    tl_expect_fail(ads_batchnorm_forward(ctx, x, g, b, rm, rv, 0.1f, -1e-5f, 1, sm, si, y),
                   ADS_ERR_INVALID_ARGUMENT, "eps is -1e-05");
    tl_expect_fail(ads_batchnorm_forward(ctx, x, g, b, rm, rv, 0.1f, NAN, 0, NULL, NULL, y),
                   ADS_ERR_INVALID_ARGUMENT, "eps is nan");
    tl_expect_fail(ads_batchnorm_forward(ctx, x, g, b, rm, rv, 1.5f, 1e-5f, 1, sm, si, y),
                   ADS_ERR_INVALID_ARGUMENT, "momentum is 1.5");
    tl_expect_fail(ads_batchnorm_forward(ctx, x, g, b, rm, rv, 0.1f, 1e-5f, 1, NULL, si, y),
                   ADS_ERR_NULL_ARGUMENT, "save_mean is NULL");
    tl_expect_fail(ads_batchnorm_forward(ctx, x, g, b, rm, NULL, 0.1f, 1e-5f, 1, sm, si, y),
                   ADS_ERR_NULL_ARGUMENT, "running_var is NULL");
    tl_expect_fail(ads_batchnorm_forward(ctx, x, g, b, NULL, NULL, 0.1f, 1e-5f, 0, NULL, NULL, y),
                   ADS_ERR_NULL_ARGUMENT, "running_mean is NULL");
    tl_expect_fail(ads_batchnorm_forward(ctx, x, g4, b, rm, rv, 0.1f, 1e-5f, 1, sm, si, y),
                   ADS_ERR_SHAPE_MISMATCH, "gamma has shape [4]");
    tl_expect_fail(ads_batchnorm_forward(ctx, x, g, b, rm, rv, 0.1f, 1e-5f, 1, sm, g4, y),
                   ADS_ERR_SHAPE_MISMATCH, "save_invstd has shape [4]");
    tl_expect_fail(ads_batchnorm_forward(ctx, xbad, g, b, rm, rv, 0.1f, 1e-5f, 1, sm, si, y),
                   ADS_ERR_SHAPE_MISMATCH, "x has shape [2, 3, 4]");
    tl_expect_fail(ads_batchnorm_forward(ctx, x, g, b, rm, rv, 0.1f, 1e-5f, 1, sm, si, xbad),
                   ADS_ERR_SHAPE_MISMATCH, "y has shape");
    tl_expect_fail(ads_batchnorm_forward(ctx, x1, g, b, rm, rv, 0.1f, 1e-5f, 1, sm, si, y1),
                   ADS_ERR_INVALID_ARGUMENT, "more than 1");
    tl_expect_fail(ads_batchnorm_forward(ctx, x, g, b, rm, rv, 0.1f, 1e-5f, 1, sm, sm, y),
                   ADS_ERR_INVALID_ARGUMENT, "save_invstd is the same tensor as save_mean");
    tl_expect_fail(ads_batchnorm_forward(ctx, x, g, b, rm, rv, 0.1f, 1e-5f, 1, sm, si, x),
                   ADS_ERR_INVALID_ARGUMENT, "y is the same tensor as x");
    tl_expect_fail(ads_batchnorm_backward(ctx, x, g, sm, si, y, gx, g, b), ADS_ERR_INVALID_ARGUMENT,
                   "ggamma is the same tensor as gamma");
    tl_expect_fail(ads_batchnorm_backward(ctx, x, g, sm, NULL, y, gx, rm, rv),
                   ADS_ERR_NULL_ARGUMENT, "save_invstd is NULL");
    tl_expect_fail(ads_batchnorm_backward(ctx, x, g, sm, si, xbad, gx, rm, rv),
                   ADS_ERR_SHAPE_MISMATCH, "gy has shape");
    tl_expect_fail(ads_batchnorm_backward(ctx, x, g, sm, si, y, gx, g4, rv), ADS_ERR_SHAPE_MISMATCH,
                   "ggamma has shape [4]");
    ads_tensor *all[] = {x, g, b, rm, rv, sm, si, y, g4, xbad, x1, y1, gx};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        tl_assert_sentinel(all[i], "a tensor of a rejected call");
        ads_tensor_release(all[i]);
    }
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("train_batchnorm");
    TCase *tc = tcase_create("train_batchnorm");
    tcase_add_test(tc, batchnorm_matches_reference);
    tcase_add_test(tc, batchnorm_running_statistics);
    tcase_add_test(tc, batchnorm_backward_optional_outputs);
    tcase_add_test(tc, batchnorm_bad_input);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
