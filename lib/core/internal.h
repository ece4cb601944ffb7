/* The whole core in one include, for the code outside lib/ that still
   reaches into it (tests, bench/, tools/, train/). Files in lib/ include
   the headers of the concerns they use instead:
     error.h      ads_fail, ADS_TRY
     context.h    struct ads_context, ads_device
     tensor.h     struct ads_tensor, the argument checks
     scheduler.h  current device, queues, lock, ads_enqueue, wait lists
     launch.h     the launch builder every operation uses
     program.h    kernels and programs, the disk cache
     workspace.h  scratch tensors
     profile.h    ADS_PROFILE
     util_ops.h   fill, accumulate, uniform positions */
#ifndef ADS_INTERNAL_H
#define ADS_INTERNAL_H

#include "context.h"
#include "error.h"
#include "launch.h"
#include "profile.h"
#include "program.h"
#include "scheduler.h"
#include "tensor.h"
#include "util_ops.h"
#include "workspace.h"

#endif
