/* ReLU and seeded inverted dropout (cl/train_elementwise.cl). */
#include <math.h>

#include "adastride_splitmix.h"
#include "train_common.h"

#define SOURCE "train_elementwise"
/* splitmix64(seed): the first output of a generator seeded with seed. */
static uint64_t dropout_key(uint64_t seed) { return ads_splitmix64(&seed); }

uint64_t ads_dropout_hash(uint64_t seed, uint64_t index)
{
    return ads_mix64(dropout_key(seed) + (index + 1) * ADS_GOLDEN_GAMMA);
}

/* in -> out element-wise with a second input `aux` of the same shape
   (NULL for one-input kernels). */
static ads_status check_unary(ads_context *ctx, const ads_tensor *in, const char *in_name,
                              const ads_tensor *aux, const char *aux_name, ads_tensor *out,
                              const char *out_name)
{
    ADS_TRY(ads_train_check_ctx(ctx));
    ADS_TRY(ads_check_tensor(in, ctx, in_name));
    if (aux_name) ADS_TRY(ads_train_check_same(aux, ctx, aux_name, in));
    ADS_TRY(ads_train_check_same(out, ctx, out_name, in));
    const ads_tensor *ins[2] = {in, aux};
    const char *names[2] = {in_name, aux_name};
    ADS_TRY(ads_check_distinct(out, out_name, ins, names, aux_name ? 2 : 1));
    ADS_TRY(ads_check_finite(in, in_name));
    return ads_check_finite(aux, aux_name);
}

/* Runs a kernel of signature (a, [b,] out, long n). */
static ads_status run_elementwise(ads_context *ctx, const char *kernel, const ads_tensor *a,
                                  const ads_tensor *b, ads_tensor *out)
{
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", kernel);
    ads_launch_in(&l, a);
    if (b) ads_launch_in(&l, b);
    ads_launch_out(&l, out);
    ads_launch_long(&l, (int64_t)out->count);
    return ads_train_run_1d(&l, out->count);
}

ads_status ads_relu_forward(ads_context *ctx, const ads_tensor *x, ads_tensor *y)
{
    ADS_TRY(check_unary(ctx, x, "x", NULL, NULL, y, "y"));
    return run_elementwise(ctx, "relu_forward", x, NULL, y);
}

ads_status ads_relu_backward(ads_context *ctx, const ads_tensor *x, const ads_tensor *gy,
                             ads_tensor *gx)
{
    ADS_TRY(check_unary(ctx, x, "x", gy, "gy", gx, "gx"));
    return run_elementwise(ctx, "relu_backward", x, gy, gx);
}

ads_status ads_dropout_forward(ads_context *ctx, const ads_tensor *x, float p, uint64_t seed,
                               ads_tensor *mask, ads_tensor *y)
{
    ADS_TRY(check_unary(ctx, x, "x", NULL, NULL, y, "y"));
    ADS_TRY(ads_train_check_same(mask, ctx, "mask", x));
    const ads_tensor *others[2] = {x, y};
    const char *names[2] = {"x", "y"};
    ADS_TRY(ads_check_distinct(mask, "mask", others, names, 2));
    ADS_TRY(ads_train_check_range("p", p, 0.0, 1.0, true));

    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", "dropout_forward");
    ads_launch_in(&l, x);
    ads_launch_out(&l, mask);
    ads_launch_out(&l, y);
    ads_launch_long(&l, (int64_t)x->count);
    ads_launch_long(&l, (int64_t)dropout_key(seed));
    /* p * 2^24 is exact in float (a power-of-two scale), as is every
       24-bit r the kernel compares it with. */
    ads_launch_float(&l, p * 16777216.0f);
    ads_launch_float(&l, (float)(1.0 / (1.0 - (double)p)));
    return ads_train_run_1d(&l, x->count);
}

ads_status ads_dropout_backward(ads_context *ctx, const ads_tensor *mask, const ads_tensor *gy,
                                ads_tensor *gx)
{
    ADS_TRY(check_unary(ctx, gy, "gy", mask, "mask", gx, "gx"));
    return run_elementwise(ctx, "multiply", gy, mask, gx);
}
