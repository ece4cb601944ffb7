/* Tensors: a device buffer, its shape, and the scheduler's event record. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler.h"
#include "tensor.h"

static ads_status validate_shape(const ads_context *ctx, int ndim, const int64_t *shape,
                                 size_t *count)
{
    if (ndim < 1 || ndim > ADS_MAX_DIMS)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "ndim is %d; tensors have 1 to %d dimensions",
                        ndim, ADS_MAX_DIMS);
    if (!shape) return ads_fail(ADS_ERR_NULL_ARGUMENT, "shape is NULL");
    uint64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] <= 0)
            return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                            "shape[%d] is %lld; every dimension must be > 0", i,
                            (long long)shape[i]);
        if ((uint64_t)shape[i] > (UINT64_MAX / 4) / n)
            return ads_fail(ADS_ERR_TOO_LARGE,
                            "shape overflows: dimension %d (%lld) makes the "
                            "byte size exceed 2^64",
                            i, (long long)shape[i]);
        n *= (uint64_t)shape[i];
    }
    uint64_t max_alloc = ctx->dev[0].info.max_alloc_bytes;
    if (n * 4 > max_alloc)
        return ads_fail(ADS_ERR_TOO_LARGE,
                        "tensor of %llu floats (%llu bytes) exceeds the device's largest "
                        "allocation of %llu bytes",
                        (unsigned long long)n, (unsigned long long)n * 4,
                        (unsigned long long)max_alloc);
    *count = (size_t)n;
    return ADS_OK;
}

static ads_tensor *new_tensor(ads_context *ctx, int ndim, const int64_t *shape, size_t count)
{
    ads_tensor *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->ctx = ctx;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
    t->count = count;
    return t;
}

ads_status ads_fill(ads_context *ctx, ads_tensor *t, float v)
{
    ads_lock(ctx);
    cl_event *wait;
    cl_uint nwait;
    cl_command_queue q = ads_queue(ctx, 0);
    ads_status st = ads_wait_list_overwrite(t, &wait, &nwait);
    if (st == ADS_OK) st = ads_order_wait(ctx, q, &wait, &nwait);
    if (st != ADS_OK) free(wait);
    if (st == ADS_OK) {
        cl_event ev;
        cl_int err =
            clEnqueueFillBuffer(q, t->mem, &v, sizeof v, 0, t->count * sizeof v, nwait, wait, &ev);
        free(wait);
        if (err == CL_SUCCESS) {
            clFlush(q);
            ads_record(ev, NULL, 0, &t, 1);
            ads_order_note(ctx, q, ev);
            clReleaseEvent(ev);
        } else {
            st = ads_fail_cl(err, "clEnqueueFillBuffer");
        }
    }
    ads_unlock(ctx);
    return st;
}

static ads_status allocate(ads_context *ctx, ads_tensor *t)
{
    cl_int err;
    t->mem = clCreateBuffer(ctx->cl, CL_MEM_READ_WRITE, t->count * sizeof(float), NULL, &err);
    if (err != CL_SUCCESS) return ads_fail_cl(err, "clCreateBuffer");
    t->owns_mem = true;
    return ads_fill(ctx, t, 0.0f);
}

ads_status ads_tensor_create(ads_context *ctx, int ndim, const int64_t *shape, ads_tensor **out)
{
    if (!out) return ads_fail(ADS_ERR_NULL_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    size_t count;
    ADS_TRY(validate_shape(ctx, ndim, shape, &count));
    ads_tensor *t = new_tensor(ctx, ndim, shape, count);
    if (!t) return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a tensor");
    ads_status st = allocate(ctx, t);
    if (st != ADS_OK) {
        ads_tensor_release(t);
        return st;
    }
    *out = t;
    return ADS_OK;
}

ads_status ads_tensor_create_raw(ads_context *ctx, size_t count, ads_tensor **out)
{
    *out = NULL;
    if (count == 0) count = 1;
    if ((uint64_t)count * 4 > ctx->dev[0].info.max_alloc_bytes)
        return ads_fail(ADS_ERR_TOO_LARGE,
                        "workspace of %zu floats exceeds the device's largest allocation", count);
    int64_t shape = (int64_t)count;
    ads_tensor *t = new_tensor(ctx, 1, &shape, count);
    if (!t) return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a workspace");
    cl_int err;
    t->mem = clCreateBuffer(ctx->cl, CL_MEM_READ_WRITE, count * sizeof(float), NULL, &err);
    if (err != CL_SUCCESS) {
        free(t);
        return ads_fail_cl(err, "clCreateBuffer (workspace)");
    }
    t->owns_mem = true;
    *out = t;
    return ADS_OK;
}

/* What ads_tensor_wrap needs to know of the caller's buffer. */
typedef struct {
    size_t bytes;
    cl_context owner;
    cl_mem root;        /* the buffer itself, or the one it is a sub-buffer of */
    size_t root_offset; /* bytes from root's start to the buffer's */
} buffer_facts;

