/* The launch builder: one statement per kernel argument, and for a
   tensor that statement also declares how the kernel uses it, so the
   argument and the dependency the scheduler orders by can never
   disagree. Arguments are set in order, from index 0:

       ads_launcher l;
       ads_launch_begin(&l, ctx, kernel);     // or ads_launch_kernel(...)
       ads_launch_in(&l, x);                  // argument 0, read
       ads_launch_out(&l, y);                 // argument 1, written
       ads_launch_int(&l, n);                 // argument 2
       size_t global[2] = {w, h}, local[2] = {16, 1};
       return ads_launch_run(&l, 2, global, local);

   The first failure (getting the kernel, setting an argument, too many
   tensors) sticks; the later calls do nothing and ads_launch_run returns
   it, so a call site needs no check per line.

   ads_launch_run owns the launch geometry:
   - the local size asked for is a wish: it is narrowed (dimension 0
     first, halving) until it fits the kernel's CL_KERNEL_WORK_GROUP_SIZE
     on the device the calling thread's work runs on (ads_device_of_call);
   - the global size is rounded up to whole work-groups (the kernels
     guard their indices);
   - a grid with more than ADS_MAX_GRID_GROUPS work-groups along y or z
     (the most NVIDIA's grids allow) is folded into several enqueues with
     a global work offset (OpenCL 1.2), so kernels need no change as long
     as they index by get_global_id in those dimensions (none reads
     get_group_id, get_num_groups or get_global_size there).

   Beneath it lies the scheduler's ads_launch/ads_enqueue (scheduler.h),
   which the GEMM still calls directly. */
#ifndef ADS_LAUNCH_H
#define ADS_LAUNCH_H

#include "scheduler.h"

/* Work-groups per grid dimension y and z in one enqueue. */
#define ADS_MAX_GRID_GROUPS 65535

typedef struct {
    ads_context *ctx;
    ads_launch l;  /* the kernel, stream and the tensors' roles */
    cl_uint nargs; /* the next argument's index                */
    ads_status st; /* the first failure, sticky                 */
} ads_launcher;

/* Starts a launch of kernel k on stream 0. */
void ads_launch_begin(ads_launcher *b, ads_context *ctx, cl_kernel k);
/* Starts a launch of the kernel `name` of program `source` built with
   `options` (ads_get_kernel). */
void ads_launch_kernel(ads_launcher *b, ads_context *ctx, const char *source, const char *options,
                       const char *name);
/* The queue the launch goes to (ads_launch.stream); 0 by default. */
void ads_launch_stream(ads_launcher *b, int stream);

/* The next argument is tensor t, which the kernel reads (in), writes
   (out) or both (inout). */
void ads_launch_in(ads_launcher *b, const ads_tensor *t);
void ads_launch_out(ads_launcher *b, ads_tensor *t);
void ads_launch_inout(ads_launcher *b, ads_tensor *t);
/* For an optional tensor: t as above, or, when t is NULL, `placeholder`
   as an argument the kernel never touches (a buffer argument may not be
   NULL), with no dependency. */
void ads_launch_in_or(ads_launcher *b, const ads_tensor *t, const ads_tensor *placeholder);
void ads_launch_out_or(ads_launcher *b, ads_tensor *t, const ads_tensor *placeholder);

/* The next argument(s) by value. */
void ads_launch_int(ads_launcher *b, int v);
void ads_launch_ints(ads_launcher *b, const int *v, int n);
void ads_launch_long(ads_launcher *b, int64_t v);
void ads_launch_float(ads_launcher *b, float v);
/* The next argument is `bytes` of local memory. */
void ads_launch_local(ads_launcher *b, size_t bytes);

/* The largest power of two <= want that the kernel may run as one
   work-group on the calling thread's device (tree reductions); 1 after
   a failure. */
size_t ads_launch_group_pow2(ads_launcher *b, size_t want);

/* Enqueues the launch over `global` (dims 1..3) with the wished `local`
   size (NULL: the driver chooses), as described above; returns the
   first failure of the whole build. A global size of 0 enqueues nothing. */
ads_status ads_launch_run(ads_launcher *b, cl_uint dims, const size_t *global, const size_t *local);

#endif
