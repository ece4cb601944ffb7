/* Stride logits -> sampling positions (docs/design.md 1.1), and back: one
   launch per call, one work-group per row (cl/stride_positions.cl). */
#include <limits.h>
#include <math.h>

#include "launch.h"
#include "ops_device.h"

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
        return ads_fail(ADS_ERR_TOO_LARGE,
                        "logits is %lld x %lld; each dimension must be below 2^31",
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

/* Runs the launch over one work-group per row, the group's scratch as
   its last argument. */
static ads_status run_rows(ads_launcher *l, const ads_tensor *logits)
{
    size_t group = ads_launch_group_pow2(l, GROUP_SIZE);
    ads_launch_local(l, group * sizeof(float));
    size_t global = (size_t)logits->shape[0] * group;
    return ads_launch_run(l, 1, &global, &group);
}

ads_status ads_stride_positions_on_device(ads_context *ctx, const ads_device *dev,
                                          const ads_tensor *logits, float stride, float origin,
                                          float temperature, ads_tensor *pos)
{
    ADS_TRY(check_common(ctx, logits, stride, temperature));
    ADS_TRY(check_scalar("origin", origin, false));
    ADS_TRY(ads_check_tensor(pos, ctx, "pos"));
    ADS_TRY(ads_check_shape(pos, "pos", 2, logits->shape));
    ADS_TRY(ads_check_finite(logits, "logits"));

    (void)dev; /* the launch builder sizes the groups for it */
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", "stride_positions");
    ads_launch_in(&l, logits);
    ads_launch_out(&l, pos);
    ads_launch_int(&l, (int)logits->shape[1]);
    ads_launch_float(&l, stride);
    ads_launch_float(&l, origin);
    ads_launch_float(&l, temperature);
    return run_rows(&l, logits);
}

ads_status ads_stride_positions_backward_on_device(ads_context *ctx, const ads_device *dev,
                                                   const ads_tensor *logits, float stride,
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

    (void)dev; /* the launch builder sizes the groups for it */
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", "stride_positions_backward");
    ads_launch_in(&l, logits);
    ads_launch_in(&l, gpos);
    ads_launch_out(&l, glogits);
    ads_launch_int(&l, (int)logits->shape[1]);
    ads_launch_float(&l, stride);
    ads_launch_float(&l, temperature);
    return run_rows(&l, logits);
}
