/* Gather-convolution argument checking: every NULL, invalid desc value
   and shape disagreement gets its own status and a message naming the
   argument and value; a rejected call writes nothing. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "gconv_testlib.h"
#include "internal.h"

/* Tensors of one valid layer: N=2, Cin=4, 6x5 input, Cout=6, groups 2,
   3x2 kernel; outputs hold the sentinel 777 until a call succeeds. */
typedef struct {
    ads_context *ctx;
    ads_conv_desc d;
    ads_tensor *x, *w, *b, *y, *py, *px, *grid, *gy, *gx, *gw, *gb, *gpy, *gpx, *ggrid;
} fixture;

static void setup(fixture *f)
{
    f->ctx = test_context();
    f->d = (ads_conv_desc){.kh = 3,
                           .kw = 2,
                           .stride_h = 1,
                           .stride_w = 1,
                           .pad_h = 1,
                           .pad_w = 0,
                           .dil_h = 1,
                           .dil_w = 1,
                           .groups = 2};
    int64_t xs[4] = {2, 4, 6, 5}, ws[4] = {6, 2, 3, 2}, bs[1] = {6}, ys[4] = {2, 6, 6, 4};
    int64_t pys[2] = {2, 6}, pxs[2] = {2, 4}, gs[4] = {2, 6, 4, 2};
    f->x = gc_filled(f->ctx, 4, xs, 0.5f);
    f->w = gc_filled(f->ctx, 4, ws, 0.25f);
    f->b = gc_filled(f->ctx, 1, bs, 1.0f);
    f->py = gc_filled(f->ctx, 2, pys, 1.0f);
    f->px = gc_filled(f->ctx, 2, pxs, 1.0f);
    f->grid = gc_filled(f->ctx, 4, gs, 1.0f);
    f->gy = gc_filled(f->ctx, 4, ys, 1.0f);
    f->y = gc_filled(f->ctx, 4, ys, 777.0f);
    f->gx = gc_filled(f->ctx, 4, xs, 777.0f);
    f->gw = gc_filled(f->ctx, 4, ws, 777.0f);
    f->gb = gc_filled(f->ctx, 1, bs, 777.0f);
    f->gpy = gc_filled(f->ctx, 2, pys, 777.0f);
    f->gpx = gc_filled(f->ctx, 2, pxs, 777.0f);
    f->ggrid = gc_filled(f->ctx, 4, gs, 777.0f);
}

/* Every output still holds its sentinel; then everything is released. */
static void teardown(fixture *f)
{
    ads_tensor *out[7] = {f->y, f->gx, f->gw, f->gb, f->gpy, f->gpx, f->ggrid};
    for (int i = 0; i < 7; i++) ck_assert_msg(gc_all_equal(out[i], 777.0f), "output %d written", i);
    ads_tensor *all[14] = {f->x,  f->w,  f->b,  f->y,  f->py,  f->px,  f->grid,
                           f->gy, f->gx, f->gw, f->gb, f->gpy, f->gpx, f->ggrid};
    for (int i = 0; i < 14; i++) ads_tensor_release(all[i]);
    ads_context_release(f->ctx);
}

