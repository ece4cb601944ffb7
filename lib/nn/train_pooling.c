/* Global average pooling: N x C x H x W -> N x C, and back. */
#include "train_common.h"

#define SOURCE "train_elementwise"

static ads_status check_x4(const ads_tensor *t, const char *name)
{
    if (t->ndim == 4) return ADS_OK;
    char buf[128];
    return ads_fail(ADS_ERR_SHAPE_MISMATCH, "%s has shape %s; expected N x C x H x W", name,
                    ads_shape_str(t, buf, sizeof buf));
}

ads_status ads_global_avg_pool_forward(ads_context *ctx, const ads_tensor *x, ads_tensor *y)
{
    ADS_TRY(ads_train_check_ctx(ctx));
    ADS_TRY(ads_check_tensor(x, ctx, "x"));
    ADS_TRY(check_x4(x, "x"));
    ADS_TRY(ads_check_tensor(y, ctx, "y"));
    ADS_TRY(ads_check_shape(y, "y", 2, x->shape));
    ADS_TRY(ads_check_finite(x, "x"));

    cl_kernel k;
    ADS_TRY(ads_get_kernel(ctx, SOURCE, "", "global_avg_pool_forward", &k));
    ADS_TRY(ads_arg_mem(k, 0, x));
    ADS_TRY(ads_arg_mem(k, 1, y));
    ADS_TRY(ads_arg_long(k, 2, (int64_t)y->count));
    ADS_TRY(ads_arg_long(k, 3, x->shape[2] * x->shape[3]));
    return ads_train_launch_1d(ctx, k, y->count, &x, 1, &y, 1);
}

ads_status ads_global_avg_pool_backward(ads_context *ctx, const ads_tensor *gy, ads_tensor *gx)
{
    ADS_TRY(ads_train_check_ctx(ctx));
    ADS_TRY(ads_check_tensor(gy, ctx, "gy"));
    ADS_TRY(ads_check_tensor(gx, ctx, "gx"));
    ADS_TRY(check_x4(gx, "gx"));
    ADS_TRY(ads_check_shape(gy, "gy", 2, gx->shape));
    ADS_TRY(ads_check_finite(gy, "gy"));

    cl_kernel k;
    ADS_TRY(ads_get_kernel(ctx, SOURCE, "", "global_avg_pool_backward", &k));
    ADS_TRY(ads_arg_mem(k, 0, gy));
    ADS_TRY(ads_arg_mem(k, 1, gx));
    ADS_TRY(ads_arg_long(k, 2, (int64_t)gx->count));
    ADS_TRY(ads_arg_long(k, 3, gx->shape[2] * gx->shape[3]));
    return ads_train_launch_1d(ctx, k, gx->count, &gy, 1, &gx, 1);
}
