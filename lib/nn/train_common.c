/* Argument checks and launch helpers shared by the training layers. */
#include <math.h>

#include "train_common.h"

ads_status ads_train_check_ctx(const ads_context *ctx)
{
    return ctx ? ADS_OK : ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
}

ads_status ads_train_check_same(const ads_tensor *t, const ads_context *ctx, const char *name,
                                const ads_tensor *ref)
{
    ADS_TRY(ads_check_tensor(t, ctx, name));
    return ads_check_shape(t, name, ref->ndim, ref->shape);
}

ads_status ads_train_check_range(const char *name, float v, double lo, double hi, bool hi_open)
{
    double d = v;
    if (isfinite(v) && d >= lo && d <= hi && !(hi_open && d >= hi)) return ADS_OK;
    if (isinf(hi)) /* no upper bound: "in [0, inf]" would read as if inf were allowed */
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "%s is %g; it must be a finite number >= %g",
                        name, d, lo);
    return ads_fail(ADS_ERR_INVALID_ARGUMENT, "%s is %g; it must be a finite number in [%g, %g%s",
                    name, d, lo, hi, hi_open ? ")" : "]");
}

/* One fixed group size for the element-wise kernels: a size the driver
   chose would vary with the element count, and PoCL compiles a kernel
   anew for every group size it meets (0.1 s each). */
#define TRAIN_LOCAL 64

ads_status ads_train_run_1d(ads_launcher *l, size_t n)
{
    return ads_launch_run(l, 1, &n, (size_t[]){TRAIN_LOCAL});
}

ads_status ads_train_run_planes(ads_launcher *l, size_t pixels, size_t planes)
{
    /* TRAIN_LOCAL work-items a group: a row of pixels, or several short
       rows (several planes) when a plane is small. */
    size_t group = 1;
    while (group < TRAIN_LOCAL && group < pixels) group *= 2;
    return ads_launch_run(l, 2, (size_t[]){pixels, planes}, (size_t[]){group, TRAIN_LOCAL / group});
}