#define expect(call, status, phrase)                                                               \
    do {                                                                                           \
        ads_status st_ = (call);                                                                   \
        ck_assert_msg(st_ == (status), "%s gave %s (%s), wanted %s", #call,                        \
                      ads_status_string(st_), ads_last_error(), ads_status_string(status));        \
        ck_assert_msg(strstr(ads_last_error(), phrase) != NULL, "%s: message \"%s\" lacks \"%s\"", \
                      #call, ads_last_error(), phrase);                                            \
    } while (0)

static ads_status fwd(fixture *f, const ads_conv_desc *d, ads_sampling at)
{
    return ads_gconv_forward(f->ctx, d, f->x, f->w, f->b, at, f->y);
}

START_TEST(null_arguments)
{
    fixture f;
    setup(&f);
    ads_sampling fixed = {0}, sep = {f.py, f.px, NULL};
    ads_sampling_grad none = {0};
    expect(ads_gconv_forward(NULL, &f.d, f.x, f.w, f.b, fixed, f.y), ADS_ERR_NULL_ARGUMENT,
           "ctx is NULL");
    expect(ads_gconv_forward(f.ctx, NULL, f.x, f.w, f.b, fixed, f.y), ADS_ERR_NULL_ARGUMENT,
           "desc is NULL");
    expect(ads_gconv_forward(f.ctx, &f.d, NULL, f.w, f.b, fixed, f.y), ADS_ERR_NULL_ARGUMENT,
           "x is NULL");
    expect(ads_gconv_forward(f.ctx, &f.d, f.x, NULL, f.b, fixed, f.y), ADS_ERR_NULL_ARGUMENT,
           "w is NULL");
    expect(ads_gconv_forward(f.ctx, &f.d, f.x, f.w, f.b, fixed, NULL), ADS_ERR_NULL_ARGUMENT,
           "y is NULL");
    ads_sampling half = {f.py, NULL, NULL};
    expect(fwd(&f, &f.d, half), ADS_ERR_NULL_ARGUMENT, "at.px is NULL");
    half = (ads_sampling){NULL, f.px, NULL};
    expect(fwd(&f, &f.d, half), ADS_ERR_NULL_ARGUMENT, "at.py is NULL");
    expect(ads_gconv_backward(f.ctx, &f.d, f.x, f.w, sep, NULL, f.gx, f.gw, f.gb, none),
           ADS_ERR_NULL_ARGUMENT, "gy is NULL");
    expect(ads_gconv_backward(NULL, &f.d, f.x, f.w, sep, f.gy, f.gx, f.gw, f.gb, none),
           ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    teardown(&f);
}
END_TEST

START_TEST(invalid_desc_values)
{
    fixture f;
    setup(&f);
    ads_sampling fixed = {0}, sep = {f.py, f.px, NULL};
    struct {
        int *field, value;
        const char *phrase;
    } bad[] = {{&f.d.kh, 0, "desc->kh is 0"},
               {&f.d.kw, -1, "desc->kw is -1"},
               {&f.d.dil_h, 0, "desc->dil_h is 0"},
               {&f.d.dil_w, -3, "desc->dil_w is -3"},
               {&f.d.pad_h, -1, "desc->pad_h is -1"},
               {&f.d.pad_w, -2, "desc->pad_w is -2"},
               {&f.d.groups, 0, "desc->groups is 0"},
               {&f.d.groups, 3, "divide Cin = 4"},
               {&f.d.groups, 4, "divide Cout = 6"},
               {&f.d.stride_h, 0, "desc->stride_h is 0"},
               {&f.d.stride_w, -1, "desc->stride_w is -1"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int keep = *bad[i].field;
        *bad[i].field = bad[i].value;
        expect(fwd(&f, &f.d, fixed), ADS_ERR_INVALID_ARGUMENT, bad[i].phrase);
        ads_sampling_grad none = {0};
        expect(ads_gconv_backward(f.ctx, &f.d, f.x, f.w, fixed, f.gy, f.gx, f.gw, f.gb, none),
               ADS_ERR_INVALID_ARGUMENT, bad[i].phrase);
        *bad[i].field = keep;
    }
    /* With positions the stride is not used: 0 is accepted. */
    ads_conv_desc d = f.d;
    d.stride_h = d.stride_w = 0;
    int64_t ys[4] = {2, 6, 6, 4};
    ads_tensor *y = gc_filled(f.ctx, 4, ys, 777.0f);
    ck_assert_ads_ok(ads_gconv_forward(f.ctx, &d, f.x, f.w, f.b, sep, y));
    ck_assert(!gc_all_equal(y, 777.0f));
    ads_tensor_release(y);
    teardown(&f);
}
END_TEST

START_TEST(shape_mismatches)
{
    fixture f;
    setup(&f);
    ads_sampling fixed = {0}, sep = {f.py, f.px, NULL};
    int64_t s3[3] = {2, 4, 30}, wbad[4] = {6, 4, 3, 2}, wk[4] = {6, 2, 2, 2}, bbad[1] = {5};
    int64_t ybad[4] = {2, 6, 5, 4}, pybad[2] = {3, 6}, px1[1] = {4}, gbad[4] = {2, 6, 4, 3};
    ads_tensor *x3 = gc_filled(f.ctx, 3, s3, 0), *wb = gc_filled(f.ctx, 4, wbad, 0),
               *wkb = gc_filled(f.ctx, 4, wk, 0), *bb = gc_filled(f.ctx, 1, bbad, 0),
               *yb = gc_filled(f.ctx, 4, ybad, 777.0f), *pyb = gc_filled(f.ctx, 2, pybad, 0),
               *pxb = gc_filled(f.ctx, 1, px1, 0), *gb4 = gc_filled(f.ctx, 4, gbad, 0);
    expect(ads_gconv_forward(f.ctx, &f.d, x3, f.w, f.b, fixed, f.y), ADS_ERR_SHAPE_MISMATCH,
           "x has shape [2, 4, 30]");
    expect(ads_gconv_forward(f.ctx, &f.d, f.x, wb, f.b, fixed, f.y), ADS_ERR_SHAPE_MISMATCH,
           "w has shape [6, 4, 3, 2]; expected [6, 2, 3, 2]");
    expect(ads_gconv_forward(f.ctx, &f.d, f.x, wkb, f.b, fixed, f.y), ADS_ERR_SHAPE_MISMATCH,
           "w has shape [6, 2, 2, 2]");
    expect(ads_gconv_forward(f.ctx, &f.d, f.x, f.w, bb, fixed, f.y), ADS_ERR_SHAPE_MISMATCH,
           "b has shape [5]; expected [6]");
    expect(ads_gconv_forward(f.ctx, &f.d, f.x, f.w, f.b, fixed, yb), ADS_ERR_SHAPE_MISMATCH,
           "y has shape [2, 6, 5, 4]; expected [2, 6, 6, 4]");
    ads_sampling s = {pyb, f.px, NULL};
    expect(fwd(&f, &f.d, s), ADS_ERR_SHAPE_MISMATCH, "at.py has shape [3, 6]");
    s = (ads_sampling){f.py, pxb, NULL};
    expect(fwd(&f, &f.d, s), ADS_ERR_SHAPE_MISMATCH, "at.px has shape [4]");
    s = (ads_sampling){NULL, NULL, gb4};
    expect(fwd(&f, &f.d, s), ADS_ERR_SHAPE_MISMATCH, "at.grid has shape [2, 6, 4, 3]");
    s = (ads_sampling){f.py, f.px, f.grid};
    expect(fwd(&f, &f.d, s), ADS_ERR_INVALID_ARGUMENT, "at.grid and at.py/at.px are both given");
    /* The positions decide Ho and Wo: y of the fixed grid no longer fits. */
    ads_tensor *py4 = gc_filled(f.ctx, 2, (int64_t[]){2, 3}, 0);
    s = (ads_sampling){py4, f.px, NULL};
    expect(fwd(&f, &f.d, s), ADS_ERR_SHAPE_MISMATCH,
           "y has shape [2, 6, 6, 4]; expected [2, 6, 3, 4]");
    ads_conv_desc big = f.d;
    big.kh = 5, big.dil_h = 2; /* a 9-row window on 6 rows with pad 1 */
    ads_tensor *wbig = gc_filled(f.ctx, 4, (int64_t[]){6, 2, 5, 2}, 0);
    expect(ads_gconv_forward(f.ctx, &big, f.x, wbig, f.b, fixed, f.y), ADS_ERR_SHAPE_MISMATCH,
           "does not fit");
    ads_tensor *t[10] = {x3, wb, wkb, bb, yb, pyb, pxb, gb4, py4, wbig};
    ck_assert(gc_all_equal(yb, 777.0f));
    for (int i = 0; i < 10; i++) ads_tensor_release(t[i]);
    (void)sep;
    teardown(&f);
}
END_TEST

START_TEST(backward_argument_errors)
{
    fixture f;
    setup(&f);
    ads_sampling fixed = {0}, sep = {f.py, f.px, NULL}, grid = {NULL, NULL, f.grid};
    ads_sampling_grad gsep = {f.gpy, f.gpx, NULL}, ggrid = {NULL, NULL, f.ggrid};
    int64_t ybad[4] = {2, 6, 6, 5}, xbad[4] = {2, 4, 6, 4}, wbad[4] = {6, 2, 3, 3}, bbad[1] = {7},
            pbad[2] = {2, 5};
    ads_tensor *gyb = gc_filled(f.ctx, 4, ybad, 0), *gxb = gc_filled(f.ctx, 4, xbad, 777.0f),
               *gwb = gc_filled(f.ctx, 4, wbad, 777.0f), *gbb = gc_filled(f.ctx, 1, bbad, 777.0f),
               *gpb = gc_filled(f.ctx, 2, pbad, 777.0f);
#define BWD(at, gy, gx, gw, gb, gat)                                                               \
    ads_gconv_backward(f.ctx, &f.d, f.x, f.w, at, gy, gx, gw, gb, gat)
    expect(BWD(sep, gyb, f.gx, f.gw, f.gb, gsep), ADS_ERR_SHAPE_MISMATCH,
           "gy has shape [2, 6, 6, 5]");
    expect(BWD(sep, f.gy, gxb, f.gw, f.gb, gsep), ADS_ERR_SHAPE_MISMATCH,
           "gx has shape [2, 4, 6, 4]");
    expect(BWD(sep, f.gy, f.gx, gwb, f.gb, gsep), ADS_ERR_SHAPE_MISMATCH,
           "gw has shape [6, 2, 3, 3]");
    expect(BWD(sep, f.gy, f.gx, f.gw, gbb, gsep), ADS_ERR_SHAPE_MISMATCH, "gb has shape [7]");
    ads_sampling_grad g = {f.gpy, gpb, NULL};
    expect(BWD(sep, f.gy, f.gx, f.gw, f.gb, g), ADS_ERR_SHAPE_MISMATCH, "gat.px has shape [2, 5]");
    g = (ads_sampling_grad){gpb, NULL, NULL};
    expect(BWD(sep, f.gy, f.gx, f.gw, f.gb, g), ADS_ERR_SHAPE_MISMATCH, "gat.py has shape [2, 5]");
    expect(BWD(fixed, f.gy, f.gx, f.gw, f.gb, gsep), ADS_ERR_INVALID_ARGUMENT,
           "no position gradient");
    expect(BWD(fixed, f.gy, f.gx, f.gw, f.gb, ggrid), ADS_ERR_INVALID_ARGUMENT,
           "gat.grid is given");
    expect(BWD(sep, f.gy, f.gx, f.gw, f.gb, ggrid), ADS_ERR_INVALID_ARGUMENT,
           "use gat.py and gat.px");
    expect(BWD(grid, f.gy, f.gx, f.gw, f.gb, gsep), ADS_ERR_INVALID_ARGUMENT, "use gat.grid");
    ads_tensor *gy4 = gc_filled(f.ctx, 4, (int64_t[]){2, 6, 6, 4}, 0);
    g = (ads_sampling_grad){NULL, NULL, gy4};
    expect(BWD(grid, f.gy, f.gx, f.gw, f.gb, g), ADS_ERR_SHAPE_MISMATCH,
           "gat.grid has shape [2, 6, 6, 4]");
    /* Outputs must not alias inputs or each other. */
    g = (ads_sampling_grad){f.py, NULL, NULL};
    expect(BWD(sep, f.gy, f.gx, f.gw, f.gb, g), ADS_ERR_INVALID_ARGUMENT,
           "gat.py is the same tensor as at.py");
    /* A same-size layer (3x3, pad 1, Cin = Cout) where y could be x. */
    ads_conv_desc same = {.kh = 3,
                          .kw = 3,
                          .stride_h = 1,
                          .stride_w = 1,
                          .pad_h = 1,
                          .pad_w = 1,
                          .dil_h = 1,
                          .dil_w = 1,
                          .groups = 1};
    ads_tensor *xs = gc_filled(f.ctx, 4, (int64_t[]){1, 2, 4, 4}, 3.0f);
    ads_tensor *ws = gc_filled(f.ctx, 4, (int64_t[]){2, 2, 3, 3}, 1.0f);
    expect(ads_gconv_forward(f.ctx, &same, xs, ws, NULL, fixed, xs), ADS_ERR_INVALID_ARGUMENT,
           "y is the same tensor as x");
    ck_assert(gc_all_equal(xs, 3.0f));
    ads_tensor_release(xs);
    ads_tensor_release(ws);
#undef BWD
    ck_assert(gc_all_equal(gxb, 777.0f) && gc_all_equal(gwb, 777.0f) && gc_all_equal(gbb, 777.0f) &&
              gc_all_equal(gpb, 777.0f));
    ads_tensor *t[6] = {gyb, gxb, gwb, gbb, gpb, gy4};
    for (int i = 0; i < 6; i++) ads_tensor_release(t[i]);
    teardown(&f);
}
END_TEST

/* A tensor of another context is refused. */
/* The kernels index a plane with 32-bit ints (i*s - pad + t*dil): the
   window's reach dil*(k-1) and the padding are bounded by 2^28 as in
   pooling, also where positions are given and no output size is
   computed from them (issue 15). */
START_TEST(window_span_bounds)
{
    fixture f;
    setup(&f);
    ads_sampling sep = {f.py, f.px, NULL}, grid = {NULL, NULL, f.grid};
    ads_sampling_grad none = {0};
    ads_conv_desc far = f.d;
    far.dil_h = 1 << 28; /* (kh - 1) * dil_h = 2^29 */
    expect(fwd(&f, &far, sep), ADS_ERR_TOO_LARGE, "spans more than 2^28");
    expect(ads_gconv_backward(f.ctx, &far, f.x, f.w, grid, f.gy, f.gx, f.gw, f.gb, none),
           ADS_ERR_TOO_LARGE, "desc->dil_h 268435456");
    far = f.d;
    far.dil_w = 1 << 29; /* kw = 2: (kw - 1) * dil_w = 2^29 */
    expect(fwd(&f, &far, grid), ADS_ERR_TOO_LARGE, "desc->dil_w 536870912");
    ads_conv_desc padded = f.d;
    padded.pad_h = (1 << 28) + 1;
    expect(fwd(&f, &padded, sep), ADS_ERR_TOO_LARGE, "desc->pad_h 268435457");
    padded = f.d;
    padded.pad_w = INT_MAX;
    expect(fwd(&f, &padded, grid), ADS_ERR_TOO_LARGE, "spans more than 2^28");
    /* The bound itself is accepted: the window may reach 2^28 pixels. */
    ads_conv_desc edge = f.d;
    edge.dil_h = 1 << 27; /* (kh - 1) * dil_h = 2^28 */
    edge.pad_w = 1 << 28;
    ck_assert_int_eq(fwd(&f, &edge, sep), ADS_OK);
    ck_assert(!gc_all_equal(f.y, 777.0f));
    ck_assert_int_eq(ads_fill(f.ctx, f.y, 777.0f), ADS_OK); /* for teardown's check */
    teardown(&f);
}
END_TEST

START_TEST(tensor_of_another_context)
{
    fixture f;
    setup(&f);
    ads_context *other = test_context();
    ads_tensor *x2 = gc_filled(other, 4, (int64_t[]){2, 4, 6, 5}, 0);
    ads_sampling fixed = {0};
    expect(ads_gconv_forward(f.ctx, &f.d, x2, f.w, f.b, fixed, f.y), ADS_ERR_INVALID_ARGUMENT,
           "x belongs to another context");
    ads_tensor_release(x2);
    ads_context_release(other);
    teardown(&f);
}
END_TEST

/* ADS_CHECK=1 rejects non-finite data but never positions (NaN reads 0). */
START_TEST(check_finite_inputs)
{
    fixture f;
    setup(&f);
    f.ctx->check_finite = true;
    float *h = test_read(f.w);
    h[7] = INFINITY;
    ads_tensor *wbad = gc_filled(f.ctx, 4, (int64_t[]){6, 2, 3, 2}, 0);
    ck_assert_ads_ok(ads_tensor_write(wbad, h, ads_tensor_count(wbad)));
    free(h);
    ads_sampling fixed = {0};
    expect(ads_gconv_forward(f.ctx, &f.d, f.x, wbad, f.b, fixed, f.y), ADS_ERR_NON_FINITE, "w[7]");
    ads_sampling_grad none = {0};
    expect(ads_gconv_backward(f.ctx, &f.d, f.x, wbad, fixed, f.gy, f.gx, NULL, NULL, none),
           ADS_ERR_NON_FINITE, "w[7]");
    ads_tensor *pnan = gc_filled(f.ctx, 2, (int64_t[]){2, 6}, NAN);
    ads_tensor *y = gc_filled(f.ctx, 4, (int64_t[]){2, 6, 6, 4}, 777.0f);
    ads_sampling sep = {pnan, f.px, NULL};
    ck_assert_ads_ok(ads_gconv_forward(f.ctx, &f.d, f.x, f.w, f.b, sep, y));
    float *hy = test_read(y);
    for (int i = 0; i < 2 * 6 * 6 * 4; i++) ck_assert_float_eq(hy[i], 1.0f); /* the bias alone */
    free(hy);
    ads_tensor_release(y);
    ads_tensor_release(pnan);
    ads_tensor_release(wbad);
    teardown(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gconv_errors");
    TCase *tc = tcase_create("gconv_errors");
    tcase_add_test(tc, null_arguments);
    tcase_add_test(tc, invalid_desc_values);
    tcase_add_test(tc, shape_mismatches);
    tcase_add_test(tc, backward_argument_errors);
    tcase_add_test(tc, window_span_bounds);
    tcase_add_test(tc, tensor_of_another_context);
    tcase_add_test(tc, check_finite_inputs);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
