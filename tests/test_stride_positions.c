/* Stride logits -> positions (docs/design.md 1.1) and its backward pass,
   against the double-precision reference in tests/ref/ref_stride.c. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ref_stride.h"

#define EPS ((double)FLT_EPSILON)

/* The largest absolute errors seen, for the log. */
static double abs_pos, abs_grad;

typedef struct {
    int N, L;
    float stride, origin, t;
} config;

static config random_config(void)
{
    static const int lengths[] = {1, 2, 3, 7, 63, 64, 65, 129, 300};
    config c;
    c.N = test_int(1, 5);
    c.L = test_int(0, 2) ? lengths[test_int(0, 8)] : test_int(1, 100);
    c.stride = (float)test_uniform(0.25, 4);
    c.origin = (float)test_uniform(-10, 10);
    c.t = (float)test_uniform(0.3, 3);
    return c;
}

static double *to_double(const float *v, size_t n)
{
    double *d = malloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++) d[i] = v[i];
    return d;
}

static ads_tensor *rows_tensor(ads_context *ctx, const config *c, const float *data)
{
    int64_t shape[2] = {c->N, c->L};
    return test_tensor(ctx, 2, shape, data);
}

static float *run_forward(ads_context *ctx, const config *c, const float *logits)
{
    ads_tensor *a = rows_tensor(ctx, c, logits), *p = rows_tensor(ctx, c, NULL);
    ck_assert_ads_ok(ads_stride_positions(ctx, a, c->stride, c->origin, c->t, p));
    float *out = test_read(p);
    ads_tensor_release(a);
    ads_tensor_release(p);
    return out;
}

static float *run_backward(ads_context *ctx, const config *c, const float *logits,
                           const float *gpos)
{
    ads_tensor *a = rows_tensor(ctx, c, logits), *gp = rows_tensor(ctx, c, gpos);
    ads_tensor *ga = rows_tensor(ctx, c, NULL);
    ck_assert_ads_ok(ads_stride_positions_backward(ctx, a, c->stride, c->t, gp, ga));
    float *out = test_read(ga);
    ads_tensor_release(a);
    ads_tensor_release(gp);
    ads_tensor_release(ga);
    return out;
}

/* Largest |got - want| / tol over the positions, with the tolerance of a
   float32 sum of L positive terms: (L + 16) * eps relative to the
   largest magnitude that occurs, |origin| + stride * L (the + 16 covers
   exp, the division by sum_e and the final multiply-add). Also checks
   that each row is monotone and starts at the origin. */
static double positions_error(const config *c, const float *got, const double *want)
{
    double tol = ((double)c->L + 16) * EPS * (fabs(c->origin) + c->stride * c->L), worst = 0;
    for (int n = 0; n < c->N; n++)
        for (int i = 0; i < c->L; i++) {
            size_t k = (size_t)n * c->L + i;
            double e = fabs(got[k] - want[k]) / tol;
            ck_assert_msg(e <= 1, "pos[%d,%d] = %.9g, reference %.9g (N %d L %d S %g o %g t %g)", n,
                          i, got[k], want[k], c->N, c->L, c->stride, c->origin, c->t);
            if (e > worst) worst = e;
            abs_pos = fmax(abs_pos, fabs(got[k] - want[k]));
            if (i == 0) ck_assert_float_eq(got[k], c->origin);
            if (i > 0) ck_assert_msg(got[k] >= got[k - 1], "pos row %d decreases at %d", n, i);
        }
    return worst;
}

/* The same for the logit gradients. g_a[k] = S/t * u_k * (g_s[k] - D)
   with u_k = L * sigma_k; g_s and D are sums of up to L terms of
   |g_p|, so the scale is S/t * max_k u_k * sum_j |g_p[j]| per row and
   the tolerance (L + 16) * eps of it. */
