/* The public stride operations (positions from logits, logits from
   features), spread over the context's devices by the splitter like the
   other operations; the one-device implementations are
   stride_positions.c and stride_logits.c. */
#include "ops_device.h"
#include "split.h"

/* ---------------------------------------------------------- positions */

typedef struct {
    float stride, origin, temperature;
} positions_closure;

static ads_status positions_body(ads_context *ctx, const ads_device *dev, ads_tensor *const *s,
                                 void *closure)
{
    const positions_closure *c = closure;
    return ads_stride_positions_on_device(ctx, dev, s[0], c->stride, c->origin, c->temperature,
                                          s[1]);
}

ads_status ads_stride_positions(ads_context *ctx, const ads_tensor *logits, float stride,
                                float origin, float temperature, ads_tensor *pos)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    split_arg args[2] = {{logits, SPLIT_BATCH_IN, "logits"}, {pos, SPLIT_BATCH_OUT, "pos"}};
    positions_closure c = {stride, origin, temperature};
    return ads_split_run(ctx, ads_split_batch_of(logits), args, 2, positions_body, &c);
}

static ads_status positions_backward_body(ads_context *ctx, const ads_device *dev,
                                          ads_tensor *const *s, void *closure)
{
    const positions_closure *c = closure;
    return ads_stride_positions_backward_on_device(ctx, dev, s[0], c->stride, c->temperature, s[1],
                                                   s[2]);
}

ads_status ads_stride_positions_backward(ads_context *ctx, const ads_tensor *logits, float stride,
                                         float temperature, const ads_tensor *gpos,
                                         ads_tensor *glogits)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    split_arg args[3] = {{logits, SPLIT_BATCH_IN, "logits"},
                         {gpos, SPLIT_BATCH_IN, "gpos"},
                         {glogits, SPLIT_BATCH_OUT, "glogits"}};
    positions_closure c = {stride, 0.0f, temperature};
    return ads_split_run(ctx, ads_split_batch_of(logits), args, 3, positions_backward_body, &c);
}

/* ---------------------------------------------------------- logits */

typedef struct {
    ads_profile phi;
} logits_closure;

static ads_status logits_body(ads_context *ctx, const ads_device *dev, ads_tensor *const *s,
                              void *closure)
{
    const logits_closure *c = closure;
    return ads_stride_logits_on_device(ctx, dev, c->phi, s[0], s[1], s[2], s[3], s[4]);
}

ads_status ads_stride_logits(ads_context *ctx, ads_profile phi, const ads_tensor *x,
                             const ads_tensor *v_rows, const ads_tensor *v_cols, ads_tensor *a_rows,
                             ads_tensor *a_cols)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    split_arg args[5] = {{x, SPLIT_BATCH_IN, "x"},
                         {v_rows, SPLIT_SHARED, "v_rows"},
                         {v_cols, SPLIT_SHARED, "v_cols"},
                         {a_rows, SPLIT_BATCH_OUT, "a_rows"},
                         {a_cols, SPLIT_BATCH_OUT, "a_cols"}};
    logits_closure c = {phi};
    return ads_split_run(ctx, ads_split_batch_of(x), args, 5, logits_body, &c);
}

static ads_status logits_backward_body(ads_context *ctx, const ads_device *dev,
                                       ads_tensor *const *s, void *closure)
{
    const logits_closure *c = closure;
    return ads_stride_logits_backward_on_device(ctx, dev, c->phi, s[0], s[1], s[2], s[3], s[4],
                                                s[5], s[6], s[7]);
}

ads_status ads_stride_logits_backward(ads_context *ctx, ads_profile phi, const ads_tensor *x,
                                      const ads_tensor *v_rows, const ads_tensor *v_cols,
                                      const ads_tensor *ga_rows, const ads_tensor *ga_cols,
                                      ads_tensor *gx, ads_tensor *gv_rows, ads_tensor *gv_cols)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    split_arg args[8] = {{x, SPLIT_BATCH_IN, "x"},
                         {v_rows, SPLIT_SHARED, "v_rows"},
                         {v_cols, SPLIT_SHARED, "v_cols"},
                         {ga_rows, SPLIT_BATCH_IN, "ga_rows"},
                         {ga_cols, SPLIT_BATCH_IN, "ga_cols"},
                         {gx, SPLIT_BATCH_INOUT, "gx"},
                         {gv_rows, SPLIT_SUM, "gv_rows"},
                         {gv_cols, SPLIT_SUM, "gv_cols"}};
    logits_closure c = {phi};
    return ads_split_run(ctx, ads_split_batch_of(x), args, 8, logits_backward_body, &c);
}
