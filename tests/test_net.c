/* The networks: a fresh adaptive net computes what the fixed one does,
   parameter counts differ only by the predictor vectors, SGD lowers the
   loss on a tiny batch, and the whole net's gradients match central
   finite differences of the loss. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adastride_nn.h"
#include "harness.h"
#include "net.h"

#define N     4
#define H     20
#define W     24
#define WIDTH 4

static net *make(ads_context *ctx, net_arch a, int adaptive)
{
    net_config cfg = {a, adaptive, 1, 10, WIDTH, 11};
    net *n = NULL;
    ck_assert_ads_ok(net_create(ctx, &cfg, &n));
    return n;
}

static ads_tensor *random_input(ads_context *ctx, float *labels)
{
    int64_t s[4] = {N, 1, H, W};
    float v[N * H * W];
    test_fill_uniform(v, N * H * W, 0, 1);
    for (int i = 0; i < N; i++) labels[i] = (float)test_int(0, 9);
    return test_tensor(ctx, 4, s, v);
}

/* Mean cross-entropy in double from the logits. */
static double loss_of(const float *logits, const float *labels)
{
    double sum = 0;
    for (int i = 0; i < N; i++) {
        const float *z = logits + 10 * i;
        double m = z[0], e = 0;
        for (int k = 1; k < 10; k++) m = fmax(m, z[k]);
        for (int k = 0; k < 10; k++) e += exp(z[k] - m);
        sum += m + log(e) - z[(int)labels[i]];
    }
    return sum / N;
}

static double forward_loss(net *n, const ads_tensor *x, const float *labels)
{
    ads_tensor *logits;
    ck_assert_ads_ok(net_forward(n, x, 1, &logits));
    float *z = test_read(logits);
    double l = loss_of(z, labels);
    free(z);
    return l;
}

/* Forward, device loss and gradient, backward. */
static void forward_backward(ads_context *ctx, net *n, const ads_tensor *x, const float *labels)
{
    int64_t ls[1] = {N}, one[1] = {1}, gs[2] = {N, 10};
    ads_tensor *lab = test_tensor(ctx, 1, ls, labels), *loss = test_tensor(ctx, 1, one, NULL),
               *g = test_tensor(ctx, 2, gs, NULL), *logits;
    ck_assert_ads_ok(net_forward(n, x, 1, &logits));
    ck_assert_ads_ok(ads_softmax_cross_entropy(ctx, logits, lab, loss, g));
    ck_assert_ads_ok(net_backward(n, g));
    ads_tensor_release(lab);
    ads_tensor_release(loss);
    ads_tensor_release(g);
}

static double max_abs_diff(const ads_tensor *a, const ads_tensor *b)
{
    size_t n = ads_tensor_count(a);
    ck_assert_uint_eq(n, ads_tensor_count(b));
    float *va = test_read(a), *vb = test_read(b);
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)va[i] - vb[i]));
    free(va);
    free(vb);
    return m;
}

/* Same seed: every shared parameter equal; the adaptive net has exactly
   2*C more floats per down-sampling layer (v_rows and v_cols); logits and
   shared gradients agree up to float summation order. */
