/* Softmax cross-entropy, SGD and Adam against the
   double-precision references; the loss gradient of the reference
   against central finite differences; bad input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_train.h"
#include "train_testlib.h"

/* ----------------------------------------------------- cross-entropy */

typedef struct {
    long N, K;
    double *z, *labels;
} ce_env;

static double ce_objective(void *p)
{
    ce_env *e = p;
    return ref_softmax_ce(e->N, e->K, e->z, e->labels, NULL);
}

/* One random batch; offset shifts every logit (stability test). */
static void ce_trial(ads_context *ctx, long N, long K, double offset, double *worst)
{
    int64_t zs[2] = {N, K}, ls[1] = {N}, one[1] = {1};
    size_t n = (size_t)(N * K);
    float *zv = malloc(n * 4), *lv = malloc((size_t)N * 4);
    test_fill_uniform(zv, n, -5, 5);
    for (size_t i = 0; i < n; i++) zv[i] += (float)offset;
    for (long r = 0; r < N; r++) lv[r] = (float)test_int(0, (int)K - 1);
    ce_env e = {N, K, malloc(n * 8), malloc((size_t)N * 8)};
    double zabs = 0;
    for (size_t i = 0; i < n; i++) {
        e.z[i] = zv[i];
        zabs = fmax(zabs, fabs(e.z[i]));
    }
    for (long r = 0; r < N; r++) e.labels[r] = lv[r];
    ads_tensor *z = test_tensor(ctx, 2, zs, zv), *lab = test_tensor(ctx, 1, ls, lv);
    ads_tensor *loss = tl_sentinel(ctx, 1, one), *g = tl_sentinel(ctx, 2, zs);
    ck_assert_ads_ok(ads_softmax_cross_entropy(ctx, z, lab, loss, g));
    double *rg = malloc(n * 8), rl = ref_softmax_ce(N, K, e.z, e.labels, rg);
    double *gl = tl_read(loss), *gg = tl_read(g);
    /* The loss: K exponentials and a sum (each exp/log within a few ulp),
       max - z[label] with one rounding of |z|, then the mean of N rows:
       (K + N + 16) u (1 + max|z| + |loss|). */
    double lt = (double)(K + N + 16) * U32 * (1 + zabs + fabs(rl));
    double le = fabs(gl[0] - rl) / lt;
    ck_assert_msg(le <= 1, "loss %.9g, reference %.9g (N %ld K %ld offset %g)", gl[0], rl, N, K,
                  offset);
    /* Gradient: softmax within (K + 16 + 2 max|z|) u of itself (the
       subtraction z - max rounds at the scale of |z|). */
    double *scale = malloc(n * 8);
    for (size_t i = 0; i < n; i++) {
        double hot = (long)(i % (size_t)K) == (long)e.labels[i / (size_t)K];
        scale[i] = (rg[i] * (double)N + hot + hot) / (double)N; /* (softmax + onehot) / N */
    }
    double ge_abs,
        ge = tl_error(gg, rg, scale, n, 1e-30, (double)(K + 16 + 2 * zabs) * U32, &ge_abs);
    ck_assert_msg(ge <= 1, "glogits: %g of the bound (N %ld K %ld offset %g)", ge, N, K, offset);
    /* The reference gradient against central differences. */
    double f = offset == 0 ? tl_fd_check(ce_objective, &e, e.z, n, rg, 1e-5, 1e-7) : 0;
    ck_assert_msg(f <= 1, "cross-entropy reference vs finite differences: %g", f);
    /* Without glogits: the same loss bits. */
    ads_tensor *loss2 = tl_sentinel(ctx, 1, one);
    ck_assert_ads_ok(ads_softmax_cross_entropy(ctx, z, lab, loss2, NULL));
    double *gl2 = tl_read(loss2);
    ck_assert_double_eq(gl2[0], gl[0]);
    worst[0] = fmax(worst[0], le);
    worst[1] = fmax(worst[1], fabs(gl[0] - rl));
    worst[2] = fmax(worst[2], ge);
    worst[3] = fmax(worst[3], ge_abs);
    worst[4] = fmax(worst[4], f);
    free(zv);
    free(lv);
    free(e.z);
    free(e.labels);
    free(rg);
    free(gl);
    free(gg);
    free(gl2);
    free(scale);
    ads_tensor *all[5] = {z, lab, loss, g, loss2};
    for (int i = 0; i < 5; i++) ads_tensor_release(all[i]);
}

