/* The fully connected layer on ads_gemm: y = x w^T + b and its backward. */
#include <limits.h>

#include "gemm.h"
#include "train_common.h"

#define SOURCE "train_elementwise"

/* The layer's sizes: x is N x in (trailing dimensions flattened), w is
   out x in. */
typedef struct {
    int64_t n, in, out;
} dense_dims;

static ads_status dense_shapes(const ads_context *ctx, const ads_tensor *x, const ads_tensor *w,
                               dense_dims *d)
{
    ADS_TRY(ads_check_tensor(x, ctx, "x"));
    ADS_TRY(ads_check_tensor(w, ctx, "w"));
    char buf[128];
    if (x->ndim < 2)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH,
                        "x has shape %s; expected N x in (2 or more dimensions)",
                        ads_shape_str(x, buf, sizeof buf));
    if (w->ndim != 2)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH, "w has shape %s; expected out x in",
                        ads_shape_str(w, buf, sizeof buf));
    d->n = x->shape[0];
    d->in = (int64_t)(x->count / (size_t)d->n);
    d->out = w->shape[0];
    if (w->shape[1] != d->in)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH,
                        "w has shape %s but x has %lld features per row; expected w [%lld, %lld]",
                        ads_shape_str(w, buf, sizeof buf), (long long)d->in, (long long)d->out,
                        (long long)d->in);
    if (d->n > INT_MAX || d->in > INT_MAX || d->out > INT_MAX)
        return ads_fail(ADS_ERR_TOO_LARGE,
                        "the layer is %lld x %lld -> %lld; each size must be "
                        "below 2^31",
                        (long long)d->n, (long long)d->in, (long long)d->out);
    return ADS_OK;
}

static ads_status check_forward(ads_context *ctx, const ads_tensor *x, const ads_tensor *w,
                                const ads_tensor *b, ads_tensor *y, dense_dims *d)
{
    ADS_TRY(ads_train_check_ctx(ctx));
    ADS_TRY(dense_shapes(ctx, x, w, d));
    if (b) {
        ADS_TRY(ads_check_tensor(b, ctx, "b"));
        ADS_TRY(ads_check_shape(b, "b", 1, &d->out));
    }
    ADS_TRY(ads_check_tensor(y, ctx, "y"));
    const int64_t ys[2] = {d->n, d->out};
    ADS_TRY(ads_check_shape(y, "y", 2, ys));
    const ads_tensor *in[3] = {x, w, b};
    const char *names[3] = {"x", "w", "b"};
    ADS_TRY(ads_check_distinct(y, "y", in, names, 3));
    ADS_TRY(ads_check_finite(x, "x"));
    ADS_TRY(ads_check_finite(w, "w"));
    return ads_check_finite(b, "b");
}

ads_status ads_dense_forward(ads_context *ctx, const ads_tensor *x, const ads_tensor *w,
                             const ads_tensor *b, ads_tensor *y)
{
    dense_dims d;
    ADS_TRY(check_forward(ctx, x, w, b, y, &d));
    ads_gemm_args g = {.M = (size_t)d.n,
                       .N = (size_t)d.out,
                       .K = (size_t)d.in,
                       .batch = 1,
                       .trans_b = true,
                       .alpha = 1.0f,
                       .beta = 0.0f,
                       .a = x,
                       .lda = (size_t)d.in,
                       .b = w,
                       .ldb = (size_t)d.in,
                       .c = y,
                       .ldc = (size_t)d.out};
    ADS_TRY(ads_gemm(ctx, &g));
    if (!b) return ADS_OK;
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", "add_row_bias");
    ads_launch_inout(&l, y);
    ads_launch_in(&l, b);
    ads_launch_int(&l, (int)d.n);
    ads_launch_int(&l, (int)d.out);
    return ads_launch_run(&l, 2, (size_t[]){(size_t)d.out, (size_t)d.n}, NULL);
}

static ads_status check_backward(ads_context *ctx, const ads_tensor *x, const ads_tensor *w,
                                 const ads_tensor *gy, ads_tensor *gx, ads_tensor *gw,
                                 ads_tensor *gb, dense_dims *d)
{
    ADS_TRY(ads_train_check_ctx(ctx));
    ADS_TRY(dense_shapes(ctx, x, w, d));
    ADS_TRY(ads_check_tensor(gy, ctx, "gy"));
    const int64_t ys[2] = {d->n, d->out};
    ADS_TRY(ads_check_shape(gy, "gy", 2, ys));
    if (gx) ADS_TRY(ads_train_check_same(gx, ctx, "gx", x));
    if (gw) ADS_TRY(ads_train_check_same(gw, ctx, "gw", w));
    if (gb) {
        ADS_TRY(ads_check_tensor(gb, ctx, "gb"));
        ADS_TRY(ads_check_shape(gb, "gb", 1, &d->out));
    }
    const ads_tensor *all[5] = {x, w, gy, gx, gw};
    const char *names[5] = {"x", "w", "gy", "gx", "gw"};
    ADS_TRY(ads_check_distinct(gx, "gx", all, names, 3));
    ADS_TRY(ads_check_distinct(gw, "gw", all, names, 4));
    ADS_TRY(ads_check_distinct(gb, "gb", all, names, 5));
    ADS_TRY(ads_check_finite(x, "x"));
    ADS_TRY(ads_check_finite(w, "w"));
    return ads_check_finite(gy, "gy");
}

static ads_status bias_grad(ads_context *ctx, const ads_tensor *gy, ads_tensor *gb,
                            const dense_dims *d)
{
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", "column_sums");
    ads_launch_in(&l, gy);
    ads_launch_out(&l, gb);
    ads_launch_int(&l, (int)d->n);
    ads_launch_int(&l, (int)d->out);
    return ads_train_run_1d(&l, (size_t)d->out);
}

ads_status ads_dense_backward(ads_context *ctx, const ads_tensor *x, const ads_tensor *w,
                              const ads_tensor *gy, ads_tensor *gx, ads_tensor *gw, ads_tensor *gb)
{
    dense_dims d;
    ADS_TRY(check_backward(ctx, x, w, gy, gx, gw, gb, &d));
    size_t n = (size_t)d.n, in = (size_t)d.in, out = (size_t)d.out;
    if (gx) {
        /* gx [N x in] = gy [N x out] * w [out x in] */
        ads_gemm_args g = {.M = n,
                           .N = in,
                           .K = out,
                           .batch = 1,
                           .alpha = 1.0f,
                           .beta = 0.0f,
                           .a = gy,
                           .lda = out,
                           .b = w,
                           .ldb = in,
                           .c = gx,
                           .ldc = in};
        ADS_TRY(ads_gemm(ctx, &g));
    }
    if (gw) {
        /* gw [out x in] = gy^T [out x N] * x [N x in] */
        ads_gemm_args g = {.M = out,
                           .N = in,
                           .K = n,
                           .batch = 1,
                           .trans_a = true,
                           .alpha = 1.0f,
                           .beta = 0.0f,
                           .a = gy,
                           .lda = out,
                           .b = x,
                           .ldb = in,
                           .c = gw,
                           .ldc = in};
        ADS_TRY(ads_gemm(ctx, &g));
    }
    return gb ? bias_grad(ctx, gy, gb, &d) : ADS_OK;
}