START_TEST(fresh_adaptive_equals_fixed)
{
    ads_context *ctx = test_context();
    test_seed(101);
    for (int a = 0; a < 2; a++) {
        net *f = make(ctx, (net_arch)a, 0), *d = make(ctx, (net_arch)a, 1);
        int64_t extra = 0;
        float labels[N];
        ads_tensor *x = random_input(ctx, labels);
        forward_backward(ctx, f, x, labels);
        forward_backward(ctx, d, x, labels);
        for (int k = 0; k < 3; k++) {
            ads_layer *l = net_sampler(d, k, NULL, NULL);
            ck_assert_ptr_nonnull(ads_layer_param(l, ADS_PARAM_V_ROWS));
            extra += 2 * (int64_t)ads_tensor_count(ads_layer_param(l, ADS_PARAM_V_ROWS));
            ck_assert_ptr_null(ads_layer_param(net_sampler(f, k, NULL, NULL), ADS_PARAM_V_ROWS));
        }
        ck_assert_int_eq(net_param_floats(d) - net_param_floats(f), extra);
        /* Logits are O(1): 1e-4 absolute is ~1000 float32 ulps, room for
           the reordered sums of the position path through batchnorm. */
        ads_tensor *lf, *ld;
        ck_assert_ads_ok(net_forward(f, x, 0, &lf));
        ck_assert_ads_ok(net_forward(d, x, 0, &ld));
        double dl = max_abs_diff(lf, ld), dg = 0;
        int j = 0;
        for (int i = 0; i < net_param_tensors(d); i++) {
            net_param pd = net_param_at(d, i);
            int is_v = 0;
            for (int k = 0; k < 3; k++) {
                ads_layer *l = net_sampler(d, k, NULL, NULL);
                is_v |= pd.param == ads_layer_param(l, ADS_PARAM_V_ROWS) ||
                        pd.param == ads_layer_param(l, ADS_PARAM_V_COLS);
            }
            if (is_v) continue;
            net_param pf = net_param_at(f, j++);
            ck_assert_double_eq(max_abs_diff(pf.param, pd.param), 0);
            dg = fmax(dg, max_abs_diff(pf.grad, pd.grad));
        }
        ck_assert_int_eq(j, net_param_tensors(f));
        printf("%s: fresh adaptive vs fixed: logits max |diff| %.3g, gradients %.3g, "
               "extra params %lld\n",
               net_arch_name((net_arch)a), dl, dg, (long long)extra);
        ck_assert_double_le(dl, 1e-4);
        ck_assert_double_le(dg, 1e-4);
        ads_tensor_release(x);
        net_release(f);
        net_release(d);
    }
    ads_context_release(ctx);
}
END_TEST

/* Plain SGD (lr 0.05) on one tiny batch: the loss must fall well. */
START_TEST(sgd_lowers_loss)
{
    ads_context *ctx = test_context();
    test_seed(202);
    for (int a = 0; a < 2; a++) {
        net *n = make(ctx, (net_arch)a, 1);
        float labels[N];
        ads_tensor *x = random_input(ctx, labels);
        double first = forward_loss(n, x, labels), last = first;
        for (int step = 0; step < 12; step++) {
            forward_backward(ctx, n, x, labels);
            for (int i = 0; i < net_param_tensors(n); i++) {
                net_param p = net_param_at(n, i);
                ck_assert_ads_ok(ads_sgd_step(ctx, p.param, p.grad, NULL, 0.05f, 0, 0));
            }
            last = forward_loss(n, x, labels);
        }
        printf("%s: loss %.4f -> %.4f after 12 SGD steps\n", net_arch_name((net_arch)a), first,
               last);
        ck_assert_double_lt(last, 0.5 * first);
        ads_tensor_release(x);
        net_release(n);
    }
    ads_context_release(ctx);
}
END_TEST

/* Sets every element of t to uniform values in [lo, hi]. */
static void randomise(ads_tensor *t, double lo, double hi)
{
    size_t n = ads_tensor_count(t);
    float *v = malloc(n * sizeof *v);
    test_fill_uniform(v, n, lo, hi);
    ck_assert_ads_ok(ads_tensor_write(t, v, n));
    free(v);
}

static double loss_at(net *n, ads_tensor *p, float *v, size_t i, float value, const ads_tensor *x,
                      const float *labels)
{
    v[i] = value;
    ck_assert_ads_ok(ads_tensor_write(p, v, ads_tensor_count(p)));
    return forward_loss(n, x, labels);
}

/* d loss / d p[i] by central differences of the double loss, h = 3e-4:
   the loss (~2.5) comes from float32 logits (absolute noise ~3e-7, so
   ~1e-3 in a one-sided quotient, ~5e-4 in the central one). Max pooling counts a tap only while it lies inside the
   image, so the loss JUMPS when a moving tap crosses the border: where
   the forward and backward one-sided differences disagree by more than
   `tol` the interval holds such a jump (or a kink) and NAN is returned:
   the caller picks another element. */
