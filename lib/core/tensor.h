/* Tensors as the library sees them: the buffer, the shape, and the
   scheduler's record of the events that touched it; and the checks
   every operation runs on its tensor arguments. */
#ifndef ADS_TENSOR_H
#define ADS_TENSOR_H

#include <stddef.h>

#include "error.h"

struct ads_tensor {
    ads_context *ctx;
    cl_mem mem;    /* what kernels get: the whole buffer is the tensor */
    bool owns_mem; /* mem holds a reference of ours, released with t */
    /* A wrap: the caller's buffer and the element offset it was wrapped
       at (view_of retained), what ads_tensor_cl_mem and _offset report.
       NULL for the library's own tensors. */
    cl_mem view_of;
    size_t view_offset;
    int ndim;
    int64_t shape[ADS_MAX_DIMS];
    size_t count;

    /* The scheduler's record: the event of the last write and the events
       of the reads since. A writer waits on all of them, a reader on the
       last write only. */
    cl_event last_write;
    cl_event *reads;
    int nreads, reads_cap;
};

/* Internal 1-D tensor of `count` floats that may exceed 6 dims' rules;
   used for workspaces. */
ads_status ads_tensor_create_raw(ads_context *ctx, size_t count, ads_tensor **out);

/* Fills t with the value v on the device. */
ads_status ads_fill(ads_context *ctx, ads_tensor *t, float v);

/* Each returns ADS_OK or fails naming `name`. */
ads_status ads_check_tensor(const ads_tensor *t, const ads_context *ctx, const char *name);
ads_status ads_check_shape(const ads_tensor *t, const char *name, int ndim, const int64_t *shape);
/* Formats a shape as "[2, 3, 4]" into buf. */
const char *ads_shape_str(const ads_tensor *t, char *buf, size_t n);
/* With ADS_CHECK=1, reads t back and fails with ADS_ERR_NON_FINITE naming
   the first NaN or Inf element; otherwise does nothing. */
ads_status ads_check_finite(const ads_tensor *t, const char *name);
/* Fails when output `out` (NULL: skipped) is one of the n `others`
   (inputs, and the outputs checked before it; NULLs skipped), naming
   both. Outputs are written while inputs are read, in parallel. */
ads_status ads_check_distinct(const ads_tensor *out, const char *out_name,
                              const ads_tensor *const *others, const char *const *names, int n);
/* ads_check_finite on each of the n tensors (NULLs skipped). */
ads_status ads_check_finite_all(const ads_tensor *const *t, const char *const *names, int n);

#endif