static ads_status inspect_buffer(cl_mem buffer, buffer_facts *f)
{
    cl_mem_object_type type = 0;
    cl_mem parent = NULL;
    size_t sub_offset = 0;
    cl_int err = clGetMemObjectInfo(buffer, CL_MEM_TYPE, sizeof type, &type, NULL);
    if (err == CL_SUCCESS)
        err = clGetMemObjectInfo(buffer, CL_MEM_SIZE, sizeof f->bytes, &f->bytes, NULL);
    if (err == CL_SUCCESS)
        err = clGetMemObjectInfo(buffer, CL_MEM_CONTEXT, sizeof f->owner, &f->owner, NULL);
    if (err == CL_SUCCESS)
        err = clGetMemObjectInfo(buffer, CL_MEM_ASSOCIATED_MEMOBJECT, sizeof parent, &parent, NULL);
    if (err == CL_SUCCESS && parent)
        err = clGetMemObjectInfo(buffer, CL_MEM_OFFSET, sizeof sub_offset, &sub_offset, NULL);
    if (err != CL_SUCCESS)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "buffer is not a valid OpenCL memory object: clGetMemObjectInfo says %s",
                        ads_cl_error_name(err));
    if (type != CL_MEM_OBJECT_BUFFER)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "buffer is an OpenCL image, not a buffer");
    f->root = parent ? parent : buffer;
    f->root_offset = sub_offset;
    return ADS_OK;
}

/* The strictest CL_DEVICE_MEM_BASE_ADDR_ALIGN of the context's devices. */
static size_t base_alignment(const ads_context *ctx)
{
    size_t align = 1;
    for (int d = 0; d < ctx->ndev; d++)
        if (ctx->dev[d].mem_base_align_bytes > align) align = ctx->dev[d].mem_base_align_bytes;
    return align;
}

/* The cl_mem kernels get for `count` floats at `offset` of the buffer: the
   buffer itself when the tensor is all of it, else a sub-buffer of its
   root (OpenCL makes no sub-buffer of a sub-buffer). Either way its start
   must be aligned for the device, or kernels could not take it. */
static ads_status view_of(const ads_context *ctx, cl_mem buffer, const buffer_facts *f,
                          size_t offset, size_t count, cl_mem *out)
{
    size_t start = f->root_offset + offset * 4, align = base_alignment(ctx);
    if (start % align != 0)
        return ads_fail(ADS_ERR_UNSUPPORTED,
                        "offset %zu elements puts the tensor %zu bytes into its allocation, not "
                        "a multiple of the device's base address alignment "
                        "(CL_DEVICE_MEM_BASE_ADDR_ALIGN) of %zu bytes; adastride's kernels see a "
                        "wrapped region as a sub-buffer, which OpenCL requires to be aligned: "
                        "wrap at an offset (sub-buffer offset included) that is a multiple of "
                        "%zu elements",
                        offset, start, align, align / 4 ? align / 4 : 1);
    if (offset == 0 && count * 4 == f->bytes) {
        clRetainMemObject(buffer);
        *out = buffer;
        return ADS_OK;
    }
    /* Flags 0: the access rights are the buffer's. */
    cl_buffer_region region = {start, count * 4};
    cl_int err;
    *out = clCreateSubBuffer(f->root, 0, CL_BUFFER_CREATE_TYPE_REGION, &region, &err);
    if (err != CL_SUCCESS) return ads_fail_cl(err, "clCreateSubBuffer for ads_tensor_wrap");
    return ADS_OK;
}

ads_status ads_tensor_wrap(ads_context *ctx, cl_mem buffer, size_t offset, int ndim,
                           const int64_t *shape, ads_tensor **out)
{
    if (!out) return ads_fail(ADS_ERR_NULL_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    if (!buffer) return ads_fail(ADS_ERR_NULL_ARGUMENT, "buffer is NULL");
    size_t count;
    ADS_TRY(validate_shape(ctx, ndim, shape, &count));
    buffer_facts f;
    ADS_TRY(inspect_buffer(buffer, &f));
    if (f.owner != ctx->cl)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "buffer belongs to another OpenCL context than ctx's; make the "
                        "ads_context with ads_context_create_from_queue on a queue of the "
                        "buffer's context, or create the buffer in ads_context_cl_context(ctx)");
    if (offset > f.bytes / 4 || count > f.bytes / 4 - offset)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH,
                        "buffer holds %zu floats; offset %zu plus %zu elements does not fit",
                        f.bytes / 4, offset, count);
    cl_mem mem = NULL;
    ADS_TRY(view_of(ctx, buffer, &f, offset, count, &mem));
    ads_tensor *t = new_tensor(ctx, ndim, shape, count);
    if (!t) {
        clReleaseMemObject(mem);
        return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a tensor");
    }
    t->mem = mem; /* releasing it leaves the caller's buffer alone */
    t->owns_mem = true;
    clRetainMemObject(buffer);
    t->view_of = buffer;
    t->view_offset = offset;
    *out = t;
    return ADS_OK;
}

