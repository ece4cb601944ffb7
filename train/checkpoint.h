/* Checkpoints of a training run: a configuration text that a resume must
   match, host numbers (epoch, step, history), and device tensors.
   File: magic "ADSCKPT\0", u32 version, u32 config length, config bytes,
   u64 host count, host doubles, u32 tensor count, per tensor u64 element
   count and its floats, then the CRC-32 (zlib) of everything before it;
   numbers in the host's byte order (the magic's check catches a foreign
   one). Written to PATH.tmp, flushed to disk and renamed over PATH, so a
   crash leaves the old checkpoint or the new one, never a mix. */
#ifndef ADS_TRAIN_CHECKPOINT_H
#define ADS_TRAIN_CHECKPOINT_H

#include <stddef.h>

#include "adastride.h"

#define CHECKPOINT_VERSION 1u

ads_status checkpoint_save(const char *path, const char *config, const double *host, size_t nhost,
                           ads_tensor *const *tensors, int ntensors);
/* Refuses (ADS_ERR_IO) a file that is missing, truncated, corrupt or of
   another version, and (ADS_ERR_SHAPE_MISMATCH) one whose config differs
   from `config`, whose host count exceeds `host_capacity` or whose
   tensors differ in number or size; in all those cases nothing is
   written to host or tensors. *nhost receives the host count. */
ads_status checkpoint_load(const char *path, const char *config, double *host, size_t host_capacity,
                           size_t *nhost, ads_tensor *const *tensors, int ntensors);

#endif
