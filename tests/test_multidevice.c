/* Two devices in one context (PoCL's pthread device twice): every
   operation splits its batch across them, and the results equal the
   one-device results within float rounding (weight gradients are summed
   in another order). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "split.h"

typedef struct {
    ads_context *ctx;
    ads_tensor *x, *w, *b, *py, *px, *gy, *y, *gx, *gw, *gb, *gpy, *gpx;
    ads_tensor *a, *pos, *gpos, *glogits, *v, *ar, *gar, *gv, *py2;
    ads_tensor *pool_y, *pool_gy, *pool_gx, *pool_gpy, *pool_gpx, *argmax;
} run;

enum { N = 5, C = 3, H = 11, W = 9, CO = 4, HO = 6, WO = 5 };

static void upload(run *r, ads_tensor **t, int ndim, const int64_t *shape, uint64_t seed, double lo,
                   double hi)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= (size_t)shape[i];
    float *v = malloc(n * sizeof *v);
    test_seed(seed);
    test_fill_uniform(v, n, lo, hi);
    *t = test_tensor(r->ctx, ndim, shape, v);
    free(v);
}

/* Sorted positions inside the image, off integers. */
static void upload_positions(run *r, ads_tensor **t, int len, int size, uint64_t seed)
{
    float v[N * 16];
    test_seed(seed);
    for (int n = 0; n < N; n++)
        for (int i = 0; i < len; i++)
            v[n * len + i] = (float)(i * (size - 1.0) / len + test_uniform(0.1, 0.4));
    int64_t shape[2] = {N, len};
    *t = test_tensor(r->ctx, 2, shape, v);
}

/* Runs every operation forward and backward on the context. */
static void run_all(run *r, const char *spec)
{
    memset(r, 0, sizeof *r);
    ck_assert_ads_ok(ads_context_create(spec, &r->ctx));
    int64_t xs[4] = {N, C, H, W}, ws[4] = {CO, C, 3, 3}, ys[4] = {N, CO, HO, WO};
    int64_t bs[1] = {CO}, ps[2] = {N, HO}, qs[2] = {N, WO}, cs[1] = {C};
    upload(r, &r->x, 4, xs, 1, -1, 1);
    upload(r, &r->w, 4, ws, 2, -1, 1);
    upload(r, &r->b, 1, bs, 3, -1, 1);
    upload(r, &r->gy, 4, ys, 4, -1, 1);
    upload_positions(r, &r->py, HO, H, 5);
    upload_positions(r, &r->px, WO, W, 6);
    r->y = test_tensor(r->ctx, 4, ys, NULL);
    r->gx = test_tensor(r->ctx, 4, xs, NULL);
    r->gw = test_tensor(r->ctx, 4, ws, NULL);
    r->gb = test_tensor(r->ctx, 1, bs, NULL);
    r->gpy = test_tensor(r->ctx, 2, ps, NULL);
    r->gpx = test_tensor(r->ctx, 2, qs, NULL);
    ads_conv_desc d = {3, 3, 2, 2, 1, 1, 1, 1, 1};
    ads_sampling at = {r->py, r->px, NULL};
    ads_sampling_grad gat = {r->gpy, r->gpx, NULL};
    ck_assert_ads_ok(ads_gconv_forward(r->ctx, &d, r->x, r->w, r->b, at, r->y));
    ck_assert_ads_ok(
        ads_gconv_backward(r->ctx, &d, r->x, r->w, at, r->gy, r->gx, r->gw, r->gb, gat));

    upload(r, &r->a, 2, ps, 7, -2, 2);
    upload(r, &r->gpos, 2, ps, 8, -1, 1);
    r->pos = test_tensor(r->ctx, 2, ps, NULL);
    r->glogits = test_tensor(r->ctx, 2, ps, NULL);
    ck_assert_ads_ok(ads_stride_positions(r->ctx, r->a, 2.0f, 0.5f, 0.7f, r->pos));
    ck_assert_ads_ok(ads_stride_positions_backward(r->ctx, r->a, 2.0f, 0.7f, r->gpos, r->glogits));

    upload(r, &r->v, 1, cs, 9, -1, 1);
    upload(r, &r->gar, 2, ps, 10, -1, 1);
    r->ar = test_tensor(r->ctx, 2, ps, NULL);
    r->gv = test_tensor(r->ctx, 1, cs, NULL);
    ck_assert_ads_ok(
        ads_stride_logits(r->ctx, ADS_PROFILE_VARIATION, r->x, r->v, NULL, r->ar, NULL));
    /* gx is accumulated into: it holds the convolution's gx already. */
    ck_assert_ads_ok(ads_stride_logits_backward(r->ctx, ADS_PROFILE_VARIATION, r->x, r->v, NULL,
                                                r->gar, NULL, r->gx, r->gv, NULL));
    /* Max pooling at the same positions, with recorded winners. */
    int64_t pys[4] = {N, C, HO, WO};
    ads_pool_desc pd = {ADS_POOL_MAX, 3, 3, 2, 2, 1, 1, 1, 1};
    r->pool_y = test_tensor(r->ctx, 4, pys, NULL);
    r->argmax = test_tensor(r->ctx, 4, pys, NULL);
    upload(r, &r->pool_gy, 4, pys, 12, -1, 1);
    r->pool_gx = test_tensor(r->ctx, 4, xs, NULL);
    r->pool_gpy = test_tensor(r->ctx, 2, ps, NULL);
    r->pool_gpx = test_tensor(r->ctx, 2, qs, NULL);
    ads_sampling_grad pgat = {r->pool_gpy, r->pool_gpx, NULL};
    ck_assert_ads_ok(ads_pool_forward_ex(r->ctx, &pd, r->x, at, r->pool_y, r->argmax));
    ck_assert_ads_ok(
        ads_pool_backward_ex(r->ctx, &pd, r->x, at, r->argmax, r->pool_gy, r->pool_gx, pgat));
    /* An in-place call (pos written over its logits) works split too. */
    upload(r, &r->py2, 2, ps, 11, -1, 1);
    ck_assert_ads_ok(ads_stride_positions(r->ctx, r->py2, 1.0f, 0.0f, 1.0f, r->py2));
}

