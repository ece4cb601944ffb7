/* The one enqueue path: every launch waits on exactly the events its
   tensors carry (read-after-write, write-after-read, write-after-write)
   and records its own event on them. */
#include <stdlib.h>

#include "profile.h"
#include "scheduler.h"

/* Read lists longer than this are folded into one marker event so that a
   tensor read by many calls (weights) does not grow without bound. */
#define MAX_TRACKED_READS 16

static ads_status push(cl_event **list, cl_uint *n, cl_uint *cap, cl_event ev)
{
    if (!ev) return ADS_OK;
    for (cl_uint i = 0; i < *n; i++)
        if ((*list)[i] == ev) return ADS_OK;
    if (*n == *cap) {
        cl_uint ncap = *cap ? *cap * 2 : 8;
        cl_event *grown = realloc(*list, ncap * sizeof *grown);
        if (!grown) return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for an event list");
        *list = grown;
        *cap = ncap;
    }
    (*list)[(*n)++] = ev;
    return ADS_OK;
}

void ads_lock(ads_context *ctx) { pthread_mutex_lock(&ctx->lock); }
void ads_unlock(ads_context *ctx) { pthread_mutex_unlock(&ctx->lock); }

static _Thread_local int current_device;

int ads_current_device(void) { return current_device; }
void ads_set_current_device(int index) { current_device = index; }

const ads_device *ads_device_of_call(const ads_context *ctx)
{
    return &ctx->dev[current_device < ctx->ndev ? current_device : 0];
}

cl_command_queue ads_queue(ads_context *ctx, int stream)
{
    return ads_device_of_call(ctx)->queues[(stream < 0 ? 0 : stream) % ctx->nqueues];
}

/* A negative execution status means the command behind the event failed;
   anything waiting on it would fail or hang, so say so now. */
static ads_status check_not_failed(cl_event *list, cl_uint n)
{
    for (cl_uint i = 0; i < n; i++) {
        cl_int status = CL_COMPLETE;
        clGetEventInfo(list[i], CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, NULL);
        if (status < 0)
            return ads_fail(ADS_ERR_OPENCL,
                            "an earlier command that this call depends on failed on the device "
                            "(%s); the tensors it wrote hold no valid result",
                            ads_cl_error_name(status));
    }
    return ADS_OK;
}

static ads_status collect(const ads_tensor *const *reads, int nreads, ads_tensor *const *writes,
                          int nwrites, bool check, cl_event **list, cl_uint *n)
{
    cl_uint cap = 0;
    *list = NULL;
    *n = 0;
    ads_status st = ADS_OK;
    for (int i = 0; i < nreads && st == ADS_OK; i++)
        if (reads[i]) st = push(list, n, &cap, reads[i]->last_write);
    for (int i = 0; i < nwrites && st == ADS_OK; i++) {
        if (!writes[i]) continue;
        st = push(list, n, &cap, writes[i]->last_write);
        for (int r = 0; r < writes[i]->nreads && st == ADS_OK; r++)
            st = push(list, n, &cap, writes[i]->reads[r]);
    }
    if (st == ADS_OK && check) st = check_not_failed(*list, *n);
    if (st != ADS_OK) {
        free(*list);
        *list = NULL;
        *n = 0;
    }
    return st;
}

ads_status ads_wait_list(const ads_tensor *const *reads, int nreads, ads_tensor *const *writes,
                         int nwrites, cl_event **list, cl_uint *n)
{
    return collect(reads, nreads, writes, nwrites, true, list, n);
}

/* An overwrite needs no valid old contents: a failed writer is dropped
   from the list rather than reported (OpenCL would fail a command that
   waits on it). */
ads_status ads_wait_list_overwrite(ads_tensor *t, cl_event **list, cl_uint *n)
{
    ADS_TRY(collect(NULL, 0, &t, 1, false, list, n));
    cl_uint kept = 0;
    for (cl_uint i = 0; i < *n; i++) {
        cl_int status = CL_COMPLETE;
        clGetEventInfo((*list)[i], CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status, NULL);
        if (status >= 0) (*list)[kept++] = (*list)[i];
    }
    *n = kept;
    if (kept == 0) { /* OpenCL wants NULL with an empty list */
        free(*list);
        *list = NULL;
    }
    return ADS_OK;
}

static void fold_reads(ads_tensor *t)
{
    cl_event marker;
    if (clEnqueueMarkerWithWaitList(t->ctx->queue, (cl_uint)t->nreads, t->reads, &marker) !=
        CL_SUCCESS)
        return; /* keep the long list: still correct, only larger */
    clFlush(t->ctx->queue);
    for (int i = 0; i < t->nreads; i++) clReleaseEvent(t->reads[i]);
    t->reads[0] = marker;
    t->nreads = 1;
}

