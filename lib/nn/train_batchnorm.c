/* Batch normalisation, training and inference (cl/train_batchnorm.cl).
   Statistics are reduced one work-group per channel; everything else is
   element-wise. */
#include <limits.h>
#include <math.h>

#include "train_common.h"

#define SOURCE "train_batchnorm"
/* Work-items per channel in the reductions: enough to split a channel of
   N*H*W values into short runs, few enough for one cheap tree. */
#define GROUP 64

/* x as N x C x S (S = H*W, or 1 for N x C). */
typedef struct {
    int64_t n, c, s;
} bn_dims;

static ads_status bn_shape(const ads_tensor *x, bn_dims *d)
{
    char buf[128];
    if (x->ndim != 2 && x->ndim != 4)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH, "x has shape %s; expected N x C x H x W or N x C",
                        ads_shape_str(x, buf, sizeof buf));
    d->n = x->shape[0];
    d->c = x->shape[1];
    d->s = x->ndim == 4 ? x->shape[2] * x->shape[3] : 1;
    if (d->n > INT_MAX || d->c > INT_MAX)
        return ads_fail(ADS_ERR_TOO_LARGE, "x has shape %s; N and C must be below 2^31",
                        ads_shape_str(x, buf, sizeof buf));
    return ADS_OK;
}

/* A per-channel vector of length C (optional ones may be NULL). */
static ads_status check_vec(const ads_tensor *t, const ads_context *ctx, const char *name,
                            const bn_dims *d)
{
    ADS_TRY(ads_check_tensor(t, ctx, name));
    return ads_check_shape(t, name, 1, &d->c);
}

static ads_status check_forward(ads_context *ctx, const ads_tensor *x, const ads_tensor *gamma,
                                const ads_tensor *beta, ads_tensor *rmean, ads_tensor *rvar,
                                float momentum, float eps, int training, ads_tensor *smean,
                                ads_tensor *sinv, ads_tensor *y, bn_dims *d)
{
    ADS_TRY(ads_train_check_ctx(ctx));
    ADS_TRY(ads_check_tensor(x, ctx, "x"));
    ADS_TRY(bn_shape(x, d));
    ADS_TRY(check_vec(gamma, ctx, "gamma", d));
    ADS_TRY(check_vec(beta, ctx, "beta", d));
    if (training) {
        if ((rmean == NULL) != (rvar == NULL))
            return ads_fail(ADS_ERR_NULL_ARGUMENT,
                            "%s is NULL but %s is not; pass both running "
                            "statistics or neither",
                            rmean ? "running_var" : "running_mean",
                            rmean ? "running_mean" : "running_var");
        ADS_TRY(check_vec(smean, ctx, "save_mean", d));
        ADS_TRY(check_vec(sinv, ctx, "save_invstd", d));
        if (d->n * d->s < 2)
            return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                            "x has 1 value per channel; training mode "
                            "needs more than 1 (N*H*W > 1) for the unbiased variance");
    }
    if (rmean || !training) ADS_TRY(check_vec(rmean, ctx, "running_mean", d));
    if (rvar || !training) ADS_TRY(check_vec(rvar, ctx, "running_var", d));
    ADS_TRY(ads_train_check_same(y, ctx, "y", x));
    ADS_TRY(ads_train_check_range("momentum", momentum, 0.0, 1.0, false));
    if (!(eps > 0.0f) || isinf(eps))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "eps is %g; it must be a finite number > 0",
                        (double)eps);
    const ads_tensor *t[7] = {
        x, gamma, beta, rmean, rvar, training ? smean : NULL, training ? sinv : NULL};
    const char *names[7] = {"x",           "gamma",     "beta",       "running_mean",
                            "running_var", "save_mean", "save_invstd"};
    ADS_TRY(ads_check_distinct(y, "y", t, names, 7));
    if (training) {
        ADS_TRY(ads_check_distinct(rmean, "running_mean", t, names, 3));
        ADS_TRY(ads_check_distinct(rvar, "running_var", t, names, 4));
        ADS_TRY(ads_check_distinct(smean, "save_mean", t, names, 5));
        ADS_TRY(ads_check_distinct(sinv, "save_invstd", t, names, 6));
    }
    ADS_TRY(ads_check_finite(x, "x"));
    ADS_TRY(ads_check_finite(gamma, "gamma"));
    ADS_TRY(ads_check_finite(beta, "beta"));
    ADS_TRY(ads_check_finite(rmean, "running_mean"));
    return ads_check_finite(rvar, "running_var");
}

