/* The public pooling operations, spread over the context's devices by
   the splitter (lib/multidevice/split.c); the one-device implementations
   are pool_forward.c and pool_backward.c. */
#include "ops_device.h"
#include "split.h"

typedef struct {
    const ads_pool_desc *d;
} pool_closure;

enum { PF_X, PF_PY, PF_PX, PF_GRID, PF_Y, PF_ARGMAX, PF_N };

static ads_status pool_forward_body(ads_context *ctx, const ads_device *dev, ads_tensor *const *s,
                                    void *closure)
{
    const pool_closure *c = closure;
    ads_sampling at = {s[PF_PY], s[PF_PX], s[PF_GRID]};
    return ads_pool_forward_ex_on_device(ctx, dev, c->d, s[PF_X], at, s[PF_Y], s[PF_ARGMAX]);
}

ads_status ads_pool_forward_ex(ads_context *ctx, const ads_pool_desc *d, const ads_tensor *x,
                               ads_sampling at, ads_tensor *y, ads_tensor *argmax)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    split_arg args[PF_N] = {{x, SPLIT_BATCH_IN, "x"},      {at.py, SPLIT_BATCH_IN, "py"},
                            {at.px, SPLIT_BATCH_IN, "px"}, {at.grid, SPLIT_BATCH_IN, "grid"},
                            {y, SPLIT_BATCH_OUT, "y"},     {argmax, SPLIT_BATCH_OUT, "argmax"}};
    pool_closure c = {d};
    return ads_split_run(ctx, ads_split_batch_of(x), args, PF_N, pool_forward_body, &c);
}

ads_status ads_pool_forward(ads_context *ctx, const ads_pool_desc *d, const ads_tensor *x,
                            ads_sampling at, ads_tensor *y)
{
    return ads_pool_forward_ex(ctx, d, x, at, y, NULL);
}

enum { PB_X, PB_PY, PB_PX, PB_GRID, PB_ARGMAX, PB_GY, PB_GX, PB_GPY, PB_GPX, PB_GGRID, PB_N };

static ads_status pool_backward_body(ads_context *ctx, const ads_device *dev, ads_tensor *const *s,
                                     void *closure)
{
    const pool_closure *c = closure;
    ads_sampling at = {s[PB_PY], s[PB_PX], s[PB_GRID]};
    ads_sampling_grad gat = {s[PB_GPY], s[PB_GPX], s[PB_GGRID]};
    return ads_pool_backward_ex_on_device(ctx, dev, c->d, s[PB_X], at, s[PB_ARGMAX], s[PB_GY],
                                          s[PB_GX], gat);
}

ads_status ads_pool_backward_ex(ads_context *ctx, const ads_pool_desc *d, const ads_tensor *x,
                                ads_sampling at, const ads_tensor *argmax, const ads_tensor *gy,
                                ads_tensor *gx, ads_sampling_grad gat)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    split_arg args[PB_N] = {{x, SPLIT_BATCH_IN, "x"},
                            {at.py, SPLIT_BATCH_IN, "py"},
                            {at.px, SPLIT_BATCH_IN, "px"},
                            {at.grid, SPLIT_BATCH_IN, "grid"},
                            {argmax, SPLIT_BATCH_IN, "argmax"},
                            {gy, SPLIT_BATCH_IN, "gy"},
                            {gx, SPLIT_BATCH_OUT, "gx"},
                            {gat.py, SPLIT_BATCH_OUT, "gat.py"},
                            {gat.px, SPLIT_BATCH_OUT, "gat.px"},
                            {gat.grid, SPLIT_BATCH_OUT, "gat.grid"}};
    pool_closure c = {d};
    return ads_split_run(ctx, ads_split_batch_of(x), args, PB_N, pool_backward_body, &c);
}

ads_status ads_pool_backward(ads_context *ctx, const ads_pool_desc *d, const ads_tensor *x,
                             ads_sampling at, const ads_tensor *gy, ads_tensor *gx,
                             ads_sampling_grad gat)
{
    return ads_pool_backward_ex(ctx, d, x, at, NULL, gy, gx, gat);
}
