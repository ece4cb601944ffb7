/* The multi-device splitter. Each device works on a contiguous range of
   the batch in tensors of its own: batched inputs are copied into them,
   batched outputs copied back, and outputs that are not batched (weight
   gradients) are summed. Copies go through the scheduler like kernels,
   so nothing here blocks the host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "split.h"

#include "launch.h"
#include "scheduler.h"
#include "util_ops.h"

#define MAX_SPLIT_ARGS 16

/* Device-side copy of `count` floats, ordered by the tensors' events. */
static ads_status copy_region(ads_context *ctx, ads_tensor *dst, size_t dst_at,
                              const ads_tensor *src, size_t src_at, size_t count)
{
    ads_lock(ctx);
    cl_event *wait, ev;
    cl_uint nwait;
    ads_status st = ads_wait_list(&src, 1, &dst, 1, &wait, &nwait);
    cl_command_queue q = ads_queue(ctx, 0);
    if (st == ADS_OK) st = ads_order_wait(ctx, q, &wait, &nwait);
    if (st != ADS_OK) free(wait);
    if (st == ADS_OK) {
        cl_int err = clEnqueueCopyBuffer(q, src->mem, dst->mem, src_at * 4, dst_at * 4, count * 4,
                                         nwait, wait, &ev);
        free(wait);
        if (err != CL_SUCCESS) {
            st = ads_fail_cl(err, "clEnqueueCopyBuffer between devices' shards");
        } else {
            clFlush(q);
            ads_record(ev, &src, 1, &dst, 1);
            ads_order_note(ctx, q, ev);
            clReleaseEvent(ev);
        }
    }
    ads_unlock(ctx);
    return st;
}

/* Waits for the last write of t: the calibration run itself, not the
   other work on the queues (one of them may be the application's). */
static ads_status wait_written(const ads_tensor *t)
{
    cl_int err = t->last_write ? clWaitForEvents(1, &t->last_write) : CL_SUCCESS;
    return err == CL_SUCCESS ? ADS_OK : ads_fail_cl(err, "the device calibration run");
}

/* Measured throughput of each device: a short FMA run, once per context
   (unless ADS_DEVICE_WEIGHTS gave the weights: read when the context was
   made, so that an invalid value fails there). */
static ads_status calibrate(ads_context *ctx)
{
    for (int d = 0; d < ctx->ndev; d++) {
        size_t global = (size_t)ctx->dev[d].info.compute_units * 256;
        ads_tensor *out;
        ADS_TRY(ads_tensor_create_raw(ctx, global, &out));
        ads_set_current_device(d);
        ads_launcher l;
        ads_launch_kernel(&l, ctx, "bench_device", "", "fma_peak");
        ads_launch_out(&l, out);
        ads_launch_int(&l, 256);
        ads_launch_float(&l, 0.5f);
        /* A first launch compiles the kernel for the device: not timed.
           Then the fastest of three runs, the least disturbed by load. */
        ads_status st = ads_launch_run(&l, 1, &global, NULL);
        if (st == ADS_OK) st = wait_written(out);
        double seconds = 1e30;
        for (int rep = 0; rep < 3 && st == ADS_OK; rep++) {
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            st = ads_launch_run(&l, 1, &global, NULL);
            if (st == ADS_OK) st = wait_written(out);
            clock_gettime(CLOCK_MONOTONIC, &b);
            double t = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
            if (t < seconds) seconds = t;
        }
        ads_set_current_device(0);
        ctx->dev[d].weight = (double)global / (seconds > 1e-9 ? seconds : 1e-9);
        ads_tensor_release(out);
        if (st != ADS_OK) return st;
    }
    ctx->weights_known = true;
    return ADS_OK;
}

ads_status ads_split_counts(ads_context *ctx, int64_t batch, int64_t *counts)
{
    if (!ctx->weights_known) ADS_TRY(calibrate(ctx));
    double total = 0;
    for (int d = 0; d < ctx->ndev; d++) total += ctx->dev[d].weight;
    if (!(total > 0))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "every device weight is 0: no device to run on");
    /* Floors of the exact shares, then the images left over to the
       largest remainders (the lower index first on a tie). */
    double remainder[ADS_MAX_DEVICES];
    int64_t given = 0;
    for (int d = 0; d < ctx->ndev; d++) {
        double share = (double)batch * ctx->dev[d].weight / total;
        counts[d] = (int64_t)share;
        remainder[d] = share - (double)counts[d];
        given += counts[d];
    }
    for (; given < batch; given++) {
        int best = 0;
        for (int d = 1; d < ctx->ndev; d++)
            if (remainder[d] > remainder[best]) best = d;
        counts[best]++;
        remainder[best] = -1;
    }
    return ADS_OK;
}

