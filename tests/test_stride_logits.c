/* The stride-logit predictor (docs/design.md 1.2) and its backward pass,
   against the double-precision reference in tests/ref/ref_stride.c. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "ref_stride.h"
#include "tuning.h" /* ads_tune_set: both work-item shapes */

#define EPS      ((double)FLT_EPSILON)
#define SENTINEL 12345.0f

/* The largest absolute errors seen, for the log. */
static double abs_a, abs_gx, abs_gv;

typedef struct {
    int N, C, H, W, Ho, Wo, variation, rows, cols;
} config;

/* Random shapes: non-square, H and W from 1, bins that do not divide
   (L up to H + 3, so L = 1, L = H and L > H all occur), either profile,
   either axis or both. */
static config random_config(int trial)
{
    config c;
    c.N = test_int(1, 3);
    c.C = test_int(1, 4);
    c.H = test_int(1, 11);
    c.W = test_int(1, 11);
    c.Ho = trial % 7 == 0 ? 1 : test_int(1, c.H + 3);
    c.Wo = trial % 7 == 1 ? 1 : test_int(1, c.W + 3);
    c.variation = trial % 2;
    int axes = trial % 6 < 4 ? 3 : trial % 6 == 4 ? 1 : 2;
    c.rows = axes & 1;
    c.cols = (axes & 2) != 0;
    return c;
}

static double *to_double(const float *v, size_t n)
{
    double *d = malloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++) d[i] = v ? v[i] : 0;
    return d;
}

static double max_abs(const float *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(v[i]));
    return m;
}

/* Host data of one trial. */
typedef struct {
    config c;
    size_t nx;
    float *x, *vr, *vc, *gar, *gac, *gx0;
} data;

static data make_data(config c, bool zero_v)
{
    data d = {.c = c, .nx = (size_t)c.N * c.C * c.H * c.W};
    d.x = malloc(d.nx * sizeof *d.x);
    d.gx0 = malloc(d.nx * sizeof *d.gx0);
    d.vr = calloc((size_t)c.C, sizeof *d.vr);
    d.vc = calloc((size_t)c.C, sizeof *d.vc);
    d.gar = malloc((size_t)c.N * c.Ho * sizeof *d.gar);
    d.gac = malloc((size_t)c.N * c.Wo * sizeof *d.gac);
    test_fill_uniform(d.x, d.nx, -2, 2);
    test_fill_uniform(d.gx0, d.nx, -1, 1);
    if (!zero_v) {
        test_fill_uniform(d.vr, (size_t)c.C, -1.5, 1.5);
        test_fill_uniform(d.vc, (size_t)c.C, -1.5, 1.5);
    }
    test_fill_uniform(d.gar, (size_t)c.N * c.Ho, -1, 1);
    test_fill_uniform(d.gac, (size_t)c.N * c.Wo, -1, 1);
    return d;
}

static void free_data(data *d)
{
    free(d->x), free(d->gx0), free(d->vr), free(d->vc), free(d->gar), free(d->gac);
}

static ads_tensor *tensor2(ads_context *ctx, int64_t a, int64_t b, const float *v)
{
    int64_t s[2] = {a, b};
    return test_tensor(ctx, 2, s, v);
}

static ads_tensor *tensor1(ads_context *ctx, int64_t a, const float *v)
{
    return test_tensor(ctx, 1, &a, v);
}

static ads_tensor *filled(ads_context *ctx, int ndim, const int64_t *shape, float value)
{
    ads_tensor *t = test_tensor(ctx, ndim, shape, NULL);
    float *v = malloc(ads_tensor_count(t) * sizeof *v);
    for (size_t i = 0; i < ads_tensor_count(t); i++) v[i] = value;
    ck_assert_ads_ok(ads_tensor_write(t, v, ads_tensor_count(t)));
    free(v);
    return t;
}

