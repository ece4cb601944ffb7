/* The kernels that measure a device's own limits for the benchmark
   (cl/bench_device.cl), one launch each. */
#include <stdio.h>

#include "adastride_dev.h"
#include "launch.h"
#include "tuning.h"

int ads_dev_fma_chains(ads_context *ctx) { return ctx ? ads_tune(ctx, "bench.fma_chains") : 0; }

ads_status ads_dev_fma_peak(ads_context *ctx, ads_tensor *out, int iters, size_t local)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    ADS_TRY(ads_check_tensor(out, ctx, "out"));
    if (iters < 1) return ads_fail(ADS_ERR_INVALID_ARGUMENT, "iters is %d; it must be >= 1", iters);
    if (local && out->count % local != 0)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "local is %zu; out's %zu elements must be a "
                        "multiple of it",
                        local, out->count);
    char options[32];
    snprintf(options, sizeof options, "-DFMA_CHAINS=%d", ads_dev_fma_chains(ctx));
    ads_launcher l;
    ads_launch_kernel(&l, ctx, "bench_device", options, "fma_peak");
    ads_launch_out(&l, out);
    ads_launch_int(&l, iters);
    ads_launch_float(&l, 0.5f);
    return ads_launch_run(&l, 1, (size_t[]){out->count}, local ? (size_t[]){local} : NULL);
}

ads_status ads_dev_copy(ads_context *ctx, const ads_tensor *src, ads_tensor *dst)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    ADS_TRY(ads_check_tensor(src, ctx, "src"));
    ADS_TRY(ads_check_tensor(dst, ctx, "dst"));
    if (src->count != dst->count || src->count % 4 != 0)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH,
                        "src holds %zu elements and dst %zu; they must "
                        "be equal and a multiple of 4",
                        src->count, dst->count);
    ads_launcher l;
    ads_launch_kernel(&l, ctx, "bench_device", "", "copy_float4");
    ads_launch_in(&l, src);
    ads_launch_out(&l, dst);
    return ads_launch_run(&l, 1, (size_t[]){src->count / 4}, NULL);
}

ads_status ads_dev_empty_launch(ads_context *ctx, ads_tensor *out)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    ADS_TRY(ads_check_tensor(out, ctx, "out"));
    ads_launcher l;
    ads_launch_kernel(&l, ctx, "bench_device", "", "empty_launch");
    ads_launch_out(&l, out);
    return ads_launch_run(&l, 1, (size_t[]){1}, (size_t[]){1});
}

int ads_dev_launches(const ads_context *ctx) { return ctx && ctx->profiling ? ctx->nprofile : -1; }
