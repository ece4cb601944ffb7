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

/* What a layer file must hold to load into a layer: its kind and its
   parameters' shapes (ndim 0: the layer has no such parameter). */
typedef struct {
    uint32_t kind;
    int ndim[ADS_NPARAMS];
    int64_t shape[ADS_NPARAMS][ADS_MAX_DIMS];
    size_t count[ADS_NPARAMS];
} ads_layer_file_layout;

/* Checks a whole layer file's bytes (read from `path`, named in messages)
   against lay: magic, version, checksum, kind, each record's shape, every
   value finite, no trailing bytes. On success values[p] points at
   parameter p's floats inside data (NULL for a parameter the layer lacks).
   Pure: no OpenCL, so it can be fuzzed (fuzz/fuzz_layer_file.c). */
ads_status ads_layer_file_parse(const unsigned char *data, size_t len, const char *path,
                                const ads_layer_file_layout *lay,
                                const unsigned char *values[ADS_NPARAMS]);

#endif