/* |got - want| / tol over n values, asserting <= 1. */
static double compare(const char *what, const float *got, const double *want, size_t n, double tol,
                      const config *c)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs(got[i] - want[i]) / tol;
        ck_assert_msg(e <= 1,
                      "%s[%zu] = %.9g, reference %.9g (tol %.3g; N %d C %d H %d W %d "
                      "Ho %d Wo %d variation %d)",
                      what, i, got[i], want[i], tol, c->N, c->C, c->H, c->W, c->Ho, c->Wo,
                      c->variation);
        worst = fmax(worst, e);
        double a = fabs(got[i] - want[i]);
        double *slot = what[0] == 'a' ? &abs_a : what[1] == 'x' ? &abs_gx : &abs_gv;
        *slot = fmax(*slot, a);
    }
    return worst;
}

/* Tolerance of a float32 sum of `terms` terms of at most `scale` each,
   the kernel's order or any other: (terms + 16) * eps * terms * scale
   bounds the worst case (16 covers the divisions and the products). */
static double sum_tol(double terms, double scale)
{
    return (terms + 16) * EPS * terms * scale + 1e-30;
}

typedef struct {
    double a, gx, gv;
} errors;

/* A logit is the mean over a bin (at most P lines) of sums over C
   channels of means over Q terms, each |v| * phi <= vphi: float32 sums
   of Q, C and P terms give (Q + C + P + 16) * eps of C * vphi. */
static double logit_tol(const config *c, double vphi)
{
    return (c->C + c->H + c->W + 16) * EPS * c->C * vphi + 1e-30;
}

static void check_forward(ads_context *ctx, const data *d, errors *worst)
{
    const config *c = &d->c;
    int64_t xs[4] = {c->N, c->C, c->H, c->W};
    ads_tensor *x = test_tensor(ctx, 4, xs, d->x);
    ads_tensor *vr = c->rows ? tensor1(ctx, c->C, d->vr) : NULL;
    ads_tensor *vc = c->cols ? tensor1(ctx, c->C, d->vc) : NULL;
    ads_tensor *ar = c->rows ? tensor2(ctx, c->N, c->Ho, NULL) : NULL;
    ads_tensor *ac = c->cols ? tensor2(ctx, c->N, c->Wo, NULL) : NULL;
    ads_profile phi = c->variation ? ADS_PROFILE_VARIATION : ADS_PROFILE_LINEAR;
    ck_assert_ads_ok(ads_stride_logits(ctx, phi, x, vr, vc, ar, ac));
    double *xd = to_double(d->x, d->nx), *vrd = to_double(d->vr, (size_t)c->C);
    double *vcd = to_double(d->vc, (size_t)c->C);
    double *ar_ref = malloc((size_t)c->N * c->Ho * sizeof *ar_ref);
    double *ac_ref = malloc((size_t)c->N * c->Wo * sizeof *ac_ref);
    ref_stride_logits(c->variation, xd, c->N, c->C, c->H, c->W, c->rows ? vrd : NULL, c->Ho, ar_ref,
                      c->cols ? vcd : NULL, c->Wo, ac_ref);
    double phimax = max_abs(d->x, d->nx) * (c->variation ? 2 : 1);
    if (c->rows) {
        float *got = test_read(ar);
        double tol = logit_tol(c, max_abs(d->vr, (size_t)c->C) * phimax);
        worst->a = fmax(worst->a, compare("a_rows", got, ar_ref, (size_t)c->N * c->Ho, tol, c));
        free(got);
    }
    if (c->cols) {
        float *got = test_read(ac);
        double tol = logit_tol(c, max_abs(d->vc, (size_t)c->C) * phimax);
        worst->a = fmax(worst->a, compare("a_cols", got, ac_ref, (size_t)c->N * c->Wo, tol, c));
        free(got);
    }
    free(xd), free(vrd), free(vcd), free(ar_ref), free(ac_ref);
    ads_tensor_release(x), ads_tensor_release(vr), ads_tensor_release(vc);
    ads_tensor_release(ar), ads_tensor_release(ac);
}

/* The largest sum over i of |ga[n,i]| of any image: a bound on the
   profile gradient of any line. */
static double grad_bound(const float *ga, int N, int L)
{
    double m = 0;
    for (int n = 0; n < N; n++) {
        double s = 0;
        for (int i = 0; i < L; i++) s += fabs(ga[(size_t)n * L + i]);
        m = fmax(m, s);
    }
    return m;
}

/* Backward with a random subset of outputs; skipped ones keep their
   sentinels, gx is accumulated onto its initial values. */