static void release_all(run *r)
{
    ads_tensor *all[] = {r->x,        r->w,        r->b,     r->py,      r->px,      r->gy,
                         r->y,        r->gx,       r->gw,    r->gb,      r->gpy,     r->gpx,
                         r->a,        r->pos,      r->gpos,  r->glogits, r->v,       r->ar,
                         r->gar,      r->gv,       r->py2,   r->pool_y,  r->pool_gy, r->pool_gx,
                         r->pool_gpy, r->pool_gpx, r->argmax};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ads_tensor_release(all[i]);
    ads_context_release(r->ctx);
}

static void expect_close(const char *what, const ads_tensor *one, const ads_tensor *two)
{
    float *a = test_read(one), *b = test_read(two);
    double worst = 0;
    for (size_t i = 0; i < ads_tensor_count(one); i++) {
        double e = fabs((double)a[i] - b[i]) / (1e-5 * (1 + fabs(a[i])));
        if (e > worst) worst = e;
    }
    ck_assert_msg(worst <= 1, "%s: two devices differ from one by %g of the tolerance", what,
                  worst);
    free(a), free(b);
}

/* With given weights the split is known; measured weights of two equal
   devices split too, but how evenly depends on the machine's load, so
   only the given case insists that both devices got images. */
static void compare_runs(const char *weights, int64_t expect_first)
{
    setenv("POCL_DEVICES", "pthread pthread", 1);
    if (weights) setenv("ADS_DEVICE_WEIGHTS", weights, 1);
    else unsetenv("ADS_DEVICE_WEIGHTS");
    run one, two;
    run_all(&one, "0:0");
    run_all(&two, "0:0,0:1");
    ck_assert_int_eq(ads_context_device_count(two.ctx), 2);
    int64_t counts[2];
    ck_assert_ads_ok(ads_split_counts(two.ctx, N, counts));
    ck_assert_int_eq(counts[0] + counts[1], N);
    if (weights) ck_assert_int_eq(counts[0], expect_first);
    const char *names[] = {"y",
                           "gx",
                           "gw",
                           "gb",
                           "gpy",
                           "gpx",
                           "pos",
                           "glogits",
                           "a_rows",
                           "gv",
                           "in-place positions",
                           "pool y",
                           "pool argmax",
                           "pool gx",
                           "pool gpy",
                           "pool gpx"};
    const ads_tensor *a[] = {
        one.y,  one.gx, one.gw,  one.gb,     one.gpy,    one.gpx,     one.pos,      one.glogits,
        one.ar, one.gv, one.py2, one.pool_y, one.argmax, one.pool_gx, one.pool_gpy, one.pool_gpx};
    const ads_tensor *b[] = {
        two.y,  two.gx, two.gw,  two.gb,     two.gpy,    two.gpx,     two.pos,      two.glogits,
        two.ar, two.gv, two.py2, two.pool_y, two.argmax, two.pool_gx, two.pool_gpy, two.pool_gpx};
    for (int i = 0; i < 16; i++) expect_close(names[i], a[i], b[i]);
    release_all(&one);
    release_all(&two);
}

