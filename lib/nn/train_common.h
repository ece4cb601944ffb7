/* Helpers shared by the network building blocks (lib/nn/train_*.c). */
#ifndef ADS_TRAIN_COMMON_H
#define ADS_TRAIN_COMMON_H

#include "adastride_nn.h"
#include "internal.h"

/* ctx non-NULL. */
ads_status ads_train_check_ctx(const ads_context *ctx);
/* t non-NULL, of ctx, with exactly ref's shape (ref_name in the message). */
ads_status ads_train_check_same(const ads_tensor *t, const ads_context *ctx, const char *name,
                                const ads_tensor *ref);
/* A float argument: finite, and in [lo, hi] (hi_open: [lo, hi)). */
ads_status ads_train_check_range(const char *name, float v, double lo, double hi, bool hi_open);
/* Fails when output `out` is the same tensor as any of the n others
   (NULL entries are skipped); names come in the same order. */
ads_status ads_train_check_distinct(const ads_tensor *out, const char *out_name,
                                    const ads_tensor *const *others, const char *const *names,
                                    int n);
/* Enqueues a 1-D launch of n work-items (groups of 64; the kernels
   guard their index) with the given reads and writes. */
ads_status ads_train_launch_1d(ads_context *ctx, cl_kernel k, size_t n,
                               const ads_tensor *const *reads, int nreads,
                               ads_tensor *const *writes, int nwrites);
/* Enqueues a 2-D launch over `planes` rows of `pixels` work-items (both
   rounded up to the group: the kernels guard both; groups of 64
   work-items) with the given reads and writes. */
ads_status ads_train_launch_planes(ads_context *ctx, cl_kernel k, size_t pixels, size_t planes,
                                   const ads_tensor *const *reads, int nreads,
                                   ads_tensor *const *writes, int nwrites);
/* The largest power of two <= want that kernel k may run as one group. */
ads_status ads_train_group_size(ads_context *ctx, cl_kernel k, size_t want, size_t *out);

#endif
