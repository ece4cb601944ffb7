/* The ordering contract with the context's queue (ctx->queue: the
   caller's queue for a context made from one, else the first queue of the
   primary device): an ads_ call sees every command enqueued on that queue
   before it, and a command enqueued there after the call returns sees its
   results.

   Work the library puts on ctx->queue itself is ordered by the queue (it
   is in-order). Work on any other queue (stream 1, the transfer queue,
   other devices) is tied to it at both ends of the outermost ads_ call
   that enqueued it (its "scope"):
   - entry: the first command of the scope bound for another queue makes a
     marker on ctx->queue, and every such command of the scope waits on it;
   - exit: one barrier on ctx->queue waits for the last command of each
     other queue the scope used, unless those commands have completed.
   A call that stays on ctx->queue pays nothing. Nothing is needed until
   the caller holds the queue: a context made from a queue has it from the
   start; ads_context_create's from the first ads_context_cl_queue call,
   which first joins all earlier work into it. */
#include <stdlib.h>

#include "scheduler.h"

#define MAX_JOINED_QUEUES (ADS_MAX_DEVICES * ADS_MAX_QUEUES + 1)

/* The calling thread's outermost ads_ call (nested calls share it). */
typedef struct {
    ads_context *ctx;
    int depth;
    cl_event entry; /* marker on ctx->queue, NULL until another queue is used */
    int nqueues;
    cl_command_queue queue[MAX_JOINED_QUEUES];
    cl_event last[MAX_JOINED_QUEUES]; /* the last command of the scope on queue[i] */
    /* The marker of a command enqueued outside any scope, kept until the
       command is (ads_order_note) or the next one takes its place. */
    cl_event loose_entry;
} call_scope;

static _Thread_local call_scope scope;

static bool in_scope(const ads_context *ctx) { return scope.depth > 0 && scope.ctx == ctx; }

/* Whether a command on q needs tying to ctx->queue. */
static bool needs_join(const ads_context *ctx, cl_command_queue q)
{
    return q != ctx->queue && atomic_load(&ctx->queue_exposed);
}

void ads_call_begin(ads_context *ctx)
{
    if (!ctx) return;
    if (scope.depth++ > 0) return; /* nested: the outer call's scope goes on */
    scope.ctx = ctx;
    scope.entry = NULL;
    scope.nqueues = 0;
}

/* Events of the scope that have not completed yet, into list. */
static cl_uint pending(cl_event *list)
{
    cl_uint n = 0;
    for (int i = 0; i < scope.nqueues; i++) {
        cl_int status = CL_COMPLETE;
        clGetEventInfo(scope.last[i], CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status,
                       NULL);
        if (status > CL_COMPLETE) list[n++] = scope.last[i];
    }
    return n;
}

/* The exit join: ctx->queue's next command waits for the scope's work. If
   the barrier cannot be enqueued the host waits instead, so the contract
   holds either way. */
static ads_status join(ads_context *ctx)
{
    cl_event list[MAX_JOINED_QUEUES];
    cl_uint n = pending(list);
    if (n == 0) return ADS_OK;
    cl_int err = clEnqueueBarrierWithWaitList(ctx->queue, n, list, NULL);
    if (err == CL_SUCCESS) {
        clFlush(ctx->queue);
        return ADS_OK;
    }
    ads_status st = ads_fail_cl(err, "clEnqueueBarrierWithWaitList joining adastride's queues "
                                     "into the context's queue");
    return clWaitForEvents(n, list) == CL_SUCCESS ? ADS_OK : st;
}

ads_status ads_call_end(ads_context *ctx, ads_status st)
{
    if (!ctx || scope.depth == 0) return st;
    if (--scope.depth > 0) return st;
    if (scope.ctx == ctx) {
        ads_status joined = join(ctx);
        if (st == ADS_OK) st = joined;
    }
    for (int i = 0; i < scope.nqueues; i++) clReleaseEvent(scope.last[i]);
    if (scope.entry) clReleaseEvent(scope.entry);
    scope.entry = NULL;
    scope.nqueues = 0;
    scope.ctx = NULL;
    return st;
}

/* A marker on ctx->queue: complete when everything enqueued there before
   it is. */