START_TEST(cross_entropy_matches_reference)
{
    ads_context *ctx = test_context();
    test_seed(921);
    double worst[5] = {0};
    for (int t = 0; t < 10; t++) ce_trial(ctx, test_int(2, 9), test_int(2, 12), 0, worst);
    ce_trial(ctx, 300, 10, 0, worst);
    ce_trial(ctx, 5, 7, 1000, worst);  /* exp would overflow without the max */
    ce_trial(ctx, 5, 7, -1000, worst); /* and underflow to 0 */
    printf("cross-entropy loss: max |err| %.3g (%.3g of bound); glogits max |err| %.3g (%.3g "
           "of bound); reference vs FD %.3g of tolerance\n",
           worst[1], worst[0], worst[3], worst[2], worst[4]);
    ads_context_release(ctx);
}
END_TEST

START_TEST(cross_entropy_bad_input)
{
    ads_context *ctx = test_context();
    int64_t zs[2] = {3, 4}, ls[1] = {3}, one[1] = {1}, two[1] = {2}, z3[3] = {3, 4, 1};
    float z[12] = {0}, good[3] = {0, 3, 1};
    ads_tensor *logits = test_tensor(ctx, 2, zs, z), *lab = test_tensor(ctx, 1, ls, good);
    ads_tensor *loss = tl_sentinel(ctx, 1, one), *g = tl_sentinel(ctx, 2, zs);
    ads_tensor *loss2 = tl_sentinel(ctx, 1, two), *zbad = tl_sentinel(ctx, 3, z3);
    const float bad[4][3] = {{0, 4, 1}, {0, 2.5f, 1}, {-1, 0, 0}, {0, 0, NAN}};
    const char *phrase[4] = {"labels[1] is 4", "labels[1] is 2.5", "labels[0] is -1",
                             "labels[2] is nan"};
    for (int i = 0; i < 4; i++) {
        ck_assert_ads_ok(ads_tensor_write(lab, bad[i], 3));
        tl_expect_fail(ads_softmax_cross_entropy(ctx, logits, lab, loss, g),
                       ADS_ERR_INVALID_ARGUMENT, phrase[i]);
        ck_assert(strstr(ads_last_error(), "[0, 4)") != NULL);
    }
    ck_assert_ads_ok(ads_tensor_write(lab, good, 3));
    tl_expect_fail(ads_softmax_cross_entropy(ctx, logits, lab, loss2, g), ADS_ERR_SHAPE_MISMATCH,
                   "loss has shape [2]");
    tl_expect_fail(ads_softmax_cross_entropy(ctx, logits, loss2, loss, g), ADS_ERR_SHAPE_MISMATCH,
                   "labels has shape [2]");
    tl_expect_fail(ads_softmax_cross_entropy(ctx, zbad, lab, loss, g), ADS_ERR_SHAPE_MISMATCH,
                   "logits has shape [3, 4, 1]");
    tl_expect_fail(ads_softmax_cross_entropy(ctx, logits, lab, loss, zbad), ADS_ERR_SHAPE_MISMATCH,
                   "glogits has shape");
    tl_expect_fail(ads_softmax_cross_entropy(ctx, logits, lab, NULL, g), ADS_ERR_NULL_ARGUMENT,
                   "loss is NULL");
    tl_expect_fail(ads_softmax_cross_entropy(ctx, logits, NULL, loss, g), ADS_ERR_NULL_ARGUMENT,
                   "labels is NULL");
    tl_expect_fail(ads_softmax_cross_entropy(NULL, logits, lab, loss, g), ADS_ERR_NULL_ARGUMENT,
                   "ctx is NULL");
    tl_expect_fail(ads_softmax_cross_entropy(ctx, logits, lab, loss, logits),
                   ADS_ERR_INVALID_ARGUMENT, "glogits is the same tensor as logits");
    tl_assert_sentinel(loss, "loss");
    tl_assert_sentinel(g, "glogits");
    tl_assert_sentinel(loss2, "loss2");
    tl_assert_sentinel(zbad, "zbad");
    ads_tensor *all[6] = {logits, lab, loss, g, loss2, zbad};
    for (int i = 0; i < 6; i++) ads_tensor_release(all[i]);
    ads_context_release(ctx);
}
END_TEST