static void check_backward(ads_context *ctx, const data *d, int subset, errors *worst)
{
    const config *c = &d->c;
    int64_t xs[4] = {c->N, c->C, c->H, c->W}, cs[1] = {c->C};
    bool want_gx = subset & 1, want_gvr = c->rows && (subset & 2),
         want_gvc = c->cols && (subset & 4);
    ads_tensor *x = test_tensor(ctx, 4, xs, d->x);
    ads_tensor *vr = c->rows ? tensor1(ctx, c->C, d->vr) : NULL;
    ads_tensor *vc = c->cols ? tensor1(ctx, c->C, d->vc) : NULL;
    ads_tensor *gar = c->rows ? tensor2(ctx, c->N, c->Ho, d->gar) : NULL;
    ads_tensor *gac = c->cols ? tensor2(ctx, c->N, c->Wo, d->gac) : NULL;
    ads_tensor *gx = test_tensor(ctx, 4, xs, d->gx0);
    ads_tensor *gvr = filled(ctx, 1, cs, SENTINEL), *gvc = filled(ctx, 1, cs, SENTINEL);
    ads_profile phi = c->variation ? ADS_PROFILE_VARIATION : ADS_PROFILE_LINEAR;
    ck_assert_ads_ok(ads_stride_logits_backward(ctx, phi, x, vr, vc, gar, gac, want_gx ? gx : NULL,
                                                want_gvr ? gvr : NULL, want_gvc ? gvc : NULL));
    double *xd = to_double(d->x, d->nx), *gxd = to_double(d->gx0, d->nx);
    double *vrd = to_double(d->vr, (size_t)c->C), *vcd = to_double(d->vc, (size_t)c->C);
    double *gard = to_double(d->gar, (size_t)c->N * c->Ho);
    double *gacd = to_double(d->gac, (size_t)c->N * c->Wo);
    double *gvr_ref = malloc((size_t)c->C * sizeof *gvr_ref);
    double *gvc_ref = malloc((size_t)c->C * sizeof *gvc_ref);
    ref_stride_logits_backward(c->variation, xd, c->N, c->C, c->H, c->W, c->rows ? vrd : NULL,
                               c->Ho, gard, c->cols ? vcd : NULL, c->Wo, gacd, gxd, gvr_ref,
                               gvc_ref);

    double Gr = c->rows ? grad_bound(d->gar, c->N, c->Ho) : 0;
    double Gc = c->cols ? grad_bound(d->gac, c->N, c->Wo) : 0;
    double phimax = max_abs(d->x, d->nx) * (c->variation ? 2 : 1);
    float *got = test_read(gx);
    if (want_gx) {
        /* gx = gx0 + (two terms per axis of |v| * G / Q), the line
           gradient G itself a sum of up to L terms. */
        double L = fmax(c->Ho, c->Wo);
        double scale = 1 + 2 * max_abs(d->vr, (size_t)c->C) * Gr / c->W +
                       2 * max_abs(d->vc, (size_t)c->C) * Gc / c->H;
        worst->gx = fmax(worst->gx, compare("gx", got, gxd, d->nx, (L + 16) * EPS * scale, c));
    } else {
        ck_assert_mem_eq(got, d->gx0, d->nx * sizeof *got);
    }
    free(got);
    ads_tensor *gvs[2] = {gvr, gvc};
    const double *refs[2] = {gvr_ref, gvc_ref};
    bool wants[2] = {want_gvr, want_gvc};
    double G[2] = {Gr, Gc};
    for (int k = 0; k < 2; k++) {
        float *gv = test_read(gvs[k]);
        if (wants[k]) {
            /* gv[c] sums N * H * W terms of G * phimax / Q. */
            double Q = k == 0 ? c->W : c->H;
            double tol = sum_tol((double)c->N * c->H * c->W, G[k] * phimax / Q);
            worst->gv = fmax(worst->gv,
                             compare(k ? "gv_cols" : "gv_rows", gv, refs[k], (size_t)c->C, tol, c));
        } else {
            for (int i = 0; i < c->C; i++) ck_assert_float_eq(gv[i], SENTINEL);
        }
        free(gv);
    }
    free(xd), free(gxd), free(vrd), free(vcd), free(gard), free(gacd), free(gvr_ref);
    free(gvc_ref);
    ads_tensor *all[] = {x, vr, vc, gar, gac, gx, gvr, gvc};
    for (int i = 0; i < 8; i++) ads_tensor_release(all[i]);
}

