/* The public operations: each names how it uses its tensors and lets the
   splitter run the one-device implementation on every device's share of
   the batch (with one device, directly). */
#include "ops_device.h"
#include "split.h"

/* The batch of a call: the first dimension of its batched input, or 0
   when that input is missing (the device function then reports it). */
static int64_t batch_of(const ads_tensor *t) { return t && t->ndim >= 1 ? t->shape[0] : 0; }

/* ---------------------------------------------------------- gconv */

typedef struct {
    const ads_conv_desc *d;
} conv_closure;

enum { CF_X, CF_W, CF_B, CF_PY, CF_PX, CF_GRID, CF_Y, CF_N };

static ads_status gconv_forward_body(ads_context *ctx, ads_tensor *const *s, void *closure)
{
    const conv_closure *c = closure;
    ads_sampling at = {s[CF_PY], s[CF_PX], s[CF_GRID]};
    return ads_gconv_forward_on_device(ctx, c->d, s[CF_X], s[CF_W], s[CF_B], at, s[CF_Y]);
}

ads_status ads_gconv_forward(ads_context *ctx, const ads_conv_desc *d, const ads_tensor *x,
                             const ads_tensor *w, const ads_tensor *b, ads_sampling at,
                             ads_tensor *y)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    split_arg args[CF_N] = {
        {x, SPLIT_BATCH_IN, "x"},        {w, SPLIT_SHARED, "w"},
        {b, SPLIT_SHARED, "b"},          {at.py, SPLIT_BATCH_IN, "py"},
        {at.px, SPLIT_BATCH_IN, "px"},   {at.grid, SPLIT_BATCH_IN, "grid"},
        {y, SPLIT_BATCH_OUT, "y"}};
    conv_closure c = {d};
    return ads_split_run(ctx, batch_of(x), args, CF_N, gconv_forward_body, &c);
}

enum { CB_X, CB_W, CB_PY, CB_PX, CB_GRID, CB_GY, CB_GX, CB_GW, CB_GB, CB_GPY, CB_GPX, CB_GGRID, CB_N };

static ads_status gconv_backward_body(ads_context *ctx, ads_tensor *const *s, void *closure)
{
    const conv_closure *c = closure;
    ads_sampling at = {s[CB_PY], s[CB_PX], s[CB_GRID]};
    ads_sampling_grad gat = {s[CB_GPY], s[CB_GPX], s[CB_GGRID]};
    return ads_gconv_backward_on_device(ctx, c->d, s[CB_X], s[CB_W], at, s[CB_GY], s[CB_GX],
                                        s[CB_GW], s[CB_GB], gat);
}

ads_status ads_gconv_backward(ads_context *ctx, const ads_conv_desc *d, const ads_tensor *x,
                              const ads_tensor *w, ads_sampling at, const ads_tensor *gy,
                              ads_tensor *gx, ads_tensor *gw, ads_tensor *gb,
                              ads_sampling_grad gat)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    split_arg args[CB_N] = {
        {x, SPLIT_BATCH_IN, "x"},          {w, SPLIT_SHARED, "w"},
        {at.py, SPLIT_BATCH_IN, "py"},     {at.px, SPLIT_BATCH_IN, "px"},
        {at.grid, SPLIT_BATCH_IN, "grid"}, {gy, SPLIT_BATCH_IN, "gy"},
        {gx, SPLIT_BATCH_OUT, "gx"},       {gw, SPLIT_SUM, "gw"},
        {gb, SPLIT_SUM, "gb"},             {gat.py, SPLIT_BATCH_OUT, "gat.py"},
        {gat.px, SPLIT_BATCH_OUT, "gat.px"}, {gat.grid, SPLIT_BATCH_OUT, "gat.grid"}};
    conv_closure c = {d};
    return ads_split_run(ctx, batch_of(x), args, CB_N, gconv_backward_body, &c);
}

/* ---------------------------------------------------------- positions */

typedef struct {
    float stride, origin, temperature;
} positions_closure;