static bool batched(split_role r) { return r != SPLIT_SHARED && r != SPLIT_SUM; }
static bool reads_in(split_role r) { return r == SPLIT_BATCH_IN || r == SPLIT_BATCH_INOUT; }
static bool writes_out(split_role r) { return r == SPLIT_BATCH_OUT || r == SPLIT_BATCH_INOUT; }

static ads_status check_batch(const ads_context *ctx, const split_arg *args, int nargs,
                              int64_t batch)
{
    for (int i = 0; i < nargs; i++)
        if (args[i].t) ADS_TRY(ads_check_tensor(args[i].t, ctx, args[i].name));
    /* Shared inputs are not copied: an output that is one of them would
       escape the operations' own aliasing checks. */
    for (int i = 0; i < nargs; i++)
        for (int j = 0; j < nargs; j++)
            if (args[i].t && args[i].t == args[j].t && args[i].role == SPLIT_SHARED &&
                args[j].role != SPLIT_SHARED && args[j].role != SPLIT_BATCH_IN)
                return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                                "%s is the %s tensor itself; it must "
                                "be a separate tensor",
                                args[j].name, args[i].name);
    for (int i = 0; i < nargs; i++)
        if (args[i].t && batched(args[i].role) && args[i].t->shape[0] != batch)
            return ads_fail(ADS_ERR_SHAPE_MISMATCH, "%s has %lld images; the call's batch is %lld",
                            args[i].name, (long long)args[i].t->shape[0], (long long)batch);
    return ADS_OK;
}

/* The index of an earlier argument naming the same tensor, or -1. */
static int same_as(const split_arg *args, int i)
{
    for (int j = 0; j < i; j++)
        if (args[j].t && args[j].t == args[i].t) return j;
    return -1;
}

typedef struct {
    ads_tensor *t[MAX_SPLIT_ARGS];
    bool owned[MAX_SPLIT_ARGS];
} shard_set;

static void release_shards(shard_set *s, int nargs)
{
    for (int i = 0; i < nargs; i++)
        if (s->owned[i]) ads_tensor_release(s->t[i]);
}

static size_t per_image(const ads_tensor *t) { return t->count / (size_t)t->shape[0]; }

/* Makes device d's tensors for images [n0, n0+n) and copies its inputs in. */
static ads_status make_shards(ads_context *ctx, const split_arg *args, int nargs, int64_t n0,
                              int64_t n, shard_set *s)
{
    memset(s, 0, sizeof *s);
    for (int i = 0; i < nargs; i++) {
        const ads_tensor *t = args[i].t;
        int j = same_as(args, i);
        if (!t || args[i].role == SPLIT_SHARED) {
            s->t[i] = (ads_tensor *)t; /* read as is; const only by the caller's contract */
            continue;
        }
        if (j >= 0) {
            s->t[i] = s->t[j];
            continue;
        }
        int64_t shape[ADS_MAX_DIMS];
        memcpy(shape, t->shape, sizeof shape);
        if (batched(args[i].role)) shape[0] = n;
        ADS_TRY(ads_tensor_create(ctx, t->ndim, shape, &s->t[i]));
        s->owned[i] = true;
        bool in = reads_in(args[i].role);
        for (int k = i + 1; k < nargs; k++) /* an in-place partner reads it */
            if (args[k].t == t && reads_in(args[k].role)) in = true;
        if (in) ADS_TRY(copy_region(ctx, s->t[i], 0, t, (size_t)n0 * per_image(t), s->t[i]->count));
    }
    return ADS_OK;
}