START_TEST(forward_and_backward_match_reference)
{
    ads_context *ctx = test_context();
    test_seed(505);
    errors worst = {0, 0, 0};
    for (int trial = 0; trial < 80; trial++) {
        data d = make_data(random_config(trial), trial % 9 == 3);
        check_forward(ctx, &d, &worst);
        check_backward(ctx, &d, trial % 8 == 0 ? 7 : test_int(0, 7), &worst);
        free_data(&d);
    }
    /* Fixed corner shapes: one row or column, L = 1, L much larger. */
    static const config corners[] = {{2, 3, 1, 9, 1, 4, 1, 1, 1},
                                     {1, 2, 9, 1, 13, 1, 0, 1, 1},
                                     {2, 1, 5, 7, 17, 2, 1, 1, 1},
                                     {3, 2, 16, 12, 5, 7, 0, 1, 1},
                                     {1, 5, 6, 4, 6, 4, 1, 1, 1}};
    for (int k = 0; k < 5; k++) {
        data d = make_data(corners[k], false);
        check_forward(ctx, &d, &worst);
        check_backward(ctx, &d, 7, &worst);
        free_data(&d);
    }
    printf("stride_logits max error (of tolerance): logits %.3g, gx %.3g, gv %.3g; absolute: "
           "logits %.3g, gx %.3g, gv %.3g\n",
           worst.a, worst.gx, worst.gv, abs_a, abs_gx, abs_gv);
    fflush(stdout);
    ads_context_release(ctx);
}
END_TEST

/* Both work-item shapes, forced through the tuning table ("stride.item_pixel":
   the CPU default 0, the GPU default 1: a work-group per row line of the
   profile, a work-item per element of gx), match the reference on random
   shapes and on planes wide enough that a row's C*W terms outnumber the
   work-group, so its work-items stride. */
START_TEST(both_shapes_match_reference)
{
    ads_context *ctx = test_context();
    test_seed(506);
    errors worst = {0, 0, 0};
    static const config wide[] = {{2, 6, 20, 30, 7, 9, 1, 1, 1}, {3, 5, 9, 40, 4, 11, 0, 1, 1}};
    for (int pixel = 0; pixel < 2; pixel++) {
        ck_assert_ads_ok(ads_tune_set(ctx, "stride.item_pixel", pixel));
        for (int trial = 0; trial < 24; trial++) {
            data d = make_data(trial < 2 ? wide[trial] : random_config(trial), false);
            check_forward(ctx, &d, &worst);
            check_backward(ctx, &d, 7, &worst);
            free_data(&d);
        }
    }
    ads_tune_unset(ctx, "stride.item_pixel");
    printf("stride_logits, both shapes: max error (of tolerance) logits %.3g, gx %.3g, gv %.3g\n",
           worst.a, worst.gx, worst.gv);
    ads_context_release(ctx);
}
END_TEST

/* loss(x, v) = sum ga_rows * a_rows + sum ga_cols * a_cols in double. */
static double loss(const config *c, const double *x, const double *vr, const double *vc,
                   const double *gar, const double *gac)
{
    double *ar = malloc((size_t)c->N * c->Ho * sizeof *ar),
           *ac = malloc((size_t)c->N * c->Wo * sizeof *ac);
    ref_stride_logits(c->variation, x, c->N, c->C, c->H, c->W, vr, c->Ho, ar, vc, c->Wo, ac);
    double s = 0;
    for (int i = 0; i < c->N * c->Ho; i++) s += gar[i] * ar[i];
    for (int i = 0; i < c->N * c->Wo; i++) s += gac[i] * ac[i];
    free(ar), free(ac);
    return s;
}

/* Central difference of the loss along one coordinate of buf. */
static double central(const config *c, double *buf, size_t k, const double *x, const double *vr,
                      const double *vc, const double *gar, const double *gac)
{
    const double h = 1e-6;
    double keep = buf[k];
    buf[k] = keep + h;
    double up = loss(c, x, vr, vc, gar, gac);
    buf[k] = keep - h;
    double down = loss(c, x, vr, vc, gar, gac);
    buf[k] = keep;
    return (up - down) / (2 * h);
}

