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

    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", "global_avg_pool_forward");
    ads_launch_in(&l, x);
    ads_launch_out(&l, y);
    ads_launch_long(&l, (int64_t)y->count);
    ads_launch_long(&l, x->shape[2] * x->shape[3]);
    return ads_train_run_1d(&l, y->count);
}

ads_status ads_global_avg_pool_backward(ads_context *ctx, const ads_tensor *gy, ads_tensor *gx)
{
    ADS_TRY(ads_train_check_ctx(ctx));
    ADS_TRY(ads_check_tensor(gy, ctx, "gy"));
    ADS_TRY(ads_check_tensor(gx, ctx, "gx"));
    ADS_TRY(check_x4(gx, "gx"));
    ADS_TRY(ads_check_shape(gy, "gy", 2, gx->shape));
    ADS_TRY(ads_check_finite(gy, "gy"));

    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", "global_avg_pool_backward");
    ads_launch_in(&l, gy);
    ads_launch_out(&l, gx);
    ads_launch_long(&l, (int64_t)gx->count);
    ads_launch_long(&l, gx->shape[2] * gx->shape[3]);
    return ads_train_run_1d(&l, gx->count);
}
