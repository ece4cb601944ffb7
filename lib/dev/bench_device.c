/* The kernels that measure a device's own limits for the benchmark
   (cl/bench_device.cl), one launch each. */
#include "adastride_dev.h"
#include "internal.h"

ads_status ads_dev_fma_peak(ads_context *ctx, ads_tensor *out, int iters)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    ADS_TRY(ads_check_tensor(out, ctx, "out"));
    if (iters < 1) return ads_fail(ADS_ERR_INVALID_ARGUMENT, "iters is %d; it must be >= 1", iters);
    cl_kernel k;
    ADS_TRY(ads_get_kernel(ctx, "bench_device", "", "fma_peak", &k));
    ADS_TRY(ads_arg_mem(k, 0, out));
    ADS_TRY(ads_arg_int(k, 1, iters));
    ADS_TRY(ads_arg_float(k, 2, 0.5f));
    ads_launch l = {.kernel = k, .dims = 1, .global = {out->count}, .nwrites = 1};
    l.writes[0] = out;
    return ads_enqueue(ctx, &l);
}

ads_status ads_dev_copy(ads_context *ctx, const ads_tensor *src, ads_tensor *dst)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    ADS_TRY(ads_check_tensor(src, ctx, "src"));
    ADS_TRY(ads_check_tensor(dst, ctx, "dst"));
    if (src->count != dst->count || src->count % 4 != 0)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH, "src holds %zu elements and dst %zu; they must "
                        "be equal and a multiple of 4", src->count, dst->count);
    cl_kernel k;
    ADS_TRY(ads_get_kernel(ctx, "bench_device", "", "copy_float4", &k));
    ADS_TRY(ads_arg_mem(k, 0, src));
    ADS_TRY(ads_arg_mem(k, 1, dst));
    ads_launch l = {.kernel = k, .dims = 1, .global = {src->count / 4}, .nreads = 1,
                    .nwrites = 1};
    l.reads[0] = src;
    l.writes[0] = dst;
    return ads_enqueue(ctx, &l);
}