static ads_status stats(ads_context *ctx, const ads_tensor *x, ads_tensor *rmean, ads_tensor *rvar,
                        float momentum, float eps, ads_tensor *smean, ads_tensor *sinv,
                        const bn_dims *d)
{
    int update = rmean != NULL;
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", "bn_stats");
    size_t group = ads_launch_group_pow2(&l, GROUP);
    ads_launch_in(&l, x);
    ads_launch_out(&l, smean);
    ads_launch_out(&l, sinv);
    /* Without running statistics the kernel never touches these two. */
    ads_launch_out_or(&l, rmean, smean);
    ads_launch_out_or(&l, rvar, sinv);
    ads_launch_int(&l, (int)d->n);
    ads_launch_int(&l, (int)d->c);
    ads_launch_long(&l, d->s);
    ads_launch_float(&l, eps);
    ads_launch_float(&l, momentum);
    ads_launch_int(&l, update);
    ads_launch_local(&l, group * sizeof(float));
    size_t global = (size_t)d->c * group;
    return ads_launch_run(&l, 1, &global, &group);
}

/* y from x with per-channel statistics: (mean, invstd) in training,
   (running mean, running var) with eps in inference. */
static ads_status apply(ads_context *ctx, const char *kernel, const ads_tensor *x,
                        const ads_tensor *s1, const ads_tensor *s2, const ads_tensor *gamma,
                        const ads_tensor *beta, ads_tensor *y, const bn_dims *d, float eps,
                        bool with_eps)
{
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", kernel);
    const ads_tensor *in[5] = {x, s1, s2, gamma, beta};
    for (int j = 0; j < 5; j++) ads_launch_in(&l, in[j]);
    ads_launch_out(&l, y);
    ads_launch_int(&l, (int)d->n);
    ads_launch_int(&l, (int)d->c);
    ads_launch_long(&l, d->s);
    if (with_eps) ads_launch_float(&l, eps);
    return ads_train_run_planes(&l, (size_t)d->s, (size_t)(d->n * d->c));
}

ads_status ads_batchnorm_forward(ads_context *ctx, const ads_tensor *x, const ads_tensor *gamma,
                                 const ads_tensor *beta, ads_tensor *running_mean,
                                 ads_tensor *running_var, float momentum, float eps, int training,
                                 ads_tensor *save_mean, ads_tensor *save_invstd, ads_tensor *y)
{
    bn_dims d;
    ADS_TRY(check_forward(ctx, x, gamma, beta, running_mean, running_var, momentum, eps, training,
                          save_mean, save_invstd, y, &d));
    if (!training)
        return apply(ctx, "bn_apply_running", x, running_mean, running_var, gamma, beta, y, &d, eps,
                     true);
    ADS_TRY(stats(ctx, x, running_mean, running_var, momentum, eps, save_mean, save_invstd, &d));
    return apply(ctx, "bn_apply", x, save_mean, save_invstd, gamma, beta, y, &d, eps, false);
}

/* ------------------------------------------------------------ backward */

static ads_status check_backward(ads_context *ctx, const ads_tensor *x, const ads_tensor *gamma,
                                 const ads_tensor *smean, const ads_tensor *sinv,
                                 const ads_tensor *gy, ads_tensor *gx, ads_tensor *ggamma,
                                 ads_tensor *gbeta, bn_dims *d)
{
    ADS_TRY(ads_train_check_ctx(ctx));
    ADS_TRY(ads_check_tensor(x, ctx, "x"));
    ADS_TRY(bn_shape(x, d));
    ADS_TRY(check_vec(gamma, ctx, "gamma", d));
    ADS_TRY(check_vec(smean, ctx, "save_mean", d));
    ADS_TRY(check_vec(sinv, ctx, "save_invstd", d));
    ADS_TRY(ads_train_check_same(gy, ctx, "gy", x));
    if (gx) ADS_TRY(ads_train_check_same(gx, ctx, "gx", x));
    if (ggamma) ADS_TRY(check_vec(ggamma, ctx, "ggamma", d));
    if (gbeta) ADS_TRY(check_vec(gbeta, ctx, "gbeta", d));
    const ads_tensor *t[7] = {x, gamma, smean, sinv, gy, gx, ggamma};
    const char *names[7] = {"x", "gamma", "save_mean", "save_invstd", "gy", "gx", "ggamma"};
    ADS_TRY(ads_check_distinct(gx, "gx", t, names, 5));
    ADS_TRY(ads_check_distinct(ggamma, "ggamma", t, names, 6));
    ADS_TRY(ads_check_distinct(gbeta, "gbeta", t, names, 7));
    ADS_TRY(ads_check_finite(x, "x"));
    ADS_TRY(ads_check_finite(gamma, "gamma"));
    ADS_TRY(ads_check_finite(smean, "save_mean"));
    ADS_TRY(ads_check_finite(sinv, "save_invstd"));
    return ads_check_finite(gy, "gy");
}