/* Copies device shards' outputs back, and sums the SUM outputs. */
static ads_status gather_outputs(ads_context *ctx, const split_arg *args, int nargs,
                                 shard_set *shards, const int64_t *first, int nsets)
{
    for (int i = 0; i < nargs; i++) {
        ads_tensor *parent = (ads_tensor *)args[i].t;
        if (!parent || same_as(args, i) >= 0) continue;
        bool out = writes_out(args[i].role);
        for (int k = i + 1; k < nargs; k++)
            if (args[k].t == parent && writes_out(args[k].role)) out = true;
        for (int d = 0; d < nsets && out; d++)
            ADS_TRY(copy_region(ctx, parent, (size_t)first[d] * per_image(parent), shards[d].t[i],
                                0, shards[d].t[i]->count));
        if (args[i].role != SPLIT_SUM) continue;
        ADS_TRY(copy_region(ctx, parent, 0, shards[0].t[i], 0, parent->count));
        for (int d = 1; d < nsets; d++) ADS_TRY(ads_accumulate(ctx, parent, shards[d].t[i]));
    }
    return ADS_OK;
}

/* The body once, on the caller's own tensors, on device `device`. */
static ads_status run_direct(ads_context *ctx, const split_arg *args, int nargs, int device,
                             split_body body, void *closure)
{
    ads_tensor *direct[MAX_SPLIT_ARGS];
    for (int i = 0; i < nargs; i++) direct[i] = (ads_tensor *)args[i].t;
    ads_set_current_device(device);
    ads_status st = body(ctx, &ctx->dev[device], direct, closure);
    ads_set_current_device(0);
    return st;
}

static ads_status split_run(ads_context *ctx, int64_t batch, const split_arg *args, int nargs,
                            split_body body, void *closure)
{
    if (nargs > MAX_SPLIT_ARGS)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "internal: too many arguments to split");
    int64_t counts[ADS_MAX_DEVICES], first[ADS_MAX_DEVICES];
    int device[ADS_MAX_DEVICES], nsets = 0, only = 0;
    if (ctx->ndev > 1 && batch >= 2) {
        ADS_TRY(check_batch(ctx, args, nargs, batch));
        ADS_TRY(ads_split_counts(ctx, batch, counts));
        only = -1;
        for (int d = 0; d < ctx->ndev; d++)
            if (counts[d] == batch) only = d;
    }
    if (only >= 0) return run_direct(ctx, args, nargs, only, body, closure);
    shard_set *shards = calloc(ADS_MAX_DEVICES, sizeof *shards);
    if (!shards) return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory to split a batch");
    ads_status st = ADS_OK;
    int64_t n0 = 0;
    for (int d = 0; d < ctx->ndev && st == ADS_OK; n0 += counts[d], d++) {
        if (counts[d] == 0) continue;
        first[nsets] = n0;
        device[nsets] = d;
        st = make_shards(ctx, args, nargs, n0, counts[d], &shards[nsets]);
        nsets++;
    }
    for (int s = 0; s < nsets && st == ADS_OK; s++) {
        ads_set_current_device(device[s]);
        st = body(ctx, &ctx->dev[device[s]], shards[s].t, closure);
        ads_set_current_device(0);
    }
    if (st == ADS_OK) st = gather_outputs(ctx, args, nargs, shards, first, nsets);
    else if (st == ADS_ERR_SHAPE_MISMATCH || st == ADS_ERR_INVALID_ARGUMENT) {
        /* A shard's validation failed, and its message names the shard's
           share of the batch. The same validation on the caller's own
           tensors names theirs; it fails before writing anything (and
           were it to pass, it would run the whole call on one device). */
        for (int s = 0; s < nsets; s++) release_shards(&shards[s], nargs);
        nsets = 0;
        st = run_direct(ctx, args, nargs, 0, body, closure);
    }
    for (int s = 0; s < nsets; s++) release_shards(&shards[s], nargs);
    free(shards);
    return st;
}

/* Every public operation that may use another queue than the context's
   (stream 1, other devices) comes through here: one call scope of the
   ordering contract around it. */
ads_status ads_split_run(ads_context *ctx, int64_t batch, const split_arg *args, int nargs,
                         split_body body, void *closure)
{
    ads_call_begin(ctx);
    return ads_call_end(ctx, split_run(ctx, batch, args, nargs, body, closure));
}

int64_t ads_split_batch_of(const ads_tensor *t) { return t && t->ndim >= 1 ? t->shape[0] : 0; }
