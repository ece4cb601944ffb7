/* Small element-wise operations other modules build on (util_ops.c). */
#ifndef ADS_UTIL_OPS_H
#define ADS_UTIL_OPS_H

#include "tensor.h"

/* dst += src, element by element. */
ads_status ads_accumulate(ads_context *ctx, ads_tensor *dst, const ads_tensor *src);
/* pos (N x L) = stride * i along each row: the fixed grid's positions. */
ads_status ads_uniform_positions(ads_context *ctx, ads_tensor *pos, float stride);

#endif