static double gradient_error(const config *c, const double *a, const float *gp, const float *got,
                             const double *want)
{
    double worst = 0;
    for (int n = 0; n < c->N; n++) {
        const double *row = a + (size_t)n * c->L;
        double m = -INFINITY, sum = 0, emax = 0, gsum = 0;
        for (int j = 0; j < c->L; j++) m = fmax(m, row[j] / c->t);
        for (int j = 0; j < c->L; j++) {
            double e = exp(row[j] / c->t - m);
            sum += e;
            emax = fmax(emax, e);
            gsum += fabs(gp[(size_t)n * c->L + j]);
        }
        double umax = c->L * emax / sum;
        double tol = ((double)c->L + 16) * EPS * (c->stride / c->t) * umax * (gsum + 1e-30);
        for (int k = 0; k < c->L; k++) {
            size_t i = (size_t)n * c->L + k;
            double e = fabs(got[i] - want[i]) / tol;
            ck_assert_msg(e <= 1, "glogits[%d,%d] = %.9g, reference %.9g (N %d L %d)", n, k, got[i],
                          want[i], c->N, c->L);
            if (e > worst) worst = e;
            abs_grad = fmax(abs_grad, fabs(got[i] - want[i]));
        }
    }
    return worst;
}

/* Forward and backward on random shapes and scalars, logits in [-4, 4]
   (and some rows of all zeros, the default). */
START_TEST(forward_and_backward_match_reference)
{
    ads_context *ctx = test_context();
    test_seed(101);
    double worst_p = 0, worst_g = 0;
    for (int trial = 0; trial < 60; trial++) {
        config c = random_config();
        size_t n = (size_t)c.N * c.L;
        float *a = malloc(n * sizeof *a), *gp = malloc(n * sizeof *gp);
        test_fill_uniform(a, n, -4, 4);
        if (trial % 5 == 0) memset(a, 0, (size_t)c.L * sizeof *a); /* a zero row */
        test_fill_uniform(gp, n, -1, 1);
        double *ad = to_double(a, n), *gpd = to_double(gp, n);
        double *p_ref = malloc(n * sizeof *p_ref), *g_ref = malloc(n * sizeof *g_ref);
        ref_stride_positions(ad, c.N, c.L, c.stride, c.origin, c.t, p_ref);
        ref_stride_positions_backward(ad, c.N, c.L, c.stride, c.t, gpd, g_ref);
        float *p = run_forward(ctx, &c, a), *g = run_backward(ctx, &c, a, gp);
        worst_p = fmax(worst_p, positions_error(&c, p, p_ref));
        worst_g = fmax(worst_g, gradient_error(&c, ad, gp, g, g_ref));
        free(a), free(gp), free(ad), free(gpd), free(p_ref), free(g_ref), free(p), free(g);
    }
    printf("stride_positions: max error %.3g of tolerance (abs %.3g); backward %.3g of tolerance "
           "(abs %.3g)\n",
           worst_p, abs_pos, worst_g, abs_grad);
    fflush(stdout);
    ads_context_release(ctx);
}
END_TEST

/* The reference's backward against central differences of its forward,
   loss = sum g_p * p, in double; includes all-zero logits, where the
   gradient must not vanish. */
START_TEST(reference_gradient_matches_finite_differences)
{
    test_seed(202);
    double worst = 0;
    for (int trial = 0; trial < 40; trial++) {
        int N = test_int(1, 3), L = test_int(1, 12);
        double S = test_uniform(0.3, 3), o = test_uniform(-5, 5), t = test_uniform(0.4, 2.5);
        size_t n = (size_t)N * L;
        double *a = malloc(n * sizeof *a), *gp = malloc(n * sizeof *gp);
        double *ga = malloc(n * sizeof *ga), *p = malloc(n * sizeof *p);
        bool zero = trial % 4 == 0;
        for (size_t i = 0; i < n; i++) a[i] = zero ? 0 : test_uniform(-3, 3);
        for (size_t i = 0; i < n; i++) gp[i] = test_uniform(-1, 1);
        ref_stride_positions_backward(a, N, L, S, t, gp, ga);
        double norm = 0, h = 1e-6;
        for (size_t k = 0; k < n; k++) {
            double keep = a[k], loss[2];
            for (int side = 0; side < 2; side++) {
                a[k] = keep + (side ? -h : h);
                ref_stride_positions(a, N, L, S, o, t, p);
                loss[side] = 0;
                for (size_t i = 0; i < n; i++) loss[side] += gp[i] * p[i];
            }
            a[k] = keep;
            double fd = (loss[0] - loss[1]) / (2 * h);
            /* Central differences of a smooth function: error ~ h^2 plus
               the rounding of the loss, ~1e-16 * |loss| / h. */
            double e = fabs(fd - ga[k]) / (1e-7 * (1 + fabs(ga[k])) * S * L / t);
            ck_assert_msg(e <= 1, "d loss / d a[%zu]: analytic %.12g, numeric %.12g", k, ga[k], fd);
            worst = fmax(worst, e);
            norm += fabs(ga[k]);
        }
        if (zero && L > 1) ck_assert_msg(norm > 1e-3, "zero logits: gradient vanishes");
        free(a), free(gp), free(ga), free(p);
    }
    printf("ref stride_positions_backward vs finite differences: %.3g of tolerance\n", worst);
    fflush(stdout);
}
END_TEST

