/*
 * adastride: adaptive-stride convolution and pooling on any OpenCL device.
 *
 * All tensors are float32, NCHW, contiguous, and live on one device of a
 * context. Calls enqueue work and return; every tensor remembers the event
 * of its last write and of the reads since, and each call waits on exactly
 * those, so independent calls overlap and ads_tensor_read() waits only for
 * the tensor it reads (and, once the application holds the context's
 * queue, for the commands enqueued there before: see the contract below).
 *
 * Errors: every call returns an ads_status; ads_last_error() gives a
 * sentence naming the argument and the value that was wrong (or the OpenCL
 * build log). Arguments are checked before anything is enqueued, so a
 * rejected call leaves every buffer unchanged.
 *
 * Threads: operations may be called from several host threads on one
 * context at once, provided no two threads write the same tensor (or one
 * writes a tensor another reads) at the same time; ads_layer objects are
 * used by one thread at a time. ads_last_error() is per thread.
 *
 * OpenCL interop (see "interop" below): a context can be made on the
 * application's own cl_command_queue, tensors can wrap its cl_mem
 * buffers, and every call is ordered with that queue as if it were a
 * command on it.
 */
#ifndef ADASTRIDE_H
#define ADASTRIDE_H

#include <stddef.h>
#include <stdint.h>

/* The OpenCL types of the interop calls; OpenCL 1.2 unless the includer
   chose a version. */
#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#if defined(__APPLE__)
#include <OpenCL/opencl.h>
#else
#include <CL/cl.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Windows: the DLL exports its API while it is built (ADS_BUILDING, set
   by meson.build) and a program using the DLL imports it; define
   ADS_STATIC when linking the static library instead. Elsewhere the
   library is built with hidden visibility and ADS_API shows its API. */
#if defined(_WIN32)
#if defined(ADS_STATIC)
#define ADS_API
#elif defined(ADS_BUILDING)
#define ADS_API __declspec(dllexport)
#else
#define ADS_API __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define ADS_API __attribute__((visibility("default")))
#else
#define ADS_API
#endif

#define ADS_VERSION_MAJOR 0
#define ADS_VERSION_MINOR 1
#define ADS_VERSION_PATCH 0

/* ---------------------------------------------------------------- status */

typedef enum {
    ADS_OK = 0,
    ADS_ERR_NULL_ARGUMENT,    /* a required pointer was NULL                */
    ADS_ERR_INVALID_ARGUMENT, /* a value out of its domain (stride <= 0...) */
    ADS_ERR_SHAPE_MISMATCH,   /* tensor shapes do not agree                 */
    ADS_ERR_TOO_LARGE,        /* exceeds what the device can allocate       */
    ADS_ERR_OUT_OF_MEMORY,    /* the device or host ran out of memory       */
    ADS_ERR_NO_DEVICE,        /* no OpenCL device matches the request       */
    ADS_ERR_BUILD_FAILED,     /* a kernel failed to compile (log in detail) */
    ADS_ERR_OPENCL,           /* an OpenCL runtime call failed              */
    ADS_ERR_UNSUPPORTED,      /* the device cannot do what was asked        */
    ADS_ERR_NON_FINITE,       /* ADS_CHECK=1 found a NaN or Inf input       */
    ADS_ERR_IO                /* a file could not be read or written        */
} ads_status;

/* A short fixed name for a status ("invalid argument", ...). */
ADS_API const char *ads_status_string(ads_status st);
/* The detail of the last failure on this thread ("" if none). */
ADS_API const char *ads_last_error(void);
/* Records a printf-formatted detail as this thread's ads_last_error() and
   returns st: for code built on adastride (an application's own layers, a
   binding) that reports its own failures through the same channel, so its
   callers have one place to look. */