/* The reference's gradients (x, v_rows, v_cols) against central
   differences of its forward, both profiles, v random and v = 0 (the
   fresh layer: gv must not vanish there). The loss is linear in v and
   piecewise linear in x, so the only error is rounding:
   ~1e-16 * |terms| / h. */
START_TEST(reference_gradients_match_finite_differences)
{
    test_seed(606);
    double worst = 0;
    for (int trial = 0; trial < 24; trial++) {
        config c = random_config(trial);
        c.rows = c.cols = 1;
        data d = make_data(c, trial % 3 == 0);
        double *x = to_double(d.x, d.nx), *vr = to_double(d.vr, (size_t)c.C);
        double *vc = to_double(d.vc, (size_t)c.C), *gar = to_double(d.gar, (size_t)c.N * c.Ho);
        double *gac = to_double(d.gac, (size_t)c.N * c.Wo);
        double *gx = calloc(d.nx, sizeof *gx), *gvr = malloc((size_t)c.C * sizeof *gvr);
        double *gvc = malloc((size_t)c.C * sizeof *gvc);
        ref_stride_logits_backward(c.variation, x, c.N, c.C, c.H, c.W, vr, c.Ho, gar, vc, c.Wo, gac,
                                   gx, gvr, gvc);
        const double tol = 1e-7;
        for (size_t k = 0; k < d.nx; k++) {
            double fd = central(&c, x, k, x, vr, vc, gar, gac);
            ck_assert_msg(fabs(fd - gx[k]) <= tol, "gx[%zu]: analytic %.12g numeric %.12g", k,
                          gx[k], fd);
            worst = fmax(worst, fabs(fd - gx[k]) / tol);
        }
        double norm = 0;
        for (int k = 0; k < c.C; k++) {
            double fr = central(&c, vr, (size_t)k, x, vr, vc, gar, gac);
            double fc = central(&c, vc, (size_t)k, x, vr, vc, gar, gac);
            ck_assert_msg(fabs(fr - gvr[k]) <= tol, "gv_rows[%d]: %.12g vs %.12g", k, gvr[k], fr);
            ck_assert_msg(fabs(fc - gvc[k]) <= tol, "gv_cols[%d]: %.12g vs %.12g", k, gvc[k], fc);
            worst = fmax(worst, fmax(fabs(fr - gvr[k]), fabs(fc - gvc[k])) / tol);
            norm += fabs(gvr[k]) + fabs(gvc[k]);
        }
        ck_assert_msg(norm > 1e-6 || (c.variation && c.H == 1 && c.W == 1),
                      "gv vanishes (trial %d)", trial);
        free(x), free(vr), free(vc), free(gar), free(gac), free(gx), free(gvr), free(gvc);
        free_data(&d);
    }
    printf("ref stride_logits_backward vs finite differences: %.3g of tolerance\n", worst);
    fflush(stdout);
}
END_TEST

/* Two backward runs give bit-identical gv and gx: no atomics. */
START_TEST(backward_is_deterministic)
{
    ads_context *ctx = test_context();
    test_seed(707);
    config c = {4, 3, 37, 29, 9, 6, 1, 1, 1};
    data d = make_data(c, false);
    int64_t xs[4] = {c.N, c.C, c.H, c.W};
    ads_tensor *x = test_tensor(ctx, 4, xs, d.x), *vr = tensor1(ctx, c.C, d.vr);
    ads_tensor *vc = tensor1(ctx, c.C, d.vc), *gar = tensor2(ctx, c.N, c.Ho, d.gar);
    ads_tensor *gac = tensor2(ctx, c.N, c.Wo, d.gac), *gvr = tensor1(ctx, c.C, NULL);
    ads_tensor *gvc = tensor1(ctx, c.C, NULL);
    float *first[3] = {0}, *second[3] = {0};
    for (int run = 0; run < 2; run++) {
        ads_tensor *gx = test_tensor(ctx, 4, xs, NULL);
        ck_assert_ads_ok(ads_stride_logits_backward(ctx, ADS_PROFILE_VARIATION, x, vr, vc, gar, gac,
                                                    gx, gvr, gvc));
        float **out = run ? second : first;
        out[0] = test_read(gx), out[1] = test_read(gvr), out[2] = test_read(gvc);
        ads_tensor_release(gx);
    }
    ck_assert_mem_eq(first[0], second[0], d.nx * sizeof(float));
    ck_assert_mem_eq(first[1], second[1], (size_t)c.C * sizeof(float));
    ck_assert_mem_eq(first[2], second[2], (size_t)c.C * sizeof(float));
    for (int i = 0; i < 3; i++) free(first[i]), free(second[i]);
    ads_tensor *all[] = {x, vr, vc, gar, gac, gvr, gvc};
    for (int i = 0; i < 7; i++) ads_tensor_release(all[i]);
    free_data(&d);
    ads_context_release(ctx);
}
END_TEST