/* All-zero logits give origin + stride * i bit for bit, the fixed grid,
   for every temperature. (C11 mode: no contraction into an fma here.) */
START_TEST(zero_logits_give_the_fixed_grid_exactly)
{
    ads_context *ctx = test_context();
    static const int lengths[] = {1, 5, 64, 65, 100, 1000, 2000, 4097};
    static const float strides[] = {1.0f, 2.0f, 0.1f, 1.7f, 3.3f, 0.37f};
    static const float origins[] = {0.0f, -0.5f, 0.3f, 12.25f, -7.1f};
    static const float temps[] = {1.0f, 0.5f, 3.0f};
    for (int li = 0; li < 8; li++)
        for (int si = 0; si < 6; si++) {
            config c = {3, lengths[li], strides[si], origins[(li + si) % 5], temps[si % 3]};
            float *zeros = calloc((size_t)c.N * c.L, sizeof *zeros);
            float *p = run_forward(ctx, &c, zeros);
            for (int n = 0; n < c.N; n++)
                for (int i = 0; i < c.L; i++) {
                    float want = c.origin + c.stride * (float)i;
                    float got = p[(size_t)n * c.L + i];
                    ck_assert_msg(memcmp(&got, &want, sizeof got) == 0,
                                  "L %d stride %.9g origin %.9g: pos[%d] = %.9g, want %.9g", c.L,
                                  c.stride, c.origin, i, got, want);
                }
            free(zeros);
            free(p);
        }
    ads_context_release(ctx);
}
END_TEST

/* Logits of +-1e30 (mixed, tied, next to ordinary ones) and tiny
   temperatures stay finite and match the reference. */
START_TEST(huge_logits_stay_finite)
{
    ads_context *ctx = test_context();
    test_seed(303);
    double worst_p = 0, worst_g = 0;
    for (int trial = 0; trial < 12; trial++) {
        config c = {test_int(1, 4), test_int(2, 300), (float)test_uniform(0.5, 2),
                    (float)test_uniform(-3, 3),
                    trial % 3 == 2 ? 1e-3f : (float)test_uniform(0.5, 2)};
        size_t n = (size_t)c.N * c.L;
        float *a = malloc(n * sizeof *a), *gp = malloc(n * sizeof *gp);
        for (size_t i = 0; i < n; i++) {
            int kind = test_int(0, 3);
            a[i] = kind == 0 ? 1e30f : kind == 1 ? -1e30f : (float)test_uniform(-5, 5);
        }
        test_fill_uniform(gp, n, -1, 1);
        float *p = run_forward(ctx, &c, a), *g = run_backward(ctx, &c, a, gp);
        for (size_t i = 0; i < n; i++) {
            ck_assert_msg(isfinite(p[i]), "pos[%zu] = %g", i, p[i]);
            ck_assert_msg(isfinite(g[i]), "glogits[%zu] = %g", i, g[i]);
        }
        double *ad = to_double(a, n), *gpd = to_double(gp, n);
        double *p_ref = malloc(n * sizeof *p_ref), *g_ref = malloc(n * sizeof *g_ref);
        ref_stride_positions(ad, c.N, c.L, c.stride, c.origin, c.t, p_ref);
        ref_stride_positions_backward(ad, c.N, c.L, c.stride, c.t, gpd, g_ref);
        worst_p = fmax(worst_p, positions_error(&c, p, p_ref));
        worst_g = fmax(worst_g, gradient_error(&c, ad, gp, g, g_ref));
        free(a), free(gp), free(ad), free(gpd), free(p_ref), free(g_ref), free(p), free(g);
    }
    printf("stride_positions, logits +-1e30: max error %.3g of tolerance (abs %.3g); backward "
           "%.3g (abs %.3g)\n",
           worst_p, abs_pos, worst_g, abs_grad);
    fflush(stdout);
    ads_context_release(ctx);
}
END_TEST