static void add_read(ads_tensor *t, cl_event ev)
{
    if (t->nreads == t->reads_cap) {
        int ncap = t->reads_cap ? t->reads_cap * 2 : 4;
        cl_event *grown = realloc(t->reads, (size_t)ncap * sizeof *grown);
        if (!grown) {
            /* Without room to remember the read, wait for it now: slower
               but never wrong. */
            clWaitForEvents(1, &ev);
            return;
        }
        t->reads = grown;
        t->reads_cap = ncap;
    }
    clRetainEvent(ev);
    t->reads[t->nreads++] = ev;
    if (t->nreads > MAX_TRACKED_READS) fold_reads(t);
}

void ads_record(cl_event ev, const ads_tensor *const *reads, int nreads, ads_tensor *const *writes,
                int nwrites)
{
    for (int i = 0; i < nwrites; i++) {
        ads_tensor *t = writes[i];
        if (!t) continue;
        if (t->last_write) clReleaseEvent(t->last_write);
        clRetainEvent(ev);
        t->last_write = ev;
        for (int r = 0; r < t->nreads; r++) clReleaseEvent(t->reads[r]);
        t->nreads = 0;
    }
    for (int i = 0; i < nreads; i++)
        if (reads[i]) add_read((ads_tensor *)reads[i], ev); /* the record is mutable state */
}

static ads_status enqueue_locked(ads_context *ctx, const ads_launch *l, const size_t *offset,
                                 const size_t *global, const size_t *local)
{
    cl_event *wait;
    cl_uint nwait;
    ADS_TRY(ads_wait_list(l->reads, l->nreads, l->writes, l->nwrites, &wait, &nwait));
    cl_command_queue q = ads_queue(ctx, l->stream);
    ads_status ordered = ads_order_wait(ctx, q, &wait, &nwait);
    if (ordered != ADS_OK) {
        free(wait);
        return ordered;
    }
    cl_event ev;
    cl_int err =
        clEnqueueNDRangeKernel(q, l->kernel, l->dims, offset, global, local, nwait, wait, &ev);
    free(wait);
    if (err != CL_SUCCESS) {
        char name[128] = "?";
        clGetKernelInfo(l->kernel, CL_KERNEL_FUNCTION_NAME, sizeof name, name, NULL);
        name[sizeof name - 1] = '\0';
        ads_status st = ads_fail_cl(err, "clEnqueueNDRangeKernel");
        return ads_fail(st, "launching kernel %s failed: %s (%d)", name, ads_cl_error_name(err),
                        (int)err);
    }
    /* Submitted now: another queue may wait on this event, and OpenCL
       only promises progress for commands that were flushed. */
    clFlush(q);
    ads_record(ev, l->reads, l->nreads, l->writes, l->nwrites);
    ads_order_note(ctx, q, ev);
    if (ctx->profiling) ads_profile_add(ctx, l->kernel, ev);
    clReleaseEvent(ev);
    return ADS_OK;
}

ads_status ads_enqueue_offset(ads_context *ctx, const ads_launch *l, const size_t *offset)
{
    for (cl_uint d = 0; d < l->dims; d++)
        if (l->global[d] == 0) return ADS_OK; /* nothing to do */
    ads_lock(ctx);
    ads_status st = enqueue_locked(ctx, l, offset, l->global, l->local[0] ? l->local : NULL);
    ads_unlock(ctx);
    return st;
}

ads_status ads_enqueue(ads_context *ctx, const ads_launch *l)
{
    ads_launch rounded = *l;
    for (cl_uint d = 0; d < l->dims && l->local[0]; d++) {
        /* A launch that names only local[0] means groups of 1 elsewhere. */
        if (rounded.local[d] == 0) rounded.local[d] = 1;
        rounded.global[d] =
            (l->global[d] + rounded.local[d] - 1) / rounded.local[d] * rounded.local[d];
    }
    return ads_enqueue_offset(ctx, &rounded, NULL);
}

static ads_status arg(cl_kernel k, cl_uint i, size_t size, const void *v)
{
    cl_int err = clSetKernelArg(k, i, size, v);
    if (err == CL_SUCCESS) return ADS_OK;
    char name[128] = "?";
    clGetKernelInfo(k, CL_KERNEL_FUNCTION_NAME, sizeof name, name, NULL);
    name[sizeof name - 1] = '\0';
    return ads_fail(ADS_ERR_OPENCL, "setting argument %u of kernel %s failed: %s", i, name,
                    ads_cl_error_name(err));
}

ads_status ads_arg_mem(cl_kernel k, cl_uint i, const ads_tensor *t)
{
    return arg(k, i, sizeof(cl_mem), &t->mem);
}
ads_status ads_arg_int(cl_kernel k, cl_uint i, int v) { return arg(k, i, sizeof(cl_int), &v); }
ads_status ads_arg_long(cl_kernel k, cl_uint i, int64_t v)
{
    cl_long x = v;
    return arg(k, i, sizeof x, &x);
}
ads_status ads_arg_float(cl_kernel k, cl_uint i, float v)
{
    return arg(k, i, sizeof(cl_float), &v);
}
ads_status ads_arg_local(cl_kernel k, cl_uint i, size_t bytes) { return arg(k, i, bytes, NULL); }
