/* The workspace pool: scratch tensors reused across calls. Reuse is safe
   because workspaces carry events like any tensor. */
#include <stdlib.h>

#include "scheduler.h"
#include "workspace.h"

struct ads_workspace {
    ads_tensor *t;
    struct ads_workspace *next;
};

static ads_status acquire_locked(ads_context *ctx, size_t count, ads_tensor **out)
{
    struct ads_workspace **best = NULL;
    for (struct ads_workspace **w = &ctx->free_workspaces; *w; w = &(*w)->next)
        if ((*w)->t->count >= count && (!best || (*w)->t->count < (*best)->t->count)) best = w;
    if (best) {
        struct ads_workspace *node = *best;
        *best = node->next;
        *out = node->t;
        free(node);
        return ADS_OK;
    }
    ads_status st = ads_tensor_create_raw(ctx, count, out);
    if (st == ADS_ERR_OUT_OF_MEMORY) {
        /* Free what the pool holds and try once more. */
        ads_workspaces_free(ctx);
        st = ads_tensor_create_raw(ctx, count, out);
    }
    return st;
}

ads_status ads_workspace_acquire(ads_context *ctx, size_t count, ads_tensor **out)
{
    ads_lock(ctx);
    ads_status st = acquire_locked(ctx, count, out);
    ads_unlock(ctx);
    return st;
}

void ads_workspace_release(ads_context *ctx, ads_tensor *ws)
{
    if (!ws) return;
    ads_lock(ctx);
    struct ads_workspace *node = malloc(sizeof *node);
    if (!node) {
        ads_tensor_release(ws);
    } else {
        node->t = ws;
        node->next = ctx->free_workspaces;
        ctx->free_workspaces = node;
    }
    ads_unlock(ctx);
}

void ads_workspaces_free(ads_context *ctx)
{
    ads_lock(ctx);
    while (ctx->free_workspaces) {
        struct ads_workspace *node = ctx->free_workspaces;
        ctx->free_workspaces = node->next;
        ads_tensor_release(node->t);
        free(node);
    }
    ads_unlock(ctx);
}