/* N = 300 rows of L = 2000 in one call each way; the results are
   deterministic (bit-identical on a second run); pos may be the logits
   and glogits the incoming gradient (in place). */
START_TEST(large_rows_in_one_call)
{
    ads_context *ctx = test_context();
    test_seed(404);
    config c = {300, 2000, 1.5f, -2.0f, 0.8f};
    size_t n = (size_t)c.N * c.L;
    float *a = malloc(n * sizeof *a), *gp = malloc(n * sizeof *gp);
    test_fill_uniform(a, n, -3, 3);
    test_fill_uniform(gp, n, -1, 1);
    ads_tensor *ta = rows_tensor(ctx, &c, a), *tgp = rows_tensor(ctx, &c, gp);
    ads_tensor *tp = rows_tensor(ctx, &c, NULL), *tga = rows_tensor(ctx, &c, NULL);
    ck_assert_ads_ok(ads_stride_positions(ctx, ta, c.stride, c.origin, c.t, tp));
    ck_assert_ads_ok(ads_stride_positions_backward(ctx, ta, c.stride, c.t, tgp, tga));
    float *p = test_read(tp), *g = test_read(tga);
    double *ad = to_double(a, n), *gpd = to_double(gp, n);
    double *p_ref = malloc(n * sizeof *p_ref), *g_ref = malloc(n * sizeof *g_ref);
    ref_stride_positions(ad, c.N, c.L, c.stride, c.origin, c.t, p_ref);
    ref_stride_positions_backward(ad, c.N, c.L, c.stride, c.t, gpd, g_ref);
    double ep = positions_error(&c, p, p_ref), eg = gradient_error(&c, ad, gp, g, g_ref);
    printf("stride_positions N 300 L 2000: max error %.3g of tolerance (abs %.3g); backward %.3g "
           "(abs %.3g)\n",
           ep, abs_pos, eg, abs_grad);
    fflush(stdout);

    ck_assert_ads_ok(ads_stride_positions(ctx, ta, c.stride, c.origin, c.t, tp));
    ck_assert_ads_ok(ads_stride_positions_backward(ctx, ta, c.stride, c.t, tgp, tga));
    float *p2 = test_read(tp), *g2 = test_read(tga);
    ck_assert_mem_eq(p, p2, n * sizeof *p);
    ck_assert_mem_eq(g, g2, n * sizeof *g);
    ck_assert_ads_ok(ads_stride_positions(ctx, ta, c.stride, c.origin, c.t, ta)); /* in place */
    float *p3 = test_read(ta);
    ck_assert_mem_eq(p, p3, n * sizeof *p);
    ck_assert_ads_ok(ads_tensor_write(ta, a, n));
    ck_assert_ads_ok(
        ads_stride_positions_backward(ctx, ta, c.stride, c.t, tgp, tgp)); /* gpos in place */
    float *g3 = test_read(tgp);
    ck_assert_mem_eq(g, g3, n * sizeof *g);
    free(g3);

    free(a), free(gp), free(ad), free(gpd), free(p_ref), free(g_ref);
    free(p), free(g), free(p2), free(g2), free(p3);
    ads_tensor_release(ta), ads_tensor_release(tgp), ads_tensor_release(tp);
    ads_tensor_release(tga);
    ads_context_release(ctx);
}
END_TEST

/* ------------------------------------------------------------ bad input */

#define SENTINEL 12345.0f

static void expect_unchanged(const ads_tensor *t)
{
    float *v = test_read(t);
    for (size_t i = 0; i < ads_tensor_count(t); i++)
        ck_assert_msg(v[i] == SENTINEL, "element %zu changed by a rejected call: %g", i, v[i]);
    free(v);
}

static void expect(ads_status got, ads_status want, const char *phrase)
{
    ck_assert_msg(got == want, "status %s, expected %s (%s)", ads_status_string(got),
                  ads_status_string(want), ads_last_error());
    ck_assert_msg(strstr(ads_last_error(), phrase) != NULL, "message '%s' lacks '%s'",
                  ads_last_error(), phrase);
}