static ads_status positions_body(ads_context *ctx, ads_tensor *const *s, void *closure)
{
    const positions_closure *c = closure;
    return ads_stride_positions_on_device(ctx, s[0], c->stride, c->origin, c->temperature, s[1]);
}

ads_status ads_stride_positions(ads_context *ctx, const ads_tensor *logits, float stride,
                                float origin, float temperature, ads_tensor *pos)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    split_arg args[2] = {{logits, SPLIT_BATCH_IN, "logits"}, {pos, SPLIT_BATCH_OUT, "pos"}};
    positions_closure c = {stride, origin, temperature};
    return ads_split_run(ctx, batch_of(logits), args, 2, positions_body, &c);
}

static ads_status positions_backward_body(ads_context *ctx, ads_tensor *const *s, void *closure)
{
    const positions_closure *c = closure;
    return ads_stride_positions_backward_on_device(ctx, s[0], c->stride, c->temperature, s[1],
                                                   s[2]);
}

ads_status ads_stride_positions_backward(ads_context *ctx, const ads_tensor *logits,
                                         float stride, float temperature,
                                         const ads_tensor *gpos, ads_tensor *glogits)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    split_arg args[3] = {{logits, SPLIT_BATCH_IN, "logits"},
                         {gpos, SPLIT_BATCH_IN, "gpos"},
                         {glogits, SPLIT_BATCH_OUT, "glogits"}};
    positions_closure c = {stride, 0.0f, temperature};
    return ads_split_run(ctx, batch_of(logits), args, 3, positions_backward_body, &c);
}

/* ---------------------------------------------------------- logits */

typedef struct {
    ads_profile phi;
} logits_closure;

static ads_status logits_body(ads_context *ctx, ads_tensor *const *s, void *closure)
{
    const logits_closure *c = closure;
    return ads_stride_logits_on_device(ctx, c->phi, s[0], s[1], s[2], s[3], s[4]);
}

ads_status ads_stride_logits(ads_context *ctx, ads_profile phi, const ads_tensor *x,
                             const ads_tensor *v_rows, const ads_tensor *v_cols,
                             ads_tensor *a_rows, ads_tensor *a_cols)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    split_arg args[5] = {{x, SPLIT_BATCH_IN, "x"},           {v_rows, SPLIT_SHARED, "v_rows"},
                         {v_cols, SPLIT_SHARED, "v_cols"},   {a_rows, SPLIT_BATCH_OUT, "a_rows"},
                         {a_cols, SPLIT_BATCH_OUT, "a_cols"}};
    logits_closure c = {phi};
    return ads_split_run(ctx, batch_of(x), args, 5, logits_body, &c);
}

static ads_status logits_backward_body(ads_context *ctx, ads_tensor *const *s, void *closure)
{
    const logits_closure *c = closure;
    return ads_stride_logits_backward_on_device(ctx, c->phi, s[0], s[1], s[2], s[3], s[4], s[5],
                                                s[6], s[7]);
}

ads_status ads_stride_logits_backward(ads_context *ctx, ads_profile phi, const ads_tensor *x,
                                      const ads_tensor *v_rows, const ads_tensor *v_cols,
                                      const ads_tensor *ga_rows, const ads_tensor *ga_cols,
                                      ads_tensor *gx, ads_tensor *gv_rows, ads_tensor *gv_cols)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    split_arg args[8] = {
        {x, SPLIT_BATCH_IN, "x"},           {v_rows, SPLIT_SHARED, "v_rows"},
        {v_cols, SPLIT_SHARED, "v_cols"},   {ga_rows, SPLIT_BATCH_IN, "ga_rows"},
        {ga_cols, SPLIT_BATCH_IN, "ga_cols"}, {gx, SPLIT_BATCH_INOUT, "gx"},
        {gv_rows, SPLIT_SUM, "gv_rows"},    {gv_cols, SPLIT_SUM, "gv_cols"}};
    logits_closure c = {phi};
    return ads_split_run(ctx, batch_of(x), args, 8, logits_backward_body, &c);
}
