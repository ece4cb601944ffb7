/* Pooling rejects bad input with its own status and a sentence naming the
   argument, before enqueuing anything: every output keeps its sentinel. */
#include <math.h>
#include <string.h>

#include "harness.h"
#include "internal.h"

#define SENTINEL 12345.0f

/* x: 2 x 3 x 6 x 5. Fixed desc 3x3 / stride 2 / pad 1 gives 3 x 3;
   separable and grid problems use Ho = 4, Wo = 3. */
typedef struct {
    ads_context *ctx;
    ads_pool_desc d;
    ads_tensor *x, *py, *px, *grid, *gy, *gys;         /* inputs  */
    ads_tensor *y, *arg, *ys, *gx, *gpy, *gpx, *ggrid; /* outputs */
} fixture;

static ads_tensor *filled(ads_context *ctx, int ndim, const int64_t *shape, float v)
{
    ads_tensor *t = test_tensor(ctx, ndim, shape, NULL);
    size_t n = ads_tensor_count(t);
    float *h = malloc(n * sizeof *h);
    for (size_t i = 0; i < n; i++) h[i] = v;
    ck_assert_ads_ok(ads_tensor_write(t, h, n));
    free(h);
    return t;
}

static void setup(fixture *f)
{
    f->ctx = test_context();
    f->d = (ads_pool_desc){ADS_POOL_MAX, 3, 3, 2, 2, 1, 1, 1, 1};
    int64_t xs[4] = {2, 3, 6, 5}, ys[4] = {2, 3, 3, 3}, ss[4] = {2, 3, 4, 3}, ps[2] = {2, 4},
            qs[2] = {2, 3}, gs[4] = {2, 4, 3, 2};
    f->x = filled(f->ctx, 4, xs, 0.5f);
    f->py = filled(f->ctx, 2, ps, 1.5f);
    f->px = filled(f->ctx, 2, qs, 2.5f);
    f->grid = filled(f->ctx, 4, gs, 1.5f);
    f->gy = filled(f->ctx, 4, ys, 1.0f);
    f->gys = filled(f->ctx, 4, ss, 1.0f);
    f->y = filled(f->ctx, 4, ys, SENTINEL);
    f->arg = filled(f->ctx, 4, ys, SENTINEL);
    f->ys = filled(f->ctx, 4, ss, SENTINEL);
    f->gx = filled(f->ctx, 4, xs, SENTINEL);
    f->gpy = filled(f->ctx, 2, ps, SENTINEL);
    f->gpx = filled(f->ctx, 2, qs, SENTINEL);
    f->ggrid = filled(f->ctx, 4, gs, SENTINEL);
}

static void teardown(fixture *f)
{
    ads_tensor *all[] = {f->x,   f->py, f->px, f->grid, f->gy,  f->gys,  f->y,
                         f->arg, f->ys, f->gx, f->gpy,  f->gpx, f->ggrid};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ads_tensor_release(all[i]);
    ads_context_release(f->ctx);
}

static void check_sentinels(const fixture *f, const char *when)
{
    const ads_tensor *outs[] = {f->y, f->arg, f->ys, f->gx, f->gpy, f->gpx, f->ggrid};
    for (size_t o = 0; o < sizeof outs / sizeof *outs; o++) {
        float *v = test_read(outs[o]);
        for (size_t i = 0; i < ads_tensor_count(outs[o]); i++)
            ck_assert_msg(v[i] == SENTINEL, "%s: output %zu element %zu changed to %g", when, o, i,
                          (double)v[i]);
        free(v);
    }
}

