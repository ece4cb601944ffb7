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
    ADS_TRY(ads_train_check_distinct(param, "param", t + 1, names + 1, 1));
    ADS_TRY(ads_train_check_distinct(s1, n1, t, names, 2));
    return ads_train_check_distinct(s2, n2, t, names, 3);
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
                        "unless momentum is 0", (double)momentum);
    ADS_TRY(ads_check_finite(param, "param"));
    ADS_TRY(ads_check_finite(grad, "grad"));
    ADS_TRY(ads_check_finite(velocity, "velocity"));

    cl_kernel k;
    cl_uint i = 0;
    ADS_TRY(ads_get_kernel(ctx, SOURCE, "", velocity ? "sgd_momentum" : "sgd_plain", &k));
    ADS_TRY(ads_arg_mem(k, i++, param));
    ADS_TRY(ads_arg_mem(k, i++, grad));
    if (velocity) ADS_TRY(ads_arg_mem(k, i++, velocity));
    ADS_TRY(ads_arg_long(k, i++, (int64_t)param->count));
    ADS_TRY(ads_arg_float(k, i++, lr));
    if (velocity) ADS_TRY(ads_arg_float(k, i++, momentum));
    ADS_TRY(ads_arg_float(k, i, weight_decay));
    ads_tensor *writes[2] = {param, velocity};
    return ads_train_launch_1d(ctx, k, param->count, &grad, 1, writes, 2);
}

ads_status ads_adam_step(ads_context *ctx, ads_tensor *param, const ads_tensor *grad,
                         ads_tensor *m, ads_tensor *v, float lr, float beta1, float beta2,
                         float eps, float weight_decay, int step)
{
    ADS_TRY(check_state(ctx, param, grad, m, "m", v, "v"));
    ADS_TRY(ads_train_check_range("lr", lr, 0.0, INFINITY, false));
    ADS_TRY(ads_train_check_range("beta1", beta1, 0.0, 1.0, true));
    ADS_TRY(ads_train_check_range("beta2", beta2, 0.0, 1.0, true));
    ADS_TRY(ads_train_check_range("weight_decay", weight_decay, 0.0, INFINITY, false));
    if (!(eps > 0.0f) || isinf(eps))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "eps is %g; it must be a finite number > 0",
                        (double)eps);
    if (step < 1)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "step is %d; steps count from 1", step);
    ADS_TRY(ads_check_finite(param, "param"));
    ADS_TRY(ads_check_finite(grad, "grad"));
    ADS_TRY(ads_check_finite(m, "m"));
    ADS_TRY(ads_check_finite(v, "v"));

    /* Bias corrections in double: beta^step for large steps underflows
       gracefully to 0, giving corrections of exactly 1. */
    double bc1 = 1.0 - pow((double)beta1, step), bc2 = 1.0 - pow((double)beta2, step);
    cl_kernel k;
    ADS_TRY(ads_get_kernel(ctx, SOURCE, "", "adam", &k));
    ADS_TRY(ads_arg_mem(k, 0, param));
    ADS_TRY(ads_arg_mem(k, 1, grad));
    ADS_TRY(ads_arg_mem(k, 2, m));
    ADS_TRY(ads_arg_mem(k, 3, v));
    ADS_TRY(ads_arg_long(k, 4, (int64_t)param->count));
    ADS_TRY(ads_arg_float(k, 5, beta1));
    ADS_TRY(ads_arg_float(k, 6, beta2));
    ADS_TRY(ads_arg_float(k, 7, eps));
    ADS_TRY(ads_arg_float(k, 8, weight_decay));
    ADS_TRY(ads_arg_float(k, 9, (float)(lr / bc1)));
    ADS_TRY(ads_arg_float(k, 10, (float)sqrt(bc2)));
    ads_tensor *writes[3] = {param, m, v};
    return ads_train_launch_1d(ctx, k, param->count, &grad, 1, writes, 3);
}