ADS_API ads_status ads_set_last_error(ads_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* --------------------------------------------------------------- context */

typedef struct ads_context ads_context; /* platform, devices, queues, caches */
typedef struct ads_tensor ads_tensor;   /* device buffer + shape (float32)   */

/*
 * device_spec:
 *   NULL        the ADS_DEVICE variable if set, else the first GPU, else
 *               the first CPU device;
 *   "P:D"       platform index P, device index D;
 *   "gpu"/"cpu"/"accelerator"  the first device of that type and no
 *               other (a simulator reporting every type, as oclgrind
 *               does, is picked by index or name only);
 *   any other   a case-insensitive substring of the platform name or
 *               version, vendor or device name ("nvidia", "pocl", ...);
 *   "a,b", "all"  several devices of one platform ("all": every device
 *               of the default device's platform): every convolution,
 *               pooling and sampling call (so every layer call) splits
 *               its batch across them by ADS_DEVICE_WEIGHTS or a measured
 *               calibration; the training building blocks run on the
 *               first device.
 * A spec that matches nothing fails with ADS_ERR_NO_DEVICE and a message
 * listing the devices that exist.
 */
ADS_API ads_status ads_context_create(const char *device_spec, ads_context **out);
ADS_API void ads_context_release(ads_context *ctx);
/* Waits for all work enqueued on the context (on a context made from the
   caller's queue, for everything on that queue too). */
ADS_API ads_status ads_finish(ads_context *ctx);

typedef struct {
    char platform[256], device[256], vendor[256], driver_version[128], device_version[128];
    int is_gpu, compute_units, has_fp64, has_fp16;
    uint64_t global_mem_bytes, max_alloc_bytes, local_mem_bytes;
    size_t max_work_group_size;
} ads_device_info;

/* Capabilities of the context's device number `index` (0 = the primary). */
ADS_API ads_status ads_context_device_info(const ads_context *ctx, int index, ads_device_info *out);
ADS_API int ads_context_device_count(const ads_context *ctx);

/* The bytes of workspace (im2col columns and the like) one call may hold
   at once; from ADS_MEMORY_BUDGET (bytes, K/M/G suffixes allowed), else
   half the device's largest allocation. Larger work is split by batch. */
ADS_API ads_status ads_context_set_memory_budget(ads_context *ctx, uint64_t bytes);
ADS_API uint64_t ads_context_memory_budget(const ads_context *ctx);

/* ---------------------------------------------------------------- interop */

/*
 * A context on the application's own OpenCL objects: the queue's device
 * and cl_context (no second cl_context is made). The queue must be
 * in-order; it is retained and released with the context, and so is its
 * cl_context. ADS_DEVICE is not consulted; the other ADS_ variables are.
 * The library adds queues of its own on that device and context (a second
 * stream and a transfer queue). Fails with ADS_ERR_NULL_ARGUMENT for a
 * NULL queue, ADS_ERR_INVALID_ARGUMENT for something that is not a queue
 * and ADS_ERR_UNSUPPORTED for an out-of-order one.
 *
 * ORDERING CONTRACT with the context's queue, ads_context_cl_queue(ctx):
 *  - an ads_ call sees every command enqueued on that queue before it
 *    (a non-blocking clEnqueueWriteBuffer into a wrapped buffer included);
 *  - a command enqueued on that queue after an ads_ call returns sees the
 *    call's results (and may overwrite its inputs).
 * Calls return once their work is enqueued (ads_tensor_read/write and the
 * calls that say so wait). Work the library puts on its other queues is
 * tied to that queue with a marker at its start and a barrier at its end
 * (only for calls that used another queue); the library never calls
 * clFinish on it, except in ads_finish and ads_context_release, which wait
 * for everything on it. The contract also covers the caller's own kernels
 * and copies on ads_tensor_cl_mem buffers; commands on the caller's OTHER
 * queues are not ordered by it (use events or clFinish there, ads_finish
 * here). Once the caller holds the queue, ads_tensor_read also waits for
 * the commands enqueued on it before (it cannot tell them apart).
 */
ADS_API ads_status ads_context_create_from_queue(cl_command_queue queue, ads_context **out);
/* The context's cl_context, owned by the context (retain it to keep it
   longer). NULL for a NULL ctx. */
ADS_API cl_context ads_context_cl_context(const ads_context *ctx);
/* The queue of the ordering contract: the one given to
   ads_context_create_from_queue, or for ads_context_create the first
   queue of the primary device (the contract holds for it from the first
   call of this function on; that call joins all earlier work into it).
   Owned by the context. */
ADS_API cl_command_queue ads_context_cl_queue(const ads_context *ctx);

/* ---------------------------------------------------------------- tensor */

#define ADS_MAX_DIMS 6

/* 1 to 6 dimensions, each > 0; fails with ADS_ERR_TOO_LARGE when the
   buffer would exceed the device's largest allocation. Contents are
   zero-initialised. */
ADS_API ads_status ads_tensor_create(ads_context *ctx, int ndim, const int64_t *shape,
                                     ads_tensor **out);
/* A tensor of `shape` floats that lives in the caller's buffer from
   element `offset` on, without a copy: what the library writes there,
   the caller reads there and the other way round, ordered by the
   contract above. The buffer must belong to ctx's cl_context (else
   ADS_ERR_INVALID_ARGUMENT) and may be a sub-buffer; it is retained by
   the tensor, and releasing the tensor releases only that reference.
   Kernels see the region through a sub-buffer (unless it is the whole
   buffer), which OpenCL requires to start at a multiple of the device's
   CL_DEVICE_MEM_BASE_ADDR_ALIGN: a start (offset*4 plus the given
   sub-buffer's own offset) that is not fails
   with ADS_ERR_UNSUPPORTED naming the alignment (128 bytes, 32 floats, is
   common). Tensors wrapping overlapping memory are not ordered against
   each other inside one call. The contents are left as they are. */
ADS_API ads_status ads_tensor_wrap(ads_context *ctx, cl_mem buffer, size_t offset, int ndim,
                                   const int64_t *shape, ads_tensor **out);
/* count must equal the element count. Write copies src before returning. */
ADS_API ads_status ads_tensor_write(ads_tensor *t, const float *src, size_t count);
/* Waits for the writes pending on t, nothing else. */
ADS_API ads_status ads_tensor_read(const ads_tensor *t, float *dst, size_t count);
ADS_API void ads_tensor_release(ads_tensor *t);

ADS_API int ads_tensor_ndim(const ads_tensor *t);
ADS_API int64_t ads_tensor_dim(const ads_tensor *t, int axis); /* 0 if out of range */
ADS_API size_t ads_tensor_count(const ads_tensor *t);
/* Where the tensor's elements are, for the caller's own kernels and
   copies (ordered by the contract above): element i is float number
   ads_tensor_offset(t) + i of ads_tensor_cl_mem(t). For a wrapped tensor
   these are the buffer and offset it was wrapped with; for a tensor of
   the library, its own buffer and 0. The buffer is owned by the tensor. */
ADS_API cl_mem ads_tensor_cl_mem(const ads_tensor *t);
ADS_API size_t ads_tensor_offset(const ads_tensor *t); /* in elements */

/* ------------------------------------------------------------- sampling */

typedef struct {
    int kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups;
} ads_conv_desc;

typedef enum { ADS_POOL_MAX, ADS_POOL_AVG, ADS_POOL_AVG_EXCLUDE_PAD } ads_pool_mode;

typedef struct {
    ads_pool_mode mode;
    int kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w;
} ads_pool_desc;

/* Where the outputs are sampled, in input pixel units (row y, column x).
   All NULL: the fixed-stride grid of the desc (output size as PyTorch's).
   py (N x Ho) with px (N x Wo): separable adaptive grid; the first tap of
   output (i,j) of image n sits at (py[n,i] - pad_h, px[n,j] - pad_w) and
   tap (ky,kx) at (py - pad_h + ky*dil_h, px - pad_w + kx*dil_w): exactly
   a fixed-stride layer when py = stride_h*i and px = stride_w*j.
   grid (N x Ho x Wo x 2, y then x): any grid, same convention.
   Taps are read bilinearly with zero padding (docs/design.md 1.3); NaN, Inf
   and huge positions read 0 with zero gradient. */
typedef struct {
    const ads_tensor *py, *px, *grid;
} ads_sampling;
typedef struct {
    ads_tensor *py, *px, *grid;
} ads_sampling_grad;

/* ------------------------------------------------------ gather-convolution */

/* x: N x Cin x H x W, w: Cout x Cin/groups x kh x kw, b: Cout or NULL,
   y: N x Cout x Ho x Wo. */
ADS_API ads_status ads_gconv_forward(ads_context *ctx, const ads_conv_desc *d, const ads_tensor *x,
                                     const ads_tensor *w, const ads_tensor *b, ads_sampling at,
                                     ads_tensor *y);
/* Any of gx, gw, gb and the members of gat may be NULL: skipped with their
   work. All outputs are overwritten. Every output is deterministic (the
   same inputs give bit-identical results) for all three sampling kinds:
   no float atomics are used. */
ADS_API ads_status ads_gconv_backward(ads_context *ctx, const ads_conv_desc *d, const ads_tensor *x,
                                      const ads_tensor *w, ads_sampling at, const ads_tensor *gy,
                                      ads_tensor *gx, ads_tensor *gw, ads_tensor *gb,
                                      ads_sampling_grad gat);

/* ---------------------------------------------------------------- pooling */

/* Max pooling reads only taps inside [0,H-1] x [0,W-1]; ties go to the
   first tap in row-major (ky,kx) order; an output with no tap inside is 0
   and passes no gradient. Average pooling counts every tap (zero halo),
   divisor kh*kw; AVG_EXCLUDE_PAD sums and counts inside taps only. */
ADS_API ads_status ads_pool_forward(ads_context *ctx, const ads_pool_desc *d, const ads_tensor *x,
                                    ads_sampling at, ads_tensor *y);
ADS_API ads_status ads_pool_backward(ads_context *ctx, const ads_pool_desc *d, const ads_tensor *x,
                                     ads_sampling at, const ads_tensor *gy, ads_tensor *gx,
                                     ads_sampling_grad gat);
/* Max pooling with the winners recorded: argmax (same shape as y) receives
   the winning tap index ky*kw+kx as a float, or -1 where no tap was inside.
   Backward given argmax reads the winners instead of recomputing them;
   argmax NULL recomputes. For the other modes argmax must be NULL. */
ADS_API ads_status ads_pool_forward_ex(ads_context *ctx, const ads_pool_desc *d,
                                       const ads_tensor *x, ads_sampling at, ads_tensor *y,
                                       ads_tensor *argmax);
ADS_API ads_status ads_pool_backward_ex(ads_context *ctx, const ads_pool_desc *d,
                                        const ads_tensor *x, ads_sampling at,
                                        const ads_tensor *argmax, const ads_tensor *gy,
                                        ads_tensor *gx, ads_sampling_grad gat);

/* ------------------------------------------------------- stride sampling */

/* docs/design.md 1.1: logits (N x L) -> positions (N x L):
   p[n,0] = origin, p[n,i] = origin + stride * sum_{j<i} L*softmax(a/t)_j.
   All-zero logits give origin + stride*i exactly. pos may be the logits
   tensor itself: the positions then replace the logits, correctly. */
ADS_API ads_status ads_stride_positions(ads_context *ctx, const ads_tensor *logits, float stride,
                                        float origin, float temperature, ads_tensor *pos);
/* glogits (N x L) is overwritten; it may be gpos itself, not the logits. */
ADS_API ads_status ads_stride_positions_backward(ads_context *ctx, const ads_tensor *logits,
                                                 float stride, float temperature,
                                                 const ads_tensor *gpos, ads_tensor *glogits);

/* docs/design.md 1.2: x (N x C x H x W) -> logits for rows (N x Ho) and columns
   (N x Wo), with v_rows and v_cols of length C. One axis may be skipped by
   passing NULL for both its v and its output. */
typedef enum { ADS_PROFILE_LINEAR, ADS_PROFILE_VARIATION } ads_profile;
ADS_API ads_status ads_stride_logits(ads_context *ctx, ads_profile phi, const ads_tensor *x,
                                     const ads_tensor *v_rows, const ads_tensor *v_cols,
                                     ads_tensor *a_rows, ads_tensor *a_cols);
/* gx is accumulated into (pass the gx the convolution backward wrote);
   gv_rows and gv_cols are overwritten. Any output may be NULL. */
ADS_API ads_status ads_stride_logits_backward(ads_context *ctx, ads_profile phi,
                                              const ads_tensor *x, const ads_tensor *v_rows,
                                              const ads_tensor *v_cols, const ads_tensor *ga_rows,
                                              const ads_tensor *ga_cols, ads_tensor *gx,
                                              ads_tensor *gv_rows, ads_tensor *gv_cols);

/* ------------------------------------------------------------------ layer */

/* The adaptive-stride module as a layer (docs/design.md 1.6): predictor ->
   positions -> gather-convolution or pooling. With adapt NONE it is the
   fixed-stride layer; a fresh adaptive layer (v = 0) computes exactly
   what the fixed one does. The layer owns its parameters and their
   gradients. */
typedef struct ads_layer ads_layer;
typedef enum { ADS_LAYER_CONV, ADS_LAYER_POOL } ads_layer_kind;
typedef enum {
    ADS_ADAPT_NONE = 0,
    ADS_ADAPT_ROWS = 1,
    ADS_ADAPT_COLS = 2,
    ADS_ADAPT_BOTH = 3
} ads_adapt;

typedef struct {
    ads_layer_kind kind;
    int in_channels;
    int out_channels;   /* conv only; a pool keeps in_channels */
    ads_conv_desc conv; /* conv: kernel, nominal stride, padding, dilation, groups */
    ads_pool_desc pool; /* pool: mode, window, nominal stride, padding, dilation */
    int out_h, out_w;   /* 0: the fixed-stride layer's output size */
    ads_adapt adapt;    /* which axes learn their strides */
    ads_profile profile;
    float temperature; /* 0 means 1 */
    int bias;          /* conv: 1 adds a bias */
    uint64_t seed;     /* He-uniform W; b, v_rows, v_cols start at 0 */
} ads_layer_desc;

typedef enum { ADS_PARAM_WEIGHT, ADS_PARAM_BIAS, ADS_PARAM_V_ROWS, ADS_PARAM_V_COLS } ads_param;

ADS_API ads_status ads_layer_create(ads_context *ctx, const ads_layer_desc *d, ads_layer **out);
ADS_API void ads_layer_release(ads_layer *l);
/* The output shape for an input of shape in (N x C x H x W); every size
   must be >= 1 (ADS_ERR_INVALID_ARGUMENT otherwise). */
ADS_API ads_status ads_layer_output_shape(const ads_layer *l, const int64_t in[4], int64_t out[4]);
/* y = layer(x). Keeps what backward needs, including a reference to x:
   x must stay alive and unchanged until the matching backward. */
ADS_API ads_status ads_layer_forward(ads_layer *l, const ads_tensor *x, ads_tensor *y);
/* From gy, overwrites gx (NULL: not wanted) and ACCUMULATES the
   parameter gradients (conv path plus predictor path). */
ADS_API ads_status ads_layer_backward(ads_layer *l, const ads_tensor *gy, ads_tensor *gx);
ADS_API ads_status ads_layer_zero_grad(ads_layer *l);
/* The parameter or its gradient; NULL where the layer has none (no bias,
   a pool's weight, an axis that does not adapt). Owned by the layer. */
ADS_API ads_tensor *ads_layer_param(ads_layer *l, ads_param p);
ADS_API ads_tensor *ads_layer_grad(ads_layer *l, ads_param p);
/* The sampling positions of the last forward pass: py (N x Ho) and px
   (N x Wo), in input pixels, with the convention of ads_sampling (tap
   (ky,kx) of output (i,j) sits at py[i] - pad_h + ky*dil_h, ...). */
ADS_API ads_status ads_layer_positions(ads_layer *l, float *py, size_t ny, float *px, size_t nx);
/* Parameters to and from a file (format in docs/design.md: magic,
   version, shapes, checksum). A truncated, corrupt or mismatched file is
   refused with ADS_ERR_IO or ADS_ERR_SHAPE_MISMATCH and leaves the layer
   unchanged. */
ADS_API ads_status ads_layer_save(ads_layer *l, const char *path);
ADS_API ads_status ads_layer_load(ads_layer *l, const char *path);

/* ------------------------------------------------------------- utilities */

/* Output size of a fixed-stride conv or pool along one axis, as PyTorch
   computes it (ceil_mode false); 0 when the window does not fit, when an
   argument is out of range (in < 0; k, stride or dil < 1) or when the
   size would pass INT64_MAX (no arithmetic here can overflow). */
ADS_API int64_t ads_output_size(int64_t in, int k, int stride, int pad, int dil);

/* Builds every kernel program the library has for the context's device;
   useful to warm caches and to check a driver. */
ADS_API ads_status ads_build_all(ads_context *ctx);

#ifdef __cplusplus
}
#endif
#endif