static ads_status reduce_grads(ads_context *ctx, const ads_tensor *x, const ads_tensor *smean,
                               const ads_tensor *sinv, const ads_tensor *gy, ads_tensor *gbeta,
                               ads_tensor *ggamma, const bn_dims *d)
{
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", "bn_backward_reduce");
    size_t group = ads_launch_group_pow2(&l, GROUP);
    const ads_tensor *in[4] = {x, smean, sinv, gy};
    for (int j = 0; j < 4; j++) ads_launch_in(&l, in[j]);
    ads_launch_out(&l, gbeta);
    ads_launch_out(&l, ggamma);
    ads_launch_int(&l, (int)d->n);
    ads_launch_int(&l, (int)d->c);
    ads_launch_long(&l, d->s);
    ads_launch_local(&l, group * sizeof(float));
    size_t global = (size_t)d->c * group;
    return ads_launch_run(&l, 1, &global, &group);
}

static ads_status input_grad(ads_context *ctx, const ads_tensor *x, const ads_tensor *gamma,
                             const ads_tensor *smean, const ads_tensor *sinv, const ads_tensor *gy,
                             const ads_tensor *gbeta, const ads_tensor *ggamma, ads_tensor *gx,
                             const bn_dims *d)
{
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", "bn_backward_dx");
    const ads_tensor *in[7] = {x, smean, sinv, gamma, gy, gbeta, ggamma};
    for (int j = 0; j < 7; j++) ads_launch_in(&l, in[j]);
    ads_launch_out(&l, gx);
    ads_launch_int(&l, (int)d->n);
    ads_launch_int(&l, (int)d->c);
    ads_launch_long(&l, d->s);
    ads_launch_long(&l, d->n * d->s);
    return ads_train_run_planes(&l, (size_t)d->s, (size_t)(d->n * d->c));
}

ads_status ads_batchnorm_backward(ads_context *ctx, const ads_tensor *x, const ads_tensor *gamma,
                                  const ads_tensor *save_mean, const ads_tensor *save_invstd,
                                  const ads_tensor *gy, ads_tensor *gx, ads_tensor *ggamma,
                                  ads_tensor *gbeta)
{
    bn_dims d;
    ADS_TRY(check_backward(ctx, x, gamma, save_mean, save_invstd, gy, gx, ggamma, gbeta, &d));
    if (!gx && !ggamma && !gbeta) return ADS_OK;
    /* gx needs both channel sums; a sum the caller skipped goes to a
       workspace instead. */
    ads_tensor *wb = NULL, *wg = NULL;
    ads_status st = ADS_OK;
    if (!gbeta) st = ads_workspace_acquire(ctx, (size_t)d.c, &wb);
    if (st == ADS_OK && !ggamma) st = ads_workspace_acquire(ctx, (size_t)d.c, &wg);
    ads_tensor *sb = gbeta ? gbeta : wb, *sg = ggamma ? ggamma : wg;
    if (st == ADS_OK) st = reduce_grads(ctx, x, save_mean, save_invstd, gy, sb, sg, &d);
    if (st == ADS_OK && gx)
        st = input_grad(ctx, x, gamma, save_mean, save_invstd, gy, sb, sg, gx, &d);
    ads_workspace_release(ctx, wb); /* their events order any reuse */
    ads_workspace_release(ctx, wg);
    return st;
}