/* -------------------------------------------------------- optimisers */

/* Each step is checked from the device's own state (read back, widened
   to double), so the bound is that of one step: a few roundings of the
   terms' magnitudes. */
static double step_error(const double *got, const double *want, const double *scale, size_t n,
                         double rtol)
{
    return tl_error(got, want, scale, n, 1e-30, rtol, NULL);
}

static void sgd_run(ads_context *ctx, float lr, float momentum, float wd, int with_velocity,
                    double *worst)
{
    int64_t s[3] = {3, 5, 7};
    size_t n = 105;
    double *hp;
    ads_tensor *p = tl_random(ctx, 3, s, -1, 1, &hp),
               *v = with_velocity ? test_tensor(ctx, 3, s, NULL) : NULL;
    double *sp = malloc(n * 8), *sv = malloc(n * 8);
    free(hp);
    for (int step = 0; step < 6; step++) {
        double *hg;
        ads_tensor *g = tl_random(ctx, 3, s, -1, 1, &hg);
        double *p0 = tl_read(p), *v0 = v ? tl_read(v) : calloc(n, 8);
        for (size_t i = 0; i < n; i++) {
            double d = fabs(hg[i]) + wd * fabs(p0[i]);
            sv[i] = momentum * fabs(v0[i]) + d;
            sp[i] = fabs(p0[i]) + lr * (with_velocity ? sv[i] : d);
        }
        ref_sgd_step(n, p0, hg, v ? v0 : NULL, lr, momentum, wd);
        ck_assert_ads_ok(ads_sgd_step(ctx, p, g, v, lr, momentum, wd));
        double *p1 = tl_read(p), e = step_error(p1, p0, sp, n, 6 * U32);
        ck_assert_msg(e <= 1, "sgd step %d param: %g of the bound", step, e);
        *worst = fmax(*worst, e);
        if (v) {
            double *v1 = tl_read(v);
            e = step_error(v1, v0, sv, n, 4 * U32);
            ck_assert_msg(e <= 1, "sgd step %d velocity: %g of the bound", step, e);
            *worst = fmax(*worst, e);
            free(v1);
        }
        free(p0);
        free(v0);
        free(p1);
        free(hg);
        ads_tensor_release(g);
    }
    free(sp);
    free(sv);
    ads_tensor_release(p);
    ads_tensor_release(v);
}

START_TEST(sgd_matches_reference)
{
    ads_context *ctx = test_context();
    test_seed(922);
    double worst = 0;
    sgd_run(ctx, 0.1f, 0.9f, 5e-4f, 1, &worst);
    sgd_run(ctx, 0.05f, 0.0f, 0.0f, 0, &worst);
    sgd_run(ctx, 0.01f, 0.0f, 1e-2f, 1, &worst);
    sgd_run(ctx, 0.3f, 1.0f, 0.1f, 1, &worst);
    printf("sgd: per-step error %.3g of the bound over 4 settings x 6 steps\n", worst);
    ads_context_release(ctx);
}
END_TEST