static ads_tensor *sentinel_tensor(ads_context *ctx, int ndim, const int64_t *shape)
{
    ads_tensor *t = test_tensor(ctx, ndim, shape, NULL);
    float *v = malloc(ads_tensor_count(t) * sizeof *v);
    for (size_t i = 0; i < ads_tensor_count(t); i++) v[i] = SENTINEL;
    ck_assert_ads_ok(ads_tensor_write(t, v, ads_tensor_count(t)));
    free(v);
    return t;
}

START_TEST(bad_input_is_rejected_before_any_work)
{
    ads_context *ctx = test_context();
    int64_t s34[2] = {3, 4}, s35[2] = {3, 5}, s12[1] = {12}, s134[3] = {1, 3, 4};
    ads_tensor *a = test_tensor(ctx, 2, s34, NULL), *a1 = test_tensor(ctx, 1, s12, NULL);
    ads_tensor *a3 = test_tensor(ctx, 3, s134, NULL), *gp = test_tensor(ctx, 2, s34, NULL);
    ads_tensor *gp35 = test_tensor(ctx, 2, s35, NULL);
    ads_tensor *pos = sentinel_tensor(ctx, 2, s34), *pos35 = sentinel_tensor(ctx, 2, s35);
    ads_tensor *ga = sentinel_tensor(ctx, 2, s34), *ga35 = sentinel_tensor(ctx, 2, s35);

    expect(ads_stride_positions(NULL, a, 1, 0, 1, pos), ADS_ERR_NULL_ARGUMENT, "ctx");
    expect(ads_stride_positions(ctx, NULL, 1, 0, 1, pos), ADS_ERR_NULL_ARGUMENT, "logits");
    expect(ads_stride_positions(ctx, a, 1, 0, 1, NULL), ADS_ERR_NULL_ARGUMENT, "pos");
    expect(ads_stride_positions(ctx, a1, 1, 0, 1, pos), ADS_ERR_SHAPE_MISMATCH,
           "logits has shape [12]");
    expect(ads_stride_positions(ctx, a3, 1, 0, 1, pos), ADS_ERR_SHAPE_MISMATCH, "2-D");
    expect(ads_stride_positions(ctx, a, 1, 0, 1, pos35), ADS_ERR_SHAPE_MISMATCH,
           "pos has shape [3, 5]");
    expect(ads_stride_positions(ctx, a, 0, 0, 1, pos), ADS_ERR_INVALID_ARGUMENT, "stride is 0");
    expect(ads_stride_positions(ctx, a, -2, 0, 1, pos), ADS_ERR_INVALID_ARGUMENT, "stride is -2");
    expect(ads_stride_positions(ctx, a, NAN, 0, 1, pos), ADS_ERR_INVALID_ARGUMENT, "stride is nan");
    expect(ads_stride_positions(ctx, a, INFINITY, 0, 1, pos), ADS_ERR_INVALID_ARGUMENT,
           "stride is inf");
    expect(ads_stride_positions(ctx, a, 1, NAN, 1, pos), ADS_ERR_INVALID_ARGUMENT, "origin is nan");
    expect(ads_stride_positions(ctx, a, 1, -INFINITY, 1, pos), ADS_ERR_INVALID_ARGUMENT,
           "origin is -inf");
    expect(ads_stride_positions(ctx, a, 1, 0, 0, pos), ADS_ERR_INVALID_ARGUMENT,
           "temperature is 0");
    expect(ads_stride_positions(ctx, a, 1, 0, -1, pos), ADS_ERR_INVALID_ARGUMENT,
           "temperature is -1");
    expect(ads_stride_positions(ctx, a, 1, 0, NAN, pos), ADS_ERR_INVALID_ARGUMENT,
           "temperature is nan");
    expect_unchanged(pos);
    expect_unchanged(pos35);

    expect(ads_stride_positions_backward(NULL, a, 1, 1, gp, ga), ADS_ERR_NULL_ARGUMENT, "ctx");
    expect(ads_stride_positions_backward(ctx, NULL, 1, 1, gp, ga), ADS_ERR_NULL_ARGUMENT, "logits");
    expect(ads_stride_positions_backward(ctx, a, 1, 1, NULL, ga), ADS_ERR_NULL_ARGUMENT, "gpos");
    expect(ads_stride_positions_backward(ctx, a, 1, 1, gp, NULL), ADS_ERR_NULL_ARGUMENT, "glogits");
    expect(ads_stride_positions_backward(ctx, a1, 1, 1, gp, ga), ADS_ERR_SHAPE_MISMATCH, "logits");
    expect(ads_stride_positions_backward(ctx, a, 1, 1, gp35, ga), ADS_ERR_SHAPE_MISMATCH,
           "gpos has shape [3, 5]");
    expect(ads_stride_positions_backward(ctx, a, 1, 1, gp, ga35), ADS_ERR_SHAPE_MISMATCH,
           "glogits has shape [3, 5]");
    expect(ads_stride_positions_backward(ctx, a, -1, 1, gp, ga), ADS_ERR_INVALID_ARGUMENT,
           "stride is -1");
    expect(ads_stride_positions_backward(ctx, a, NAN, 1, gp, ga), ADS_ERR_INVALID_ARGUMENT,
           "stride is nan");
    expect(ads_stride_positions_backward(ctx, a, 1, 0, gp, ga), ADS_ERR_INVALID_ARGUMENT,
           "temperature is 0");
    expect(ads_stride_positions_backward(ctx, a, 1, INFINITY, gp, ga), ADS_ERR_INVALID_ARGUMENT,
           "temperature is inf");
    expect(ads_stride_positions_backward(ctx, ga, 1, 1, gp, ga), ADS_ERR_INVALID_ARGUMENT,
           "glogits is the logits");
    expect_unchanged(ga);
    expect_unchanged(ga35);

    /* Another context's tensor. */
    ads_context *other = test_context();
    ads_tensor *foreign = test_tensor(other, 2, s34, NULL);
    expect(ads_stride_positions(ctx, foreign, 1, 0, 1, pos), ADS_ERR_INVALID_ARGUMENT,
           "logits belongs to another context");
    expect_unchanged(pos);
    ads_tensor_release(foreign);
    ads_context_release(other);

    ads_tensor *all[] = {a, a1, a3, gp, gp35, pos, pos35, ga, ga35};
    for (int i = 0; i < 9; i++) ads_tensor_release(all[i]);
    ads_context_release(ctx);
}
END_TEST

