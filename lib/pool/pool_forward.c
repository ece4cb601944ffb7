/* Pooling forward (docs/design.md 1.5) on one device; pool_api.c holds the
   public entry points. The kernels are in cl/pool.cl; checks and the
   launch in pool_common.c. */
#include "ops_device.h"
#include "pool_common.h"

ads_status ads_pool_forward_ex_on_device(ads_context *ctx, const ads_device *dev,
                                         const ads_pool_desc *d, const ads_tensor *x,
                                         ads_sampling at, ads_tensor *y, ads_tensor *argmax)
{
    pool_call c;
    ADS_TRY(ads_pool_prepare(ctx, dev, d, x, at, &c));
    ADS_TRY(ads_pool_check_output_shape(&c, y, "y"));
    ADS_TRY(ads_pool_check_argmax(&c, argmax));
    const ads_tensor *others[] = {x, at.py, at.px, at.grid, y};
    const char *names[] = {"x", "at.py", "at.px", "at.grid", "y"};
    ADS_TRY(ads_check_distinct(y, "y", others, names, 4));
    ADS_TRY(ads_check_distinct(argmax, "argmax", others, names, 5));
    ADS_TRY(ads_check_finite(x, "x"));
    return ads_pool_enqueue_forward(ctx, &c, y, argmax);
}
