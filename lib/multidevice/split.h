/* Spreading one call's batch over the context's devices. */
#ifndef ADS_SPLIT_H
#define ADS_SPLIT_H

#include "context.h"
#include "tensor.h"

/* How a call uses a tensor argument. */
typedef enum {
    SPLIT_SHARED,      /* not batched: every device reads the whole tensor */
    SPLIT_BATCH_IN,    /* batched input: each device gets its images       */
    SPLIT_BATCH_OUT,   /* batched output: each device writes its images    */
    SPLIT_BATCH_INOUT, /* batched, read and written (accumulated into)     */
    SPLIT_SUM          /* not batched output: the devices' results summed  */
} split_role;

typedef struct {
    const ads_tensor *t; /* NULL: an argument the call skips */
    split_role role;
    const char *name; /* for messages */
} split_arg;

/* Runs body(ctx, dev, shard, closure) on every device dev with its share of the
   batch, the shard array holding one tensor per argument in order (the
   shard's own tensors for batched ones, the argument itself for shared
   ones, a partial sum for SUM ones). With one device, or a batch of one,
   body runs once on the arguments themselves. The caller's outputs are
   written only after every device's body succeeded, so a call rejected
   by its validation on a shard changes no buffer. Arguments given twice
   (an in-place call) share one shard. */
typedef ads_status (*split_body)(ads_context *ctx, const ads_device *dev, ads_tensor *const *shard,
                                 void *closure);
ads_status ads_split_run(ads_context *ctx, int64_t batch, const split_arg *args, int nargs,
                         split_body body, void *closure);

/* The batch of a call: the first dimension of its batched input t, or 0
   when t is missing (the device function then reports it). */
int64_t ads_split_batch_of(const ads_tensor *t);

/* Per-device shares of a batch (exposed for tests): counts[d] images for
   device d, from ADS_DEVICE_WEIGHTS ("3,1") or a measured calibration. */
ads_status ads_split_counts(ads_context *ctx, int64_t batch, int64_t *counts);

#endif
