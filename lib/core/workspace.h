/* Scratch tensors from the context's pool. Workspaces are tensors, so
   the scheduler orders their reuse. */
#ifndef ADS_WORKSPACE_H
#define ADS_WORKSPACE_H

#include "tensor.h"

/* A scratch tensor of at least `count` floats from the context's pool. */
ads_status ads_workspace_acquire(ads_context *ctx, size_t count, ads_tensor **out);
/* Returns ws to the pool (NULL is ignored); its events order the next
   user after the last use enqueued. */
void ads_workspace_release(ads_context *ctx, ads_tensor *ws);
void ads_workspaces_free(ads_context *ctx);

#endif
