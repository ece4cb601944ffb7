/* The scheduler: which device and queue the calling thread works on, the
   context's lock, and the one enqueue path. Every command waits on
   exactly the events its tensors carry (read-after-write,
   write-after-read, write-after-write) and records its own event on them.

   Operations launch their kernels through the launch builder (launch.h),
   which sets each tensor's kernel argument and its dependency in one
   statement; ads_launch and ads_enqueue below are the layer beneath it,
   still used directly by the GEMM. */
#ifndef ADS_SCHEDULER_H
#define ADS_SCHEDULER_H

#include "context.h"
#include "tensor.h"

/* ------------------------------------------------- device, queue, lock */

/* The calling thread's device index; the multi-device splitter sets it
   around each shard's work (0 otherwise). */
int ads_current_device(void);
void ads_set_current_device(int index);
/* The device the calling thread's work runs on: ctx->dev[ads_current_device()]
   (the first device when the index is out of range). Operations read it
   once at their entry and pass it down explicitly. */
const ads_device *ads_device_of_call(const ads_context *ctx);
/* The queue for `stream` on the calling thread's device. */
cl_command_queue ads_queue(ads_context *ctx, int stream);
void ads_lock(ads_context *ctx);
void ads_unlock(ads_context *ctx);

/* ------------------------------------------------ the ordering contract */

/* The ordering contract with ctx->queue (queue_contract.c). A public call
   that may put work on another queue runs between ads_call_begin and
   ads_call_end (which returns st, or the failure of the final join);
   calls nest, and the outermost joins. Every command bound for queue q
   gets its wait list through ads_order_wait (which may append the call's
   entry marker) and reports its event to ads_order_note. A command
   outside any call scope is joined on its own. */
void ads_call_begin(ads_context *ctx);
ads_status ads_call_end(ads_context *ctx, ads_status st);
ads_status ads_order_wait(ads_context *ctx, cl_command_queue q, cl_event **list, cl_uint *n);
void ads_order_note(ads_context *ctx, cl_command_queue q, cl_event ev);

/* ------------------------------------------------------------- launches */

#define ADS_MAX_LAUNCH_TENSORS 12

/* One kernel launch: the tensors it reads and writes decide what it waits
   for and what it records. A tensor both read and written is listed in
   writes only. local[0] == 0 lets the driver choose. `stream` 0 is the
   main queue; an operation may put a branch that is independent of its
   other work (gw beside gx) on stream 1 so the two can overlap. */
typedef struct {
    int stream;
    cl_kernel kernel;
    cl_uint dims;
    size_t global[3];
    size_t local[3];
    const ads_tensor *reads[ADS_MAX_LAUNCH_TENSORS];
    ads_tensor *writes[ADS_MAX_LAUNCH_TENSORS];
    int nreads, nwrites;
} ads_launch;

/* Rounds the global size up to a multiple of the local size and enqueues. */
ads_status ads_enqueue(ads_context *ctx, const ads_launch *l);
/* Enqueues l as it is (global already a multiple of local) with the
   given global work offset (NULL: none); the launch builder's folding of
   oversized grids goes through it. */
ads_status ads_enqueue_offset(ads_context *ctx, const ads_launch *l, const size_t *offset);

/* Sets kernel argument i; the GEMM's call sites use these. */
ads_status ads_arg_mem(cl_kernel k, cl_uint i, const ads_tensor *t);
ads_status ads_arg_int(cl_kernel k, cl_uint i, int v);
ads_status ads_arg_long(cl_kernel k, cl_uint i, int64_t v);
ads_status ads_arg_float(cl_kernel k, cl_uint i, float v);
ads_status ads_arg_local(cl_kernel k, cl_uint i, size_t bytes);

/* ------------------------------------------- work that is not a kernel */

/* For work we do not enqueue as a kernel (CLBlast, copies): the events
   the given tensors carry, to wait on; after the call `ads_record` stores
   its event. Fails if one of those events reports an earlier command's
   failure. Callers hold the context lock across both calls. */
ads_status ads_wait_list(const ads_tensor *const *reads, int nreads, ads_tensor *const *writes,
                         int nwrites, cl_event **list, cl_uint *n);
/* The wait list of a command that overwrites all of t: a writer of t
   that failed is no reason to fail (its result is being replaced). */
ads_status ads_wait_list_overwrite(ads_tensor *t, cl_event **list, cl_uint *n);
void ads_record(cl_event ev, const ads_tensor *const *reads, int nreads, ads_tensor *const *writes,
                int nwrites);

#endif
