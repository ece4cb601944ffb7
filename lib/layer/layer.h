/* The layer's internals, shared by layer.c and layer_io.c. */
#ifndef ADS_LAYER_H
#define ADS_LAYER_H

#include "program.h" /* ads_hash64 */
#include "tensor.h"
#include "util_ops.h"

#define ADS_NPARAMS 4

struct ads_layer {
    ads_context *ctx;
    ads_layer_desc d;
    ads_tensor *param[ADS_NPARAMS], *grad[ADS_NPARAMS];
    ads_tensor *grad_call[ADS_NPARAMS]; /* one backward's share, then accumulated */

    /* State of the last forward pass, sized for its input. */
    int64_t n, h, w, ho, wo;
    ads_tensor *a_rows, *a_cols, *py, *px, *ga_rows, *ga_cols, *gpy, *gpx;
    const ads_tensor *x;
    bool has_forward;
};

#endif
