/* Small device operations the layers are built from. */
#include "internal.h"

ads_status ads_accumulate(ads_context *ctx, ads_tensor *dst, const ads_tensor *src)
{
    if (dst->count != src->count)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH, "accumulate: %zu elements into %zu", src->count,
                        dst->count);
    cl_kernel k;
    ADS_TRY(ads_get_kernel(ctx, "util", "", "add_floats", &k));
    ADS_TRY(ads_arg_mem(k, 0, dst));
    ADS_TRY(ads_arg_mem(k, 1, src));
    ADS_TRY(ads_arg_long(k, 2, (int64_t)dst->count));
    ads_launch l = {.kernel = k, .dims = 1, .global = {dst->count}, .nreads = 1, .nwrites = 1};
    l.reads[0] = src;
    l.writes[0] = dst;
    return ads_enqueue(ctx, &l);
}

ads_status ads_uniform_positions(ads_context *ctx, ads_tensor *pos, float stride)
{
    cl_kernel k;
    int len = (int)pos->shape[pos->ndim - 1];
    ADS_TRY(ads_get_kernel(ctx, "util", "", "uniform_positions", &k));
    ADS_TRY(ads_arg_mem(k, 0, pos));
    ADS_TRY(ads_arg_int(k, 1, len));
    ADS_TRY(ads_arg_float(k, 2, stride));
    ADS_TRY(ads_arg_long(k, 3, (int64_t)pos->count));
    ads_launch l = {.kernel = k, .dims = 1, .global = {pos->count}, .nwrites = 1};
    l.writes[0] = pos;
    return ads_enqueue(ctx, &l);
}