static ads_status check_transfer(const ads_tensor *t, const float *host, size_t count,
                                 const char *host_name)
{
    if (!t) return ads_fail(ADS_ERR_NULL_ARGUMENT, "t is NULL");
    if (!host) return ads_fail(ADS_ERR_NULL_ARGUMENT, "%s is NULL", host_name);
    if (count != t->count)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH, "count is %zu but the tensor holds %zu elements",
                        count, t->count);
    return ADS_OK;
}

/* Enqueues a copy between host and device after the events the tensor
   carries, records it, and waits for it outside the lock so that other
   threads can go on enqueueing. */
static ads_status transfer(ads_tensor *t, float *host, bool to_device)
{
    ads_context *ctx = t->ctx;
    size_t bytes = t->count * sizeof(float);
    cl_event *wait, ev;
    cl_uint nwait;
    ads_lock(ctx);
    ads_status st = to_device
                        ? ads_wait_list_overwrite(t, &wait, &nwait)
                        : ads_wait_list((const ads_tensor *const *)&t, 1, NULL, 0, &wait, &nwait);
    if (st == ADS_OK) st = ads_order_wait(ctx, ctx->transfer_queue, &wait, &nwait);
    if (st != ADS_OK) free(wait);
    if (st == ADS_OK) {
        /* Host copies have a queue of their own, so that a read waits for
           its tensor's writes only, not for every kernel enqueued before
           (once the caller holds the context's queue, also for what was
           enqueued there before: the ordering contract). */
        cl_int err = to_device ? clEnqueueWriteBuffer(ctx->transfer_queue, t->mem, CL_FALSE, 0,
                                                      bytes, host, nwait, wait, &ev)
                               : clEnqueueReadBuffer(ctx->transfer_queue, t->mem, CL_FALSE, 0,
                                                     bytes, host, nwait, wait, &ev);
        free(wait);
        if (err != CL_SUCCESS) {
            st = ads_fail_cl(err, to_device ? "clEnqueueWriteBuffer in ads_tensor_write"
                                            : "clEnqueueReadBuffer in ads_tensor_read");
        } else if (to_device) {
            ads_record(ev, NULL, 0, &t, 1);
            ctx->bytes_to_device += bytes;
        } else {
            ads_record(ev, (const ads_tensor *const *)&t, 1, NULL, 0);
            ctx->bytes_from_device += bytes;
        }
        if (err == CL_SUCCESS) ads_order_note(ctx, ctx->transfer_queue, ev);
    }
    ads_unlock(ctx);
    if (st != ADS_OK) return st;
    /* The caller may reuse its buffer as soon as we return. */
    cl_int err = clWaitForEvents(1, &ev);
    clReleaseEvent(ev);
    if (err != CL_SUCCESS)
        return ads_fail(ADS_ERR_OPENCL,
                        "%s failed: %s (a kernel this copy waited for may have "
                        "failed)",
                        to_device ? "ads_tensor_write" : "ads_tensor_read", ads_cl_error_name(err));
    return ADS_OK;
}

/* A copy's own call scope of the ordering contract: it ends after the
   host has waited, so the completed copy needs no join. */
static ads_status transfer_in_scope(ads_tensor *t, float *host, bool to_device)
{
    ads_call_begin(t->ctx);
    return ads_call_end(t->ctx, transfer(t, host, to_device));
}

ads_status ads_tensor_write(ads_tensor *t, const float *src, size_t count)
{
    ADS_TRY(check_transfer(t, src, count, "src"));
    return transfer_in_scope(t, (float *)src, true); /* a write only reads src */
}

ads_status ads_tensor_read(const ads_tensor *t, float *dst, size_t count)
{
    ADS_TRY(check_transfer(t, dst, count, "dst"));
    return transfer_in_scope((ads_tensor *)t, dst, false); /* the record is mutable state */
}

