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
    if (!isfinite(v) || d < lo || d > hi || (hi_open && d >= hi))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "%s is %g; it must be a finite number in [%g, %g%s",
                        name, d, lo, hi, hi_open ? ")" : "]");
    return ADS_OK;
}

ads_status ads_train_check_distinct(const ads_tensor *out, const char *out_name,
                                    const ads_tensor *const *others, const char *const *names,
                                    int n)
{
    if (!out) return ADS_OK;
    for (int i = 0; i < n; i++)
        if (others[i] == out)
            return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                            "%s is the same tensor as %s; it must be a tensor of its own", out_name,
                            names[i]);
    return ADS_OK;
}

/* One fixed group size for the element-wise kernels: a size the driver
   chose would vary with the element count, and PoCL compiles a kernel
   anew for every group size it meets (0.1 s each). */
#define TRAIN_LOCAL 64

static ads_status launch(ads_context *ctx, ads_launch *l, const ads_tensor *const *reads,
                         int nreads, ads_tensor *const *writes, int nwrites)
{
    for (int i = 0; i < nreads; i++)
        if (reads[i]) l->reads[l->nreads++] = reads[i];
    for (int i = 0; i < nwrites; i++)
        if (writes[i]) l->writes[l->nwrites++] = writes[i];
    return ads_enqueue(ctx, l);
}

ads_status ads_train_launch_1d(ads_context *ctx, cl_kernel k, size_t n,
                               const ads_tensor *const *reads, int nreads,
                               ads_tensor *const *writes, int nwrites)
{
    ads_launch l = {.kernel = k, .dims = 1, .global = {n}, .local = {TRAIN_LOCAL}};
    return launch(ctx, &l, reads, nreads, writes, nwrites);
}

ads_status ads_train_launch_planes(ads_context *ctx, cl_kernel k, size_t pixels, size_t planes,
                                   const ads_tensor *const *reads, int nreads,
                                   ads_tensor *const *writes, int nwrites)
{
    /* TRAIN_LOCAL work-items a group: a row of pixels, or several short
       rows (several planes) when a plane is small. */
    size_t group = 1;
    while (group < TRAIN_LOCAL && group < pixels) group *= 2;
    ads_launch l = {.kernel = k, .dims = 2, .global = {pixels, planes},
                    .local = {group, TRAIN_LOCAL / group}};
    return launch(ctx, &l, reads, nreads, writes, nwrites);
}

ads_status ads_train_group_size(ads_context *ctx, cl_kernel k, size_t want, size_t *out)
{
    size_t max = 0;
    cl_int err = clGetKernelWorkGroupInfo(k, ctx->dev[0].device, CL_KERNEL_WORK_GROUP_SIZE,
                                          sizeof max, &max, NULL);
    if (err != CL_SUCCESS) return ads_fail_cl(err, "clGetKernelWorkGroupInfo");
    size_t n = want;
    while (n > 1 && n > max) n /= 2;
    *out = n;
    return ADS_OK;
}
