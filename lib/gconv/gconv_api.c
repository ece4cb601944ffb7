/* The public gather-convolution: each entry names how it uses its
   tensors and lets the splitter (lib/multidevice/split.c) run the
   one-device implementation (gconv_forward.c, gconv_backward.c) on every
   device's share of the batch (with one device, directly). */
#include "ops_device.h"
#include "split.h"

typedef struct {
    const ads_conv_desc *d;
} conv_closure;

enum { CF_X, CF_W, CF_B, CF_PY, CF_PX, CF_GRID, CF_Y, CF_N };

static ads_status gconv_forward_body(ads_context *ctx, const ads_device *dev, ads_tensor *const *s,
                                     void *closure)
{
    const conv_closure *c = closure;
    ads_sampling at = {s[CF_PY], s[CF_PX], s[CF_GRID]};
    return ads_gconv_forward_on_device(ctx, dev, c->d, s[CF_X], s[CF_W], s[CF_B], at, s[CF_Y]);
}

ads_status ads_gconv_forward(ads_context *ctx, const ads_conv_desc *d, const ads_tensor *x,
                             const ads_tensor *w, const ads_tensor *b, ads_sampling at,
                             ads_tensor *y)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    split_arg args[CF_N] = {{x, SPLIT_BATCH_IN, "x"},      {w, SPLIT_SHARED, "w"},
                            {b, SPLIT_SHARED, "b"},        {at.py, SPLIT_BATCH_IN, "py"},
                            {at.px, SPLIT_BATCH_IN, "px"}, {at.grid, SPLIT_BATCH_IN, "grid"},
                            {y, SPLIT_BATCH_OUT, "y"}};
    conv_closure c = {d};
    return ads_split_run(ctx, ads_split_batch_of(x), args, CF_N, gconv_forward_body, &c);
}

enum {
    CB_X,
    CB_W,
    CB_PY,
    CB_PX,
    CB_GRID,
    CB_GY,
    CB_GX,
    CB_GW,
    CB_GB,
    CB_GPY,
    CB_GPX,
    CB_GGRID,
    CB_N
};

static ads_status gconv_backward_body(ads_context *ctx, const ads_device *dev, ads_tensor *const *s,
                                      void *closure)
{
    const conv_closure *c = closure;
    ads_sampling at = {s[CB_PY], s[CB_PX], s[CB_GRID]};
    ads_sampling_grad gat = {s[CB_GPY], s[CB_GPX], s[CB_GGRID]};
    return ads_gconv_backward_on_device(ctx, dev, c->d, s[CB_X], s[CB_W], at, s[CB_GY], s[CB_GX],
                                        s[CB_GW], s[CB_GB], gat);
}

ads_status ads_gconv_backward(ads_context *ctx, const ads_conv_desc *d, const ads_tensor *x,
                              const ads_tensor *w, ads_sampling at, const ads_tensor *gy,
                              ads_tensor *gx, ads_tensor *gw, ads_tensor *gb, ads_sampling_grad gat)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    split_arg args[CB_N] = {{x, SPLIT_BATCH_IN, "x"},
                            {w, SPLIT_SHARED, "w"},
                            {at.py, SPLIT_BATCH_IN, "py"},
                            {at.px, SPLIT_BATCH_IN, "px"},
                            {at.grid, SPLIT_BATCH_IN, "grid"},
                            {gy, SPLIT_BATCH_IN, "gy"},
                            {gx, SPLIT_BATCH_OUT, "gx"},
                            {gw, SPLIT_SUM, "gw"},
                            {gb, SPLIT_SUM, "gb"},
                            {gat.py, SPLIT_BATCH_OUT, "gat.py"},
                            {gat.px, SPLIT_BATCH_OUT, "gat.px"},
                            {gat.grid, SPLIT_BATCH_OUT, "gat.grid"}};
    conv_closure c = {d};
    return ads_split_run(ctx, ads_split_batch_of(x), args, CB_N, gconv_backward_body, &c);
}