START_TEST(measured_weights) { compare_runs(NULL, -1); }
END_TEST

START_TEST(uneven_weights) { compare_runs("1,3", 1); /* 5 images at 1:3: 1 + 4 */ }
END_TEST

/* All the work on the second device: it runs on the caller's tensors. */
START_TEST(one_device_takes_all) { compare_runs("0,1", 0); }
END_TEST

/* A whole adaptive layer, forward and backward, on one and two devices. */
typedef struct {
    ads_context *ctx;
    ads_layer *l;
    ads_tensor *x, *y, *gy, *gx;
} layer_run;

static void layer_all(layer_run *r, const char *spec)
{
    ck_assert_ads_ok(ads_context_create(spec, &r->ctx));
    ads_layer_desc d;
    memset(&d, 0, sizeof d);
    d.kind = ADS_LAYER_CONV;
    d.in_channels = C;
    d.out_channels = CO;
    d.conv = (ads_conv_desc){3, 3, 2, 2, 1, 1, 1, 1, 1};
    d.adapt = ADS_ADAPT_BOTH;
    d.bias = 1;
    d.seed = 3;
    ck_assert_ads_ok(ads_layer_create(r->ctx, &d, &r->l));
    float v[C] = {0.7f, -1.1f, 0.4f};
    ck_assert_ads_ok(ads_tensor_write(ads_layer_param(r->l, ADS_PARAM_V_ROWS), v, C));
    ck_assert_ads_ok(ads_tensor_write(ads_layer_param(r->l, ADS_PARAM_V_COLS), v, C));
    int64_t xs[4] = {N, C, H, W}, ys[4] = {N, CO, HO, WO};
    run tmp = {.ctx = r->ctx};
    upload(&tmp, &r->x, 4, xs, 21, -1, 1);
    upload(&tmp, &r->gy, 4, ys, 22, -1, 1);
    r->y = test_tensor(r->ctx, 4, ys, NULL);
    r->gx = test_tensor(r->ctx, 4, xs, NULL);
    ck_assert_ads_ok(ads_layer_forward(r->l, r->x, r->y));
    ck_assert_ads_ok(ads_layer_backward(r->l, r->gy, r->gx));
}

START_TEST(layer_on_two_devices)
{
    setenv("POCL_DEVICES", "pthread pthread", 1);
    unsetenv("ADS_DEVICE_WEIGHTS");
    layer_run one, two;
    layer_all(&one, "0:0");
    layer_all(&two, "0:0,0:1");
    expect_close("layer y", one.y, two.y);
    expect_close("layer gx", one.gx, two.gx);
    for (int p = 0; p < 4; p++)
        expect_close("layer gradient", ads_layer_grad(one.l, (ads_param)p),
                     ads_layer_grad(two.l, (ads_param)p));
    layer_run *runs[2] = {&one, &two};
    for (int i = 0; i < 2; i++) {
        ads_tensor_release(runs[i]->x), ads_tensor_release(runs[i]->y);
        ads_tensor_release(runs[i]->gy), ads_tensor_release(runs[i]->gx);
        ads_layer_release(runs[i]->l);
        ads_context_release(runs[i]->ctx);
    }
}
END_TEST