static void adam_run(ads_context *ctx, float lr, float b1, float b2, float eps, float wd,
                     int first_step, double *worst)
{
    int64_t s[2] = {11, 13};
    size_t n = 143;
    double *hp;
    ads_tensor *p = tl_random(ctx, 2, s, -1, 1, &hp), *m = test_tensor(ctx, 2, s, NULL);
    ads_tensor *v = test_tensor(ctx, 2, s, NULL);
    free(hp);
    double *sm = malloc(n * 8), *sv = malloc(n * 8), *sp = malloc(n * 8);
    for (int step = first_step; step < first_step + 6; step++) {
        double *hg;
        ads_tensor *g = tl_random(ctx, 2, s, -1, 1, &hg);
        double *p0 = tl_read(p), *m0 = tl_read(m), *v0 = tl_read(v);
        double bc1 = 1 - pow(b1, step), bc2 = 1 - pow(b2, step);
        for (size_t i = 0; i < n; i++) {
            double d = fabs(hg[i]) + wd * fabs(p0[i]);
            sm[i] = b1 * fabs(m0[i]) + (1 - b1) * d;
            sv[i] = b2 * fabs(v0[i]) + (1 - b2) * d * d;
        }
        ref_adam_step(n, p0, hg, m0, v0, lr, b1, b2, eps, wd, step);
        for (size_t i = 0; i < n; i++) /* the update's size, from the new state */
            sp[i] = fabs(p0[i]) + 2 * lr / bc1 * fabs(m0[i]) / (sqrt(v0[i] / bc2) + eps);
        ck_assert_ads_ok(ads_adam_step(ctx, p, g, m, v, lr, b1, b2, eps, wd, step));
        double *p1 = tl_read(p), *m1 = tl_read(m), *v1 = tl_read(v);
        /* m, v: two products and a sum; param: the update through a
           sqrt, two divisions and the float bias corrections, relative
           to |param| + |update| (doubled above for the m and v that
           carry their own rounding into it). */
        double e = fmax(step_error(m1, m0, sm, n, 4 * U32), step_error(v1, v0, sv, n, 6 * U32));
        e = fmax(e, step_error(p1, p0, sp, n, 16 * U32));
        ck_assert_msg(e <= 1, "adam step %d: %g of the bound", step, e);
        *worst = fmax(*worst, e);
        free(p0);
        free(m0);
        free(v0);
        free(p1);
        free(m1);
        free(v1);
        free(hg);
        ads_tensor_release(g);
    }
    free(sm);
    free(sv);
    free(sp);
    ads_tensor_release(p);
    ads_tensor_release(m);
    ads_tensor_release(v);
}

START_TEST(adam_matches_reference)
{
    ads_context *ctx = test_context();
    test_seed(923);
    double worst = 0;
    adam_run(ctx, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.0f, 1, &worst);
    adam_run(ctx, 1e-2f, 0.8f, 0.99f, 1e-6f, 1e-2f, 1, &worst);
    adam_run(ctx, 1e-3f, 0.9f, 0.999f, 1e-8f, 5e-4f, 100000, &worst); /* corrections ~1 */
    adam_run(ctx, 1e-3f, 0.0f, 0.0f, 1e-3f, 0.0f, 1, &worst);
    printf("adam: per-step error %.3g of the bound over 4 settings x 6 steps\n", worst);
    ads_context_release(ctx);
}
END_TEST

