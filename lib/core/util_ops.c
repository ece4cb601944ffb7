/* Small device operations the layers are built from. */
#include "util_ops.h"

#include "launch.h"

ads_status ads_accumulate(ads_context *ctx, ads_tensor *dst, const ads_tensor *src)
{
    if (dst->count != src->count)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH, "accumulate: %zu elements into %zu", src->count,
                        dst->count);
    ads_launcher l;
    ads_launch_kernel(&l, ctx, "util", "", "add_floats");
    ads_launch_inout(&l, dst);
    ads_launch_in(&l, src);
    ads_launch_long(&l, (int64_t)dst->count);
    return ads_launch_run(&l, 1, (size_t[]){dst->count}, NULL);
}

ads_status ads_uniform_positions(ads_context *ctx, ads_tensor *pos, float stride)
{
    ads_launcher l;
    ads_launch_kernel(&l, ctx, "util", "", "uniform_positions");
    ads_launch_out(&l, pos);
    ads_launch_int(&l, (int)pos->shape[pos->ndim - 1]);
    ads_launch_float(&l, stride);
    ads_launch_long(&l, (int64_t)pos->count);
    return ads_launch_run(&l, 1, (size_t[]){pos->count}, NULL);
}