/* ------------------------------------------------------------ bad input */

static void expect(ads_status got, ads_status want, const char *phrase)
{
    ck_assert_msg(got == want, "status %s, expected %s (%s)", ads_status_string(got),
                  ads_status_string(want), ads_last_error());
    ck_assert_msg(strstr(ads_last_error(), phrase) != NULL, "message '%s' lacks '%s'",
                  ads_last_error(), phrase);
}

static void expect_unchanged(const ads_tensor *t)
{
    float *v = test_read(t);
    for (size_t i = 0; i < ads_tensor_count(t); i++)
        ck_assert_msg(v[i] == SENTINEL, "element %zu changed by a rejected call: %g", i, v[i]);
    free(v);
}

START_TEST(bad_input_is_rejected_before_any_work)
{
    ads_context *ctx = test_context();
    const ads_profile L = ADS_PROFILE_LINEAR;
    int64_t xs[4] = {2, 3, 5, 6}, x3s[3] = {3, 5, 6}, c3[1] = {3}, c4[1] = {4};
    int64_t r[2] = {2, 4}, rN[2] = {3, 4}, r1[1] = {8}, cl[2] = {2, 3};
    ads_tensor *x = test_tensor(ctx, 4, xs, NULL), *x3 = test_tensor(ctx, 3, x3s, NULL);
    ads_tensor *v = test_tensor(ctx, 1, c3, NULL), *v4 = test_tensor(ctx, 1, c4, NULL);
    ads_tensor *ga = test_tensor(ctx, 2, r, NULL), *gaN = test_tensor(ctx, 2, rN, NULL);
    ads_tensor *gac = test_tensor(ctx, 2, cl, NULL);
    ads_tensor *ar = filled(ctx, 2, r, SENTINEL), *ac = filled(ctx, 2, cl, SENTINEL);
    ads_tensor *arN = filled(ctx, 2, rN, SENTINEL), *ar1 = filled(ctx, 1, r1, SENTINEL);
    int64_t xs2[4] = {2, 3, 6, 5};
    ads_tensor *gx = filled(ctx, 4, xs, SENTINEL), *gx2 = filled(ctx, 4, xs2, SENTINEL);
    ads_tensor *gvr = filled(ctx, 1, c3, SENTINEL), *gvc = filled(ctx, 1, c3, SENTINEL);
    ads_tensor *gv4 = filled(ctx, 1, c4, SENTINEL);

    expect(ads_stride_logits(NULL, L, x, v, v, ar, ac), ADS_ERR_NULL_ARGUMENT, "ctx");
    expect(ads_stride_logits(ctx, (ads_profile)7, x, v, v, ar, ac), ADS_ERR_INVALID_ARGUMENT,
           "phi is 7");
    expect(ads_stride_logits(ctx, L, NULL, v, v, ar, ac), ADS_ERR_NULL_ARGUMENT, "x is NULL");
    expect(ads_stride_logits(ctx, L, x3, v, v, ar, ac), ADS_ERR_SHAPE_MISMATCH,
           "x has shape [3, 5, 6]");
    expect(ads_stride_logits(ctx, L, x, v4, v, ar, ac), ADS_ERR_SHAPE_MISMATCH,
           "v_rows has shape [4]");
    expect(ads_stride_logits(ctx, L, x, v, v4, ar, ac), ADS_ERR_SHAPE_MISMATCH,
           "v_cols has shape [4]");
    expect(ads_stride_logits(ctx, L, x, v, v, arN, ac), ADS_ERR_SHAPE_MISMATCH,
           "a_rows has shape [3, 4]");
    expect(ads_stride_logits(ctx, L, x, v, v, ar1, ac), ADS_ERR_SHAPE_MISMATCH,
           "a_rows has shape [8]");
    expect(ads_stride_logits(ctx, L, x, v, v, ar, arN), ADS_ERR_SHAPE_MISMATCH,
           "a_cols has shape [3, 4]");
    expect(ads_stride_logits(ctx, L, x, v, v, NULL, ac), ADS_ERR_NULL_ARGUMENT, "a_rows is NULL");
    expect(ads_stride_logits(ctx, L, x, NULL, v, ar, ac), ADS_ERR_NULL_ARGUMENT, "v_rows is NULL");
    expect(ads_stride_logits(ctx, L, x, v, NULL, ar, ac), ADS_ERR_NULL_ARGUMENT, "v_cols is NULL");
    expect(ads_stride_logits(ctx, L, x, NULL, NULL, NULL, NULL), ADS_ERR_NULL_ARGUMENT, "all NULL");
    expect(ads_stride_logits(ctx, L, x, v, v, ar, ar), ADS_ERR_INVALID_ARGUMENT, "same tensor");
    expect_unchanged(ar), expect_unchanged(ac), expect_unchanged(arN), expect_unchanged(ar1);

    expect(ads_stride_logits_backward(NULL, L, x, v, v, ga, gac, gx, gvr, gvc),
           ADS_ERR_NULL_ARGUMENT, "ctx");
    expect(ads_stride_logits_backward(ctx, (ads_profile)-1, x, v, v, ga, gac, gx, gvr, gvc),
           ADS_ERR_INVALID_ARGUMENT, "phi is -1");
    expect(ads_stride_logits_backward(ctx, L, NULL, v, v, ga, gac, gx, gvr, gvc),
           ADS_ERR_NULL_ARGUMENT, "x is NULL");
    expect(ads_stride_logits_backward(ctx, L, x3, v, v, ga, gac, gx, gvr, gvc),
           ADS_ERR_SHAPE_MISMATCH, "4-D");
    expect(ads_stride_logits_backward(ctx, L, x, v4, v, ga, gac, gx, gvr, gvc),
           ADS_ERR_SHAPE_MISMATCH, "v_rows has shape [4]");
    expect(ads_stride_logits_backward(ctx, L, x, v, v, gaN, gac, gx, gvr, gvc),
           ADS_ERR_SHAPE_MISMATCH, "ga_rows has shape [3, 4]");
    expect(ads_stride_logits_backward(ctx, L, x, v, v, ga, gaN, gx, gvr, gvc),
           ADS_ERR_SHAPE_MISMATCH, "ga_cols has shape [3, 4]");
    expect(ads_stride_logits_backward(ctx, L, x, v, v, ga, gac, gx2, gvr, gvc),
           ADS_ERR_SHAPE_MISMATCH, "gx has shape [2, 3, 6, 5]");
    expect(ads_stride_logits_backward(ctx, L, x, v, v, ga, gac, gx, gv4, gvc),
           ADS_ERR_SHAPE_MISMATCH, "gv_rows has shape [4]");
    expect(ads_stride_logits_backward(ctx, L, x, v, v, ga, gac, gx, gvr, gv4),
           ADS_ERR_SHAPE_MISMATCH, "gv_cols has shape [4]");
    expect(ads_stride_logits_backward(ctx, L, x, v, v, NULL, gac, gx, gvr, gvc),
           ADS_ERR_NULL_ARGUMENT, "ga_rows is NULL");
    expect(ads_stride_logits_backward(ctx, L, x, v, NULL, ga, gac, gx, gvr, gvc),
           ADS_ERR_NULL_ARGUMENT, "v_cols is NULL");
    expect(ads_stride_logits_backward(ctx, L, x, v, NULL, ga, NULL, gx, gvr, gvc),
           ADS_ERR_NULL_ARGUMENT, "gv_cols is given but v_cols is NULL");
    expect(ads_stride_logits_backward(ctx, L, x, v, v, ga, gac, x, gvr, gvc),
           ADS_ERR_INVALID_ARGUMENT, "gx is the x tensor");
    expect(ads_stride_logits_backward(ctx, L, x, v, v, ga, gac, gx, gvr, gvr),
           ADS_ERR_INVALID_ARGUMENT, "same tensor");
    expect(ads_stride_logits_backward(ctx, L, x, v, v, ga, gac, gx, v, gvc),
           ADS_ERR_INVALID_ARGUMENT, "gv_rows is the v_rows tensor");
    expect_unchanged(gx), expect_unchanged(gx2), expect_unchanged(gvr), expect_unchanged(gvc);
    expect_unchanged(gv4);
    /* All outputs NULL is a valid call that does nothing. */
    ck_assert_ads_ok(ads_stride_logits_backward(ctx, L, x, v, v, ga, gac, NULL, NULL, NULL));

    ads_tensor *all[] = {x, x3, v, v4, ga, gaN, gac, ar, ac, arN, ar1, gx, gx2, gvr, gvc, gv4};
    for (int i = 0; i < 16; i++) ads_tensor_release(all[i]);
    ads_context_release(ctx);
}
END_TEST