static double central(net *n, ads_tensor *p, size_t i, const ads_tensor *x, const float *labels,
                      double tol)
{
    float *v = test_read(p), keep = v[i];
    const float h = 3e-4f;
    double up = loss_at(n, p, v, i, keep + h, x, labels);
    double down = loss_at(n, p, v, i, keep - h, x, labels);
    double mid = loss_at(n, p, v, i, keep, x, labels);
    free(v);
    double fwd = (up - mid) / h, bwd = (mid - down) / h;
    if (fabs(fwd - bwd) > tol) return NAN;
    return (up - down) / (2.0 * h);
}

/* The whole adaptive net's gradient w.r.t. the first conv weight, a
   batchnorm gamma, the first two samplers' predictor vectors (set to
   small non-zero values so positions leave the integers, where the
   bilinear derivative is one-sided) and the dense weights. */
START_TEST(gradients_match_finite_differences)
{
    ads_context *ctx = test_context();
    test_seed(303);
    for (int a = 0; a < 2; a++) {
        net *n = make(ctx, (net_arch)a, 1);
        float labels[N];
        ads_tensor *x = random_input(ctx, labels);
        ads_tensor *check[6];
        ads_tensor *grads[6];
        int nc = 0;
        for (int k = 0; k < 2; k++) {
            ads_layer *l = net_sampler(n, k, NULL, NULL);
            randomise(ads_layer_param(l, ADS_PARAM_V_ROWS), -0.3, 0.3);
            randomise(ads_layer_param(l, ADS_PARAM_V_COLS), -0.3, 0.3);
            check[nc] = ads_layer_param(l, ADS_PARAM_V_ROWS);
            grads[nc++] = ads_layer_grad(l, ADS_PARAM_V_ROWS);
            check[nc] = ads_layer_param(l, ADS_PARAM_V_COLS);
            grads[nc++] = ads_layer_grad(l, ADS_PARAM_V_COLS);
        }
        int np = net_param_tensors(n);
        int pick[2] = {0, np - 2};
        for (int k = 0; k < 2; k++) {
            check[nc] = net_param_at(n, pick[k]).param;
            grads[nc++] = net_param_at(n, pick[k]).grad;
        }
        forward_backward(ctx, n, x, labels);
        double worst = 0;
        for (int c = 0; c < nc; c++) {
            float *g = test_read(grads[c]);
            size_t cnt = ads_tensor_count(check[c]);
            double gmax = 0;
            for (size_t i = 0; i < cnt; i++) gmax = fmax(gmax, fabs(g[i]));
            /* 3e-3 absolute covers the quotients' noise; 5% of the
               tensor's largest gradient covers the O(h) curvature of the
               one-sided differences. */
            double tol = 3e-3 + 0.05 * gmax;
            int checked = 0, tries = 0;
            for (; checked < 3 && tries < 12; tries++) {
                size_t i = (size_t)test_int(0, (int)cnt - 1);
                double fd = central(n, check[c], i, x, labels, tol);
                if (isnan(fd)) continue;
                checked++;
                double err = fabs(fd - g[i]) / tol;
                worst = fmax(worst, err);
                printf("%s tensor %d [%zu]: analytic %.6g, central %.6g, error/tol %.3f\n",
                       net_arch_name((net_arch)a), c, i, (double)g[i], fd, err);
            }
            /* Jumps are rare: most elements must be checkable. */
            ck_assert_msg(checked == 3, "tensor %d: only %d of %d elements were smooth", c, checked,
                          tries);
            free(g);
        }
        printf("%s: gradient check, worst error / tolerance %.3f\n", net_arch_name((net_arch)a),
               worst);
        ck_assert_double_le(worst, 1);
        ads_tensor_release(x);
        net_release(n);
    }
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("net");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, fresh_adaptive_equals_fixed);
    tcase_add_test(tc, sgd_lowers_loss);
    tcase_add_test(tc, gradients_match_finite_differences);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