#define EXPECT(f, call, status, phrase)                                                            \
    do {                                                                                           \
        ads_status st_ = (call);                                                                   \
        ck_assert_msg(st_ == (status), "%s: %s (%s), expected %s", #call, ads_status_string(st_),  \
                      ads_last_error(), ads_status_string(status));                                \
        ck_assert_msg(strstr(ads_last_error(), phrase) != NULL, "%s: message '%s' lacks '%s'",     \
                      #call, ads_last_error(), phrase);                                            \
        check_sentinels(f, #call);                                                                 \
    } while (0)

static const ads_sampling FIXED = {NULL, NULL, NULL};

START_TEST(forward_null_and_desc_errors)
{
    fixture f;
    setup(&f);
    ads_pool_desc d = f.d;
    EXPECT(&f, ads_pool_forward(NULL, &d, f.x, FIXED, f.y), ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    EXPECT(&f, ads_pool_forward(f.ctx, NULL, f.x, FIXED, f.y), ADS_ERR_NULL_ARGUMENT, "d (the");
    EXPECT(&f, ads_pool_forward(f.ctx, &d, NULL, FIXED, f.y), ADS_ERR_NULL_ARGUMENT, "x is NULL");
    EXPECT(&f, ads_pool_forward(f.ctx, &d, f.x, FIXED, NULL), ADS_ERR_NULL_ARGUMENT, "y is NULL");
    d.mode = (ads_pool_mode)7;
    EXPECT(&f, ads_pool_forward(f.ctx, &d, f.x, FIXED, f.y), ADS_ERR_INVALID_ARGUMENT,
           "d->mode is 7");
    d = f.d, d.kh = 0;
    EXPECT(&f, ads_pool_forward(f.ctx, &d, f.x, FIXED, f.y), ADS_ERR_INVALID_ARGUMENT,
           "d->kh is 0");
    d = f.d, d.dil_w = 0;
    EXPECT(&f, ads_pool_forward(f.ctx, &d, f.x, FIXED, f.y), ADS_ERR_INVALID_ARGUMENT,
           "d->dil_w is 0");
    d = f.d, d.pad_h = -1;
    EXPECT(&f, ads_pool_forward(f.ctx, &d, f.x, FIXED, f.y), ADS_ERR_INVALID_ARGUMENT,
           "d->pad_h is -1");
    d = f.d, d.stride_h = 0;
    EXPECT(&f, ads_pool_forward(f.ctx, &d, f.x, FIXED, f.y), ADS_ERR_INVALID_ARGUMENT,
           "d->stride_h is 0");
    d = f.d, d.pad_w = 2; /* PyTorch: pad <= k/2 */
    EXPECT(&f, ads_pool_forward(f.ctx, &d, f.x, FIXED, f.y), ADS_ERR_INVALID_ARGUMENT,
           "d->pad_w is 2; the fixed grid needs pad <= kernel/2 = 1");
    d = f.d, d.kh = 9, d.pad_h = 1;
    EXPECT(&f, ads_pool_forward(f.ctx, &d, f.x, FIXED, f.y), ADS_ERR_INVALID_ARGUMENT,
           "does not fit");
    d = f.d, d.kh = d.kw = 5000;
    EXPECT(&f, ads_pool_forward(f.ctx, &d, f.x, FIXED, f.y), ADS_ERR_INVALID_ARGUMENT,
           "at most 2^24");
    d = f.d, d.dil_h = 1 << 29;
    EXPECT(&f, ads_pool_forward(f.ctx, &d, f.x, FIXED, f.y), ADS_ERR_TOO_LARGE, "spans more");
    /* With positions the stride is unused, and pad may exceed k/2. */
    d = f.d, d.stride_h = 0, d.pad_h = 3;
    ads_sampling sep = {f.py, f.px, NULL};
    ads_tensor *ys2 = NULL;
    int64_t ss[4] = {2, 3, 4, 3};
    ck_assert_ads_ok(ads_tensor_create(f.ctx, 4, ss, &ys2));
    ck_assert_ads_ok(ads_pool_forward(f.ctx, &d, f.x, sep, ys2));
    ads_tensor_release(ys2);
    teardown(&f);
}
END_TEST

START_TEST(forward_shape_and_sampling_errors)
{
    fixture f;
    setup(&f);
    ads_pool_desc avg = f.d;
    avg.mode = ADS_POOL_AVG;
    int64_t x3[3] = {3, 6, 5}, p3[2] = {3, 4}, g3[4] = {2, 4, 3, 3};
    ads_tensor *bad_x = filled(f.ctx, 3, x3, 0), *bad_py = filled(f.ctx, 2, p3, 0),
               *bad_grid = filled(f.ctx, 4, g3, 0);
    EXPECT(&f, ads_pool_forward(f.ctx, &f.d, bad_x, FIXED, f.y), ADS_ERR_SHAPE_MISMATCH,
           "expected 4 dimensions");
    EXPECT(&f, ads_pool_forward(f.ctx, &f.d, f.x, FIXED, f.ys), ADS_ERR_SHAPE_MISMATCH,
           "y has shape [2, 3, 4, 3]; expected [2, 3, 3, 3]");
    EXPECT(&f, ads_pool_forward_ex(f.ctx, &avg, f.x, FIXED, f.y, f.arg), ADS_ERR_INVALID_ARGUMENT,
           "argmax is given with average pooling");
    EXPECT(&f, ads_pool_forward_ex(f.ctx, &f.d, f.x, FIXED, f.y, f.ys), ADS_ERR_SHAPE_MISMATCH,
           "argmax has shape");
    ads_sampling half = {f.py, NULL, NULL}, both = {f.py, f.px, f.grid},
                 wrong_n = {bad_py, f.px, NULL}, wrong_grid = {NULL, NULL, bad_grid};
    EXPECT(&f, ads_pool_forward(f.ctx, &f.d, f.x, half, f.ys), ADS_ERR_NULL_ARGUMENT,
           "at.px is NULL while at.py is given");
    EXPECT(&f, ads_pool_forward(f.ctx, &f.d, f.x, both, f.ys), ADS_ERR_INVALID_ARGUMENT,
           "at.grid and at.py/at.px are both given");
    EXPECT(&f, ads_pool_forward(f.ctx, &f.d, f.x, wrong_n, f.ys), ADS_ERR_SHAPE_MISMATCH,
           "at.py has shape [3, 4]");
    EXPECT(&f, ads_pool_forward(f.ctx, &f.d, f.x, wrong_grid, f.ys), ADS_ERR_SHAPE_MISMATCH,
           "at.grid has shape [2, 4, 3, 3]");
    ads_sampling sep = {f.py, f.px, NULL};
    EXPECT(&f, ads_pool_forward(f.ctx, &f.d, f.x, sep, f.y), ADS_ERR_SHAPE_MISMATCH,
           "y has shape [2, 3, 3, 3]; expected [2, 3, 4, 3]");
    /* An output may not be an input: a 1x1 window keeps x's shape. */
    ads_pool_desc one = {ADS_POOL_MAX, 1, 1, 1, 1, 0, 0, 1, 1};
    EXPECT(&f, ads_pool_forward(f.ctx, &one, f.x, FIXED, f.x), ADS_ERR_INVALID_ARGUMENT,
           "y is the same tensor");
    /* A tensor of another context. */
    ads_context *other = test_context();
    int64_t xs[4] = {2, 3, 6, 5};
    ads_tensor *foreign = filled(other, 4, xs, 0);
    EXPECT(&f, ads_pool_forward(f.ctx, &f.d, foreign, FIXED, f.y), ADS_ERR_INVALID_ARGUMENT,
           "x belongs to another context");
    ads_tensor_release(foreign);
    ads_context_release(other);
    ads_tensor_release(bad_x), ads_tensor_release(bad_py), ads_tensor_release(bad_grid);
    teardown(&f);
}
END_TEST

START_TEST(backward_errors)
{
    fixture f;
    setup(&f);
    ads_sampling sep = {f.py, f.px, NULL}, grid = {NULL, NULL, f.grid};
    ads_sampling_grad none = {NULL, NULL, NULL}, gpy = {f.gpy, NULL, NULL},
                      ggrid = {NULL, NULL, f.ggrid}, gsep = {f.gpy, f.gpx, NULL};
    ads_pool_desc avg = f.d;
    avg.mode = ADS_POOL_AVG;
    EXPECT(&f, ads_pool_backward(f.ctx, &f.d, f.x, FIXED, NULL, f.gx, none), ADS_ERR_NULL_ARGUMENT,
           "gy is NULL");
    EXPECT(&f, ads_pool_backward(f.ctx, &f.d, f.x, FIXED, f.gys, f.gx, none),
           ADS_ERR_SHAPE_MISMATCH, "gy has shape");
    EXPECT(&f, ads_pool_backward(f.ctx, &f.d, f.x, FIXED, f.gy, f.y, none), ADS_ERR_SHAPE_MISMATCH,
           "gx has shape [2, 3, 3, 3]; expected [2, 3, 6, 5]");
    EXPECT(&f, ads_pool_backward(f.ctx, &f.d, f.x, FIXED, f.gy, f.gx, gpy),
           ADS_ERR_INVALID_ARGUMENT, "gat.py is given but the call samples at the fixed grid");
    EXPECT(&f, ads_pool_backward(f.ctx, &f.d, f.x, sep, f.gys, f.gx, ggrid),
           ADS_ERR_INVALID_ARGUMENT, "gat.grid is given");
    EXPECT(&f, ads_pool_backward(f.ctx, &f.d, f.x, grid, f.gys, f.gx, gsep),
           ADS_ERR_INVALID_ARGUMENT, "gat.py is given");
    ads_sampling_grad swapped = {f.gpx, f.gpy, NULL};
    EXPECT(&f, ads_pool_backward(f.ctx, &f.d, f.x, sep, f.gys, f.gx, swapped),
           ADS_ERR_SHAPE_MISMATCH, "gat.py has shape [2, 3]; expected [2, 4]");
    EXPECT(&f, ads_pool_backward_ex(f.ctx, &avg, f.x, FIXED, f.gy, f.gy, f.gx, none),
           ADS_ERR_INVALID_ARGUMENT, "argmax is given with average pooling");
    EXPECT(&f, ads_pool_backward_ex(f.ctx, &f.d, f.x, FIXED, f.gys, f.gy, f.gx, none),
           ADS_ERR_SHAPE_MISMATCH, "argmax has shape");
    ads_pool_desc bad = f.d;
    bad.pad_h = 2;
    EXPECT(&f, ads_pool_backward(f.ctx, &bad, f.x, FIXED, f.gy, f.gx, none),
           ADS_ERR_INVALID_ARGUMENT, "d->pad_h is 2");
    ads_pool_desc one = {ADS_POOL_AVG, 1, 1, 1, 1, 0, 0, 1, 1};
    EXPECT(&f, ads_pool_backward(f.ctx, &one, f.x, FIXED, f.x, f.x, none), ADS_ERR_INVALID_ARGUMENT,
           "gx is the same tensor");
    EXPECT(&f,
           ads_pool_backward(f.ctx, &f.d, f.x, sep, f.gys, f.gx,
                             (ads_sampling_grad){f.gpy, f.gpy, NULL}),
           ADS_ERR_SHAPE_MISMATCH, "gat.px has shape");
    teardown(&f);
}
END_TEST

/* ADS_CHECK=1 rejects NaN/Inf in x and gy, never in positions. */
START_TEST(check_finite_inputs)
{
    fixture f;
    setup(&f);
    f.ctx->check_finite = true;
    int64_t xs[4] = {2, 3, 6, 5}, ys[4] = {2, 3, 3, 3};
    ads_tensor *nan_x = filled(f.ctx, 4, xs, NAN), *inf_gy = filled(f.ctx, 4, ys, INFINITY);
    ads_sampling_grad none = {NULL, NULL, NULL};
    EXPECT(&f, ads_pool_forward(f.ctx, &f.d, nan_x, FIXED, f.y), ADS_ERR_NON_FINITE,
           "ADS_CHECK: x[0]");
    EXPECT(&f, ads_pool_backward(f.ctx, &f.d, f.x, FIXED, inf_gy, f.gx, none), ADS_ERR_NON_FINITE,
           "ADS_CHECK: gy[0]");
    int64_t ps[2] = {2, 4}, qs[2] = {2, 3}, ss[4] = {2, 3, 4, 3};
    ads_tensor *nan_py = filled(f.ctx, 2, ps, NAN), *inf_px = filled(f.ctx, 2, qs, -INFINITY),
               *y = filled(f.ctx, 4, ss, SENTINEL);
    ads_sampling sep = {nan_py, inf_px, NULL};
    ck_assert_ads_ok(ads_pool_forward(f.ctx, &f.d, f.x, sep, y));
    float *v = test_read(y);
    for (size_t i = 0; i < ads_tensor_count(y); i++) ck_assert_float_eq(v[i], 0.0f);
    free(v);
    ads_tensor_release(nan_x), ads_tensor_release(inf_gy), ads_tensor_release(nan_py);
    ads_tensor_release(inf_px), ads_tensor_release(y);
    teardown(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pool_errors");
    TCase *tc = tcase_create("pool_errors");
    tcase_add_test(tc, forward_null_and_desc_errors);
    tcase_add_test(tc, forward_shape_and_sampling_errors);
    tcase_add_test(tc, backward_errors);
    tcase_add_test(tc, check_finite_inputs);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