static ads_status entry_marker(ads_context *ctx, cl_event *out)
{
    cl_int err = clEnqueueMarkerWithWaitList(ctx->queue, 0, NULL, out);
    if (err != CL_SUCCESS)
        return ads_fail_cl(err, "clEnqueueMarkerWithWaitList on the context's queue");
    clFlush(ctx->queue); /* another queue waits on it */
    return ADS_OK;
}

ads_status ads_order_wait(ads_context *ctx, cl_command_queue q, cl_event **list, cl_uint *n)
{
    if (!needs_join(ctx, q)) return ADS_OK;
    /* The list borrows the marker: the scope (or loose_entry) holds it
       until the command that waits on it is enqueued. */
    cl_event *grown = realloc(*list, (*n + 1) * sizeof *grown);
    if (!grown) return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for an event list");
    *list = grown;
    cl_event *entry = in_scope(ctx) ? &scope.entry : &scope.loose_entry;
    if (entry == &scope.loose_entry && *entry) { /* an earlier command's, whose enqueue failed */
        clReleaseEvent(*entry);
        *entry = NULL;
    }
    if (!*entry) ADS_TRY(entry_marker(ctx, entry));
    grown[(*n)++] = *entry;
    return ADS_OK;
}

void ads_order_note(ads_context *ctx, cl_command_queue q, cl_event ev)
{
    if (!needs_join(ctx, q)) return;
    if (!in_scope(ctx)) { /* joined at once: correct, only less overlap */
        if (scope.loose_entry) clReleaseEvent(scope.loose_entry);
        scope.loose_entry = NULL;
        if (clEnqueueBarrierWithWaitList(ctx->queue, 1, &ev, NULL) == CL_SUCCESS)
            clFlush(ctx->queue);
        else clWaitForEvents(1, &ev);
        return;
    }
    int i = 0;
    while (i < scope.nqueues && scope.queue[i] != q) i++;
    if (i == scope.nqueues) {
        scope.queue[scope.nqueues++] = q;
    } else {
        clReleaseEvent(scope.last[i]); /* an in-order queue: the newer event covers it */
    }
    clRetainEvent(ev);
    scope.last[i] = ev;
}

/* Ties every library queue into ctx->queue once, when the caller first
   gets hold of it: from then on the calls' scopes keep it tied. */
static void expose_queue(ads_context *ctx)
{
    ads_lock(ctx);
    if (!atomic_load(&ctx->queue_exposed)) {
        cl_event marks[MAX_JOINED_QUEUES];
        cl_uint n = 0;
        cl_command_queue others[MAX_JOINED_QUEUES];
        int nothers = 0;
        for (int d = 0; d < ctx->ndev; d++)
            for (int i = 0; i < ctx->nqueues; i++)
                if (ctx->dev[d].queues[i] && ctx->dev[d].queues[i] != ctx->queue)
                    others[nothers++] = ctx->dev[d].queues[i];
        if (ctx->transfer_queue) others[nothers++] = ctx->transfer_queue;
        bool ok = true;
        for (int i = 0; i < nothers && ok; i++) {
            ok = clEnqueueMarkerWithWaitList(others[i], 0, NULL, &marks[n]) == CL_SUCCESS;
            if (ok) clFlush(others[i]);
            n += ok;
        }
        if (ok && n) ok = clEnqueueBarrierWithWaitList(ctx->queue, n, marks, NULL) == CL_SUCCESS;
        for (cl_uint i = 0; i < n; i++) clReleaseEvent(marks[i]);
        /* Failing that, the library's own queues are drained: never the
           caller's. */
        for (int i = 0; i < nothers && !ok; i++) clFinish(others[i]);
        atomic_store(&ctx->queue_exposed, true);
    }
    ads_unlock(ctx);
}

cl_command_queue ads_context_cl_queue(const ads_context *ctx)
{
    if (!ctx) return NULL;
    ads_context *mut = (ads_context *)ctx; /* exposure is bookkeeping, not a change */
    if (!atomic_load(&mut->queue_exposed)) expose_queue(mut);
    return ctx->queue;
}

cl_context ads_context_cl_context(const ads_context *ctx) { return ctx ? ctx->cl : NULL; }