/* ADS_CHECK=1: NaN or Inf in the logits or the incoming gradient is
   reported, and nothing is written. */
START_TEST(check_mode_rejects_non_finite_inputs)
{
    setenv("ADS_CHECK", "1", 1);
    ads_context *ctx = test_context();
    unsetenv("ADS_CHECK");
    int64_t s[2] = {2, 5};
    float bad[10] = {0, 1, 2, 3, 4, 5, NAN, 7, 8, 9}, inf[10] = {0, 0, 0, INFINITY};
    float good[10] = {0};
    ads_tensor *a = test_tensor(ctx, 2, s, bad), *ok = test_tensor(ctx, 2, s, good);
    ads_tensor *gp = test_tensor(ctx, 2, s, inf);
    ads_tensor *pos = sentinel_tensor(ctx, 2, s), *ga = sentinel_tensor(ctx, 2, s);
    expect(ads_stride_positions(ctx, a, 1, 0, 1, pos), ADS_ERR_NON_FINITE, "logits[6]");
    expect(ads_stride_positions_backward(ctx, a, 1, 1, ok, ga), ADS_ERR_NON_FINITE, "logits[6]");
    expect(ads_stride_positions_backward(ctx, ok, 1, 1, gp, ga), ADS_ERR_NON_FINITE, "gpos[3]");
    expect_unchanged(pos);
    expect_unchanged(ga);
    ck_assert_ads_ok(ads_stride_positions(ctx, ok, 1, 0, 1, pos));
    ads_tensor_release(a), ads_tensor_release(ok), ads_tensor_release(gp);
    ads_tensor_release(pos), ads_tensor_release(ga);
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stride_positions");
    TCase *tc = tcase_create("stride_positions");
    tcase_add_test(tc, forward_and_backward_match_reference);
    tcase_add_test(tc, reference_gradient_matches_finite_differences);
    tcase_add_test(tc, zero_logits_give_the_fixed_grid_exactly);
    tcase_add_test(tc, huge_logits_stay_finite);
    tcase_add_test(tc, large_rows_in_one_call);
    tcase_add_test(tc, bad_input_is_rejected_before_any_work);
    tcase_add_test(tc, check_mode_rejects_non_finite_inputs);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