START_TEST(optimiser_bad_input)
{
    ads_context *ctx = test_context();
    int64_t s[1] = {6}, o[1] = {5};
    ads_tensor *p = tl_sentinel(ctx, 1, s), *g = tl_sentinel(ctx, 1, s),
               *v = tl_sentinel(ctx, 1, s);
    ads_tensor *m = tl_sentinel(ctx, 1, s), *go = tl_sentinel(ctx, 1, o);
    tl_expect_fail(ads_sgd_step(NULL, p, g, v, 0.1f, 0.9f, 0), ADS_ERR_NULL_ARGUMENT,
                   "ctx is NULL");
    tl_expect_fail(ads_sgd_step(ctx, NULL, g, v, 0.1f, 0.9f, 0), ADS_ERR_NULL_ARGUMENT,
                   "param is NULL");
    tl_expect_fail(ads_sgd_step(ctx, p, NULL, v, 0.1f, 0.9f, 0), ADS_ERR_NULL_ARGUMENT,
                   "grad is NULL");
    tl_expect_fail(ads_sgd_step(ctx, p, go, v, 0.1f, 0.9f, 0), ADS_ERR_SHAPE_MISMATCH,
                   "grad has shape [5]");
    tl_expect_fail(ads_sgd_step(ctx, p, g, go, 0.1f, 0.9f, 0), ADS_ERR_SHAPE_MISMATCH,
                   "velocity has shape [5]");
    tl_expect_fail(ads_sgd_step(ctx, p, g, NULL, 0.1f, 0.9f, 0), ADS_ERR_NULL_ARGUMENT,
                   "velocity is NULL");
    tl_expect_fail(ads_sgd_step(ctx, p, g, v, -0.1f, 0.9f, 0), ADS_ERR_INVALID_ARGUMENT,
                   "lr is -0.1");
    tl_expect_fail(ads_sgd_step(ctx, p, g, v, INFINITY, 0.9f, 0), ADS_ERR_INVALID_ARGUMENT,
                   "lr is inf; it must be a finite number >= 0"); /* not "in [0, inf]" */
    tl_expect_fail(ads_sgd_step(ctx, p, g, v, 0.1f, 1.5f, 0), ADS_ERR_INVALID_ARGUMENT,
                   "momentum is 1.5");
    tl_expect_fail(ads_sgd_step(ctx, p, g, v, 0.1f, 0.9f, -1), ADS_ERR_INVALID_ARGUMENT,
                   "weight_decay is -1");
    tl_expect_fail(ads_sgd_step(ctx, p, g, g, 0.1f, 0.9f, 0), ADS_ERR_INVALID_ARGUMENT,
                   "velocity is the same tensor as grad");
    tl_expect_fail(ads_sgd_step(ctx, p, p, v, 0.1f, 0.9f, 0), ADS_ERR_INVALID_ARGUMENT,
                   "param is the same tensor as grad");
    tl_expect_fail(ads_adam_step(ctx, p, g, m, v, 1e-3f, 1.0f, 0.999f, 1e-8f, 0, 1),
                   ADS_ERR_INVALID_ARGUMENT, "beta1 is 1");
    tl_expect_fail(ads_adam_step(ctx, p, g, m, v, 1e-3f, 0.9f, -0.5f, 1e-8f, 0, 1),
                   ADS_ERR_INVALID_ARGUMENT, "beta2 is -0.5");
    tl_expect_fail(ads_adam_step(ctx, p, g, m, v, 1e-3f, 0.9f, 0.999f, 0.0f, 0, 1),
                   ADS_ERR_INVALID_ARGUMENT, "eps is 0");
    tl_expect_fail(ads_adam_step(ctx, p, g, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, 0, 0),
                   ADS_ERR_INVALID_ARGUMENT, "step is 0");
    tl_expect_fail(ads_adam_step(ctx, p, g, m, m, 1e-3f, 0.9f, 0.999f, 1e-8f, 0, 1),
                   ADS_ERR_INVALID_ARGUMENT, "v is the same tensor as m");
    tl_expect_fail(ads_adam_step(ctx, p, g, NULL, v, 1e-3f, 0.9f, 0.999f, 1e-8f, 0, 1),
                   ADS_ERR_NULL_ARGUMENT, "m is NULL");
    tl_expect_fail(ads_adam_step(ctx, p, g, m, go, 1e-3f, 0.9f, 0.999f, 1e-8f, 0, 1),
                   ADS_ERR_SHAPE_MISMATCH, "v has shape [5]");
    tl_expect_fail(ads_adam_step(ctx, p, g, m, v, NAN, 0.9f, 0.999f, 1e-8f, 0, 1),
                   ADS_ERR_INVALID_ARGUMENT, "lr is nan");
    ads_tensor *all[5] = {p, g, v, m, go};
    for (int i = 0; i < 5; i++) {
        tl_assert_sentinel(all[i], "a tensor of a rejected call");
        ads_tensor_release(all[i]);
    }
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("train_loss_optim");
    TCase *tc = tcase_create("train_loss_optim");
    tcase_add_test(tc, cross_entropy_matches_reference);
    tcase_add_test(tc, cross_entropy_bad_input);
    tcase_add_test(tc, sgd_matches_reference);
    tcase_add_test(tc, adam_matches_reference);
    tcase_add_test(tc, optimiser_bad_input);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
