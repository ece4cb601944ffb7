/* Stride logits -> sampling positions (DESIGN.md 1.1), and back: one
   launch per call, one work-group per row (cl/stride_positions.cl). */
#include <limits.h>
#include <math.h>

#include "ops_device.h"
#include "internal.h"

#define SOURCE "stride_positions"
/* The work-group size asked for: enough work-items to split rows of a few
   thousand logits into short chunks, few enough that the sequential scan
   of the chunk sums stays cheap. Smaller when a device allows less. */
#define GROUP_SIZE 64

/* logits must be N x L with both dimensions usable as kernel ints. */
static ads_status check_logits_shape(const ads_tensor *logits)
{
    if (logits->ndim != 2) {
        char buf[128];
        return ads_fail(ADS_ERR_SHAPE_MISMATCH, "logits has shape %s; expected a 2-D tensor N x L",
                        ads_shape_str(logits, buf, sizeof buf));
    }
    if (logits->shape[0] > INT_MAX || logits->shape[1] > INT_MAX)
        return ads_fail(ADS_ERR_TOO_LARGE, "logits is %lld x %lld; each dimension must be below 2^31",
                        (long long)logits->shape[0], (long long)logits->shape[1]);
    return ADS_OK;
}

/* A float argument that must be finite and, when `positive`, > 0. */
static ads_status check_scalar(const char *name, float v, bool positive)
{
    if (!isfinite(v))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "%s is %g; it must be a finite number%s", name,
                        (double)v, positive ? " > 0" : "");
    if (positive && !(v > 0.0f))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "%s is %g; it must be > 0", name, (double)v);
    return ADS_OK;
}

/* Everything a call reads and writes, checked before any work is queued. */
static ads_status check_common(ads_context *ctx, const ads_tensor *logits, float stride,
                               float temperature)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    ADS_TRY(ads_check_tensor(logits, ctx, "logits"));
    ADS_TRY(check_logits_shape(logits));
    ADS_TRY(check_scalar("stride", stride, true));
    return check_scalar("temperature", temperature, true);
}

/* Enqueues `k` over one work-group per row. `read2` may be NULL; a read
   tensor that is also the output is listed as written only. */
static ads_status launch_rows(ads_context *ctx, cl_kernel k, cl_uint local_arg, size_t group,
                              const ads_tensor *logits, const ads_tensor *read2, ads_tensor *out)
{
    ADS_TRY(ads_arg_local(k, local_arg, group * sizeof(float)));
    ads_launch l = {.kernel = k, .dims = 1, .global = {(size_t)logits->shape[0] * group},
                    .local = {group}, .nwrites = 1};
    l.writes[0] = out;
    if (logits != out) l.reads[l.nreads++] = logits;
    if (read2 && read2 != out) l.reads[l.nreads++] = read2;
    return ads_enqueue(ctx, &l);
}

ads_status ads_stride_positions_on_device(ads_context *ctx, const ads_tensor *logits, float stride,
                                float origin, float temperature, ads_tensor *pos)
{
    ADS_TRY(check_common(ctx, logits, stride, temperature));
    ADS_TRY(check_scalar("origin", origin, false));
    ADS_TRY(ads_check_tensor(pos, ctx, "pos"));
    ADS_TRY(ads_check_shape(pos, "pos", 2, logits->shape));
    ADS_TRY(ads_check_finite(logits, "logits"));

    cl_kernel k;
    size_t group = 1;
    ADS_TRY(ads_get_kernel(ctx, SOURCE, "", "stride_positions", &k));
    ADS_TRY(ads_group_size_pow2(ctx, k, GROUP_SIZE, &group));
    ADS_TRY(ads_arg_mem(k, 0, logits));
    ADS_TRY(ads_arg_mem(k, 1, pos));
    ADS_TRY(ads_arg_int(k, 2, (int)logits->shape[1]));
    ADS_TRY(ads_arg_float(k, 3, stride));
    ADS_TRY(ads_arg_float(k, 4, origin));
    ADS_TRY(ads_arg_float(k, 5, temperature));
    return launch_rows(ctx, k, 6, group, logits, NULL, pos);
}

ads_status ads_stride_positions_backward_on_device(ads_context *ctx, const ads_tensor *logits, float stride,
                                         float temperature, const ads_tensor *gpos,
                                         ads_tensor *glogits)
{
    ADS_TRY(check_common(ctx, logits, stride, temperature));
    ADS_TRY(ads_check_tensor(gpos, ctx, "gpos"));
    ADS_TRY(ads_check_shape(gpos, "gpos", 2, logits->shape));
    ADS_TRY(ads_check_tensor(glogits, ctx, "glogits"));
    ADS_TRY(ads_check_shape(glogits, "glogits", 2, logits->shape));
    /* The kernel keeps partial results in glogits while it still reads the
       logits; gpos may share the buffer (each element is read first). */
    if (glogits == logits)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "glogits is the logits tensor itself; it must be a separate tensor");
    ADS_TRY(ads_check_finite(logits, "logits"));
    ADS_TRY(ads_check_finite(gpos, "gpos"));

    cl_kernel k;
    size_t group = 1;
    ADS_TRY(ads_get_kernel(ctx, SOURCE, "", "stride_positions_backward", &k));
    ADS_TRY(ads_group_size_pow2(ctx, k, GROUP_SIZE, &group));
    ADS_TRY(ads_arg_mem(k, 0, logits));
    ADS_TRY(ads_arg_mem(k, 1, gpos));
    ADS_TRY(ads_arg_mem(k, 2, glogits));
    ADS_TRY(ads_arg_int(k, 3, (int)logits->shape[1]));
    ADS_TRY(ads_arg_float(k, 4, stride));
    ADS_TRY(ads_arg_float(k, 5, temperature));
    return launch_rows(ctx, k, 6, group, logits, gpos, glogits);
}