START_TEST(bad_weights_and_batches)
{
    setenv("POCL_DEVICES", "pthread pthread", 1);
    /* An invalid value fails the context, naming the variable: not only
       the first call, with every later one quietly on device 0. */
    const char *bad[] = {"1,minus", "1,abc", "1",     "1,2,3", "0,0",    "1,", ",1",
                         "1,,2",    "1,inf", "1,nan", "-1,2",  "1e13,1", ""};
    ads_context *ctx = NULL;
    for (size_t k = 0; k + 1 < sizeof bad / sizeof *bad; k++) {
        setenv("ADS_DEVICE_WEIGHTS", bad[k], 1);
        ck_assert_msg(ads_context_create("0:0,0:1", &ctx) == ADS_ERR_INVALID_ARGUMENT,
                      "ADS_DEVICE_WEIGHTS='%s' was accepted", bad[k]);
        ck_assert_ptr_null(ctx);
        ck_assert_msg(strstr(ads_last_error(), "ADS_DEVICE_WEIGHTS") &&
                          strstr(ads_last_error(), "2 comma-separated"),
                      "%s", ads_last_error());
    }
    /* One device never splits: the variable is not read there. */
    setenv("ADS_DEVICE_WEIGHTS", "1,abc", 1);
    ck_assert_ads_ok(ads_context_create("0:0", &ctx));
    ads_context_release(ctx);
    /* Weights are read once per context, when it is made. */
    setenv("ADS_DEVICE_WEIGHTS", "2, 1", 1);
    ck_assert_ads_ok(ads_context_create("0:0,0:1", &ctx));
    setenv("ADS_DEVICE_WEIGHTS", "1,abc", 1);
    int64_t counts[2];
    ck_assert_ads_ok(ads_split_counts(ctx, 6, counts));
    ck_assert_int_eq(counts[0], 4);
    ck_assert_int_eq(counts[1], 2);
    ads_context_release(ctx);
    setenv("ADS_DEVICE_WEIGHTS", "1,1", 1);
    ck_assert_ads_ok(ads_context_create("0:0,0:1", &ctx));
    int64_t s[2] = {4, 8}, t[2] = {3, 8};
    ads_tensor *a = test_tensor(ctx, 2, s, NULL), *q = test_tensor(ctx, 2, t, NULL);
    ck_assert_int_eq(ads_stride_positions(ctx, a, 1.0f, 0.0f, 1.0f, q), ADS_ERR_SHAPE_MISMATCH);
    ads_tensor_release(a), ads_tensor_release(q);
    ads_context_release(ctx);
}
END_TEST

/* A shape error found on one device's share of the batch reports the
   caller's shapes (batch 2 here), not the share's (batch 1). */
START_TEST(shape_errors_name_the_callers_shapes)
{
    setenv("POCL_DEVICES", "pthread pthread", 1);
    setenv("ADS_DEVICE_WEIGHTS", "1,1", 1);
    ads_context *ctx;
    ck_assert_ads_ok(ads_context_create("0:0,0:1", &ctx));
    int64_t xs[4] = {2, C, H, W}, ws[4] = {CO, C, 3, 3}, ys[4] = {2, CO + 2, HO, WO};
    ads_tensor *x = test_tensor(ctx, 4, xs, NULL), *w = test_tensor(ctx, 4, ws, NULL);
    ads_tensor *y = test_tensor(ctx, 4, ys, NULL);
    ads_conv_desc d = {3, 3, 2, 2, 1, 1, 1, 1, 1};
    ads_sampling at = {NULL, NULL, NULL};
    ck_assert_int_eq(ads_gconv_forward(ctx, &d, x, w, NULL, at, y), ADS_ERR_SHAPE_MISMATCH);
    ck_assert_msg(strstr(ads_last_error(), "[2, 6, 6, 5]") && !strstr(ads_last_error(), "[1,"),
                  "%s", ads_last_error());
    ads_tensor_release(x), ads_tensor_release(w), ads_tensor_release(y);
    ads_context_release(ctx);
    unsetenv("ADS_DEVICE_WEIGHTS");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("multidevice");
    TCase *tc = tcase_create("multidevice");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, measured_weights);
    tcase_add_test(tc, uneven_weights);
    tcase_add_test(tc, one_device_takes_all);
    tcase_add_test(tc, layer_on_two_devices);
    tcase_add_test(tc, bad_weights_and_batches);
    tcase_add_test(tc, shape_errors_name_the_callers_shapes);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