/* ADS_CHECK=1: NaN or Inf in x, v or the incoming gradients is reported
   by name and nothing is written. */
START_TEST(check_mode_rejects_non_finite_inputs)
{
    setenv("ADS_CHECK", "1", 1);
    ads_context *ctx = test_context();
    unsetenv("ADS_CHECK");
    const ads_profile L = ADS_PROFILE_VARIATION;
    int64_t xs[4] = {1, 2, 3, 3}, c2[1] = {2}, r[2] = {1, 2};
    float xbad[18] = {[5] = NAN}, vbad[2] = {0, INFINITY}, gbad[2] = {-INFINITY, 0};
    ads_tensor *x = test_tensor(ctx, 4, xs, NULL), *xb = test_tensor(ctx, 4, xs, xbad);
    ads_tensor *v = test_tensor(ctx, 1, c2, NULL), *vb = test_tensor(ctx, 1, c2, vbad);
    ads_tensor *ga = test_tensor(ctx, 2, r, NULL), *gab = test_tensor(ctx, 2, r, gbad);
    ads_tensor *ar = filled(ctx, 2, r, SENTINEL), *ac = filled(ctx, 2, r, SENTINEL);
    ads_tensor *gx = filled(ctx, 4, xs, SENTINEL), *gv = filled(ctx, 1, c2, SENTINEL);
    expect(ads_stride_logits(ctx, L, xb, v, v, ar, ac), ADS_ERR_NON_FINITE, "x[5]");
    expect(ads_stride_logits(ctx, L, x, v, vb, ar, ac), ADS_ERR_NON_FINITE, "v_cols[1]");
    expect(ads_stride_logits_backward(ctx, L, xb, v, NULL, ga, NULL, gx, gv, NULL),
           ADS_ERR_NON_FINITE, "x[5]");
    expect(ads_stride_logits_backward(ctx, L, x, vb, NULL, ga, NULL, gx, gv, NULL),
           ADS_ERR_NON_FINITE, "v_rows[1]");
    expect(ads_stride_logits_backward(ctx, L, x, NULL, v, NULL, gab, gx, NULL, gv),
           ADS_ERR_NON_FINITE, "ga_cols[0]");
    expect_unchanged(ar), expect_unchanged(ac), expect_unchanged(gx), expect_unchanged(gv);
    ck_assert_ads_ok(ads_stride_logits(ctx, L, x, v, v, ar, ac));
    ads_tensor *all[] = {x, xb, v, vb, ga, gab, ar, ac, gx, gv};
    for (int i = 0; i < 10; i++) ads_tensor_release(all[i]);
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stride_logits");
    TCase *tc = tcase_create("stride_logits");
    tcase_add_test(tc, forward_and_backward_match_reference);
    tcase_add_test(tc, both_shapes_match_reference);
    tcase_add_test(tc, reference_gradients_match_finite_differences);
    tcase_add_test(tc, backward_is_deterministic);
    tcase_add_test(tc, bad_input_is_rejected_before_any_work);
    tcase_add_test(tc, check_mode_rejects_non_finite_inputs);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
