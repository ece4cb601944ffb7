/* Helpers shared by the network building blocks (lib/nn/train_*.c). */
#ifndef ADS_TRAIN_COMMON_H
#define ADS_TRAIN_COMMON_H

#include "adastride_nn.h"
#include "launch.h"
#include "workspace.h"

/* ctx non-NULL. */
ads_status ads_train_check_ctx(const ads_context *ctx);
/* t non-NULL, of ctx, with exactly ref's shape (ref_name in the message). */
ads_status ads_train_check_same(const ads_tensor *t, const ads_context *ctx, const char *name,
                                const ads_tensor *ref);
/* A float argument: finite, and in [lo, hi] (hi_open: [lo, hi)). */
ads_status ads_train_check_range(const char *name, float v, double lo, double hi, bool hi_open);
/* Runs a 1-D launch of n work-items (groups of 64; the kernels guard
   their index). */
ads_status ads_train_run_1d(ads_launcher *l, size_t n);
/* Runs a 2-D launch over `planes` rows of `pixels` work-items (both
   rounded up to the group: the kernels guard both; groups of 64
   work-items). */
ads_status ads_train_run_planes(ads_launcher *l, size_t pixels, size_t planes);

#endif