void ads_tensor_release(ads_tensor *t)
{
    if (!t) return;
    /* Work still queued on the buffer keeps it alive (OpenCL retains it). */
    if (t->last_write) clReleaseEvent(t->last_write);
    for (int i = 0; i < t->nreads; i++) clReleaseEvent(t->reads[i]);
    free(t->reads);
    if (t->mem && t->owns_mem) clReleaseMemObject(t->mem);
    if (t->view_of) clReleaseMemObject(t->view_of);
    free(t);
}

int ads_tensor_ndim(const ads_tensor *t) { return t ? t->ndim : 0; }

int64_t ads_tensor_dim(const ads_tensor *t, int axis)
{
    return t && axis >= 0 && axis < t->ndim ? t->shape[axis] : 0;
}

size_t ads_tensor_count(const ads_tensor *t) { return t ? t->count : 0; }

cl_mem ads_tensor_cl_mem(const ads_tensor *t)
{
    if (!t) return NULL;
    return t->view_of ? t->view_of : t->mem;
}

size_t ads_tensor_offset(const ads_tensor *t) { return t && t->view_of ? t->view_offset : 0; }

/* ------------------------------------------------------------ validation */

const char *ads_shape_str(const ads_tensor *t, char *buf, size_t n)
{
    size_t used = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < t->ndim && used < n; i++)
        used +=
            (size_t)snprintf(buf + used, n - used, "%s%lld", i ? ", " : "", (long long)t->shape[i]);
    if (used < n) snprintf(buf + used, n - used, "]");
    return buf;
}

ads_status ads_check_tensor(const ads_tensor *t, const ads_context *ctx, const char *name)
{
    if (!t) return ads_fail(ADS_ERR_NULL_ARGUMENT, "%s is NULL", name);
    if (t->ctx != ctx)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "%s belongs to another context", name);
    return ADS_OK;
}

ads_status ads_check_shape(const ads_tensor *t, const char *name, int ndim, const int64_t *shape)
{
    bool same = t->ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = t->shape[i] == shape[i];
    if (same) return ADS_OK;
    /* 6 dims of up to 20 characters each fit; the guard keeps a longer
       text from ever writing past the buffer. */
    char got[192], want[192] = "[";
    size_t used = 1;
    for (int i = 0; i < ndim && used < sizeof want; i++)
        used += (size_t)snprintf(want + used, sizeof want - used, "%s%lld", i ? ", " : "",
                                 (long long)shape[i]);
    if (used < sizeof want) snprintf(want + used, sizeof want - used, "]");
    return ads_fail(ADS_ERR_SHAPE_MISMATCH, "%s has shape %s; expected %s", name,
                    ads_shape_str(t, got, sizeof got), want);
}

ads_status ads_check_finite(const ads_tensor *t, const char *name)
{
    if (!t || !t->ctx->check_finite) return ADS_OK;
    float *host = malloc(t->count * sizeof *host);
    if (!host) return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for ADS_CHECK of %s", name);
    ads_status st = ads_tensor_read(t, host, t->count);
    for (size_t i = 0; st == ADS_OK && i < t->count; i++)
        if (!isfinite(host[i]))
            st = ads_fail(ADS_ERR_NON_FINITE, "ADS_CHECK: %s[%zu] (flat index) is %g", name, i,
                          (double)host[i]);
    free(host);
    return st;
}

int64_t ads_output_size(int64_t in, int k, int stride, int pad, int dil)
{
    if (stride <= 0 || k <= 0 || dil <= 0 || in < 0) return 0;
    /* Every step is checked: in + 2*pad can pass INT64_MAX. */
    int64_t span = (int64_t)dil * (k - 1) + 1; /* at most 2^62 */
    int64_t room = in - span;                  /* in >= 0: no overflow */
    int64_t padding = 2 * (int64_t)pad;
    if (padding > 0 && room > INT64_MAX - padding) return 0;
    room += padding;
    if (room < 0) return 0;
    int64_t steps = room / stride;
    return steps < INT64_MAX ? steps + 1 : 0;
}

ads_status ads_check_finite_all(const ads_tensor *const *t, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (t[i]) ADS_TRY(ads_check_finite(t[i], names[i]));
    return ADS_OK;
}

ads_status ads_check_distinct(const ads_tensor *out, const char *out_name,
                              const ads_tensor *const *others, const char *const *names, int n)
{
    if (!out) return ADS_OK;
    for (int i = 0; i < n; i++)
        if (others[i] == out)
            return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                            "%s is the same tensor as %s; an output must be a tensor of its own, "
                            "not an input or another output",
                            out_name, names[i]);
    return ADS_OK;
}
