/* Optimiser steps on the device (cl/train_optim.cl). */
#include <math.h>

#include "train_common.h"

#define SOURCE "train_optim"

/* param, grad and each state tensor: same shape, all distinct. */
static ads_status check_state(ads_context *ctx, ads_tensor *param, const ads_tensor *grad,
                              ads_tensor *s1, const char *n1, ads_tensor *s2, const char *n2)
{
    ADS_TRY(ads_train_check_ctx(ctx));
    ADS_TRY(ads_check_tensor(param, ctx, "param"));
    ADS_TRY(ads_train_check_same(grad, ctx, "grad", param));
    if (n1) ADS_TRY(ads_train_check_same(s1, ctx, n1, param));
    if (n2) ADS_TRY(ads_train_check_same(s2, ctx, n2, param));
    const ads_tensor *t[4] = {param, grad, s1, s2};
    const char *names[4] = {"param", "grad", n1, n2};
    ADS_TRY(ads_check_distinct(param, "param", t + 1, names + 1, 1));
    ADS_TRY(ads_check_distinct(s1, n1, t, names, 2));
    return ads_check_distinct(s2, n2, t, names, 3);
}

ads_status ads_sgd_step(ads_context *ctx, ads_tensor *param, const ads_tensor *grad,
                        ads_tensor *velocity, float lr, float momentum, float weight_decay)
{
    ADS_TRY(check_state(ctx, param, grad, velocity, velocity ? "velocity" : NULL, NULL, NULL));
    ADS_TRY(ads_train_check_range("lr", lr, 0.0, INFINITY, false));
    ADS_TRY(ads_train_check_range("momentum", momentum, 0.0, 1.0, false));
    ADS_TRY(ads_train_check_range("weight_decay", weight_decay, 0.0, INFINITY, false));
    if (!velocity && momentum != 0.0f)
        return ads_fail(ADS_ERR_NULL_ARGUMENT,
                        "velocity is NULL but momentum is %g; a velocity tensor is needed "
                        "unless momentum is 0",
                        (double)momentum);
    ADS_TRY(ads_check_finite(param, "param"));
    ADS_TRY(ads_check_finite(grad, "grad"));
    ADS_TRY(ads_check_finite(velocity, "velocity"));

    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", velocity ? "sgd_momentum" : "sgd_plain");
    ads_launch_inout(&l, param);
    ads_launch_in(&l, grad);
    if (velocity) ads_launch_inout(&l, velocity);
    ads_launch_long(&l, (int64_t)param->count);
    ads_launch_float(&l, lr);
    if (velocity) ads_launch_float(&l, momentum);
    ads_launch_float(&l, weight_decay);
    return ads_train_run_1d(&l, param->count);
}

ads_status ads_adam_step(ads_context *ctx, ads_tensor *param, const ads_tensor *grad, ads_tensor *m,
                         ads_tensor *v, float lr, float beta1, float beta2, float eps,
                         float weight_decay, int step)
{
    ADS_TRY(check_state(ctx, param, grad, m, "m", v, "v"));
    ADS_TRY(ads_train_check_range("lr", lr, 0.0, INFINITY, false));
    ADS_TRY(ads_train_check_range("beta1", beta1, 0.0, 1.0, true));
    ADS_TRY(ads_train_check_range("beta2", beta2, 0.0, 1.0, true));
    ADS_TRY(ads_train_check_range("weight_decay", weight_decay, 0.0, INFINITY, false));
    if (!(eps > 0.0f) || isinf(eps))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "eps is %g; it must be a finite number > 0",
                        (double)eps);
    if (step < 1) return ads_fail(ADS_ERR_INVALID_ARGUMENT, "step is %d; steps count from 1", step);
    ADS_TRY(ads_check_finite(param, "param"));
    ADS_TRY(ads_check_finite(grad, "grad"));
    ADS_TRY(ads_check_finite(m, "m"));
    ADS_TRY(ads_check_finite(v, "v"));

    /* Bias corrections in double: beta^step for large steps underflows
       gracefully to 0, giving corrections of exactly 1. */
    double bc1 = 1.0 - pow((double)beta1, step), bc2 = 1.0 - pow((double)beta2, step);
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", "adam");
    ads_launch_inout(&l, param);
    ads_launch_in(&l, grad);
    ads_launch_inout(&l, m);
    ads_launch_inout(&l, v);
    ads_launch_long(&l, (int64_t)param->count);
    ads_launch_float(&l, beta1);
    ads_launch_float(&l, beta2);
    ads_launch_float(&l, eps);
    ads_launch_float(&l, weight_decay);
    ads_launch_float(&l, (float)(lr / bc1));
    ads_launch_float(&l, (float)sqrt(bc2));
    return ads_train_run_1d(&l, param->count);
}
