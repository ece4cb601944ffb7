/* Internal interfaces shared by the library's files. Nothing here is public. */
#ifndef ADS_INTERNAL_H
#define ADS_INTERNAL_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "adastride.h"

/* ---------------------------------------------------------------- errors */

/* Records the detail for ads_last_error() and returns st. */
ads_status ads_fail(ads_status st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Maps an OpenCL error to a status (out of memory, or a runtime error) and
   records "what failed: CL_ERROR_NAME". */
ads_status ads_fail_cl(cl_int err, const char *what);
const char *ads_cl_error_name(cl_int err);
void ads_clear_error(void);

/* Propagates a failed status. */
#define ADS_TRY(expr)                                                          \
    do {                                                                       \
        ads_status ads_try_st_ = (expr);                                       \
        if (ads_try_st_ != ADS_OK) return ads_try_st_;                         \
    } while (0)

/* ---------------------------------------------------------------- context */

typedef struct ads_program_entry ads_program_entry;

#define ADS_MAX_DEVICES 8
#define ADS_MAX_QUEUES 4

typedef struct {
    cl_platform_id platform;
    cl_device_id device;
    ads_device_info info;
    cl_uint mem_base_align_bytes;
    cl_command_queue queues[ADS_MAX_QUEUES]; /* in-order; ctx->nqueues of them */
    double weight; /* share of a split batch; 0 until calibrated */
} ads_device;

typedef struct ads_profile_record ads_profile_record;

struct ads_context {
    cl_context cl;
    /* dev[0].queues[0]: foreign calls (CLBlast), and the queue of the
       ordering contract (queue_contract.c): the caller's queue for a
       context made by ads_context_create_from_queue. */
    cl_command_queue queue;
    cl_command_queue transfer_queue; /* host <-> device copies                   */
    int nqueues;            /* per device: ADS_QUEUES, default 2 */
    ads_device dev[ADS_MAX_DEVICES];
    int ndev;

    ads_program_entry *programs; /* in-memory program and kernel cache */
    char *cache_dir;             /* NULL: no disk cache                 */
    const char *cl_dir;          /* ADS_CL_DIR: kernels from disk        */
    int disk_hits, disk_stores;  /* counted for the tests                */

    uint64_t memory_budget;
    struct ads_workspace *free_workspaces;
    bool check_finite; /* ADS_CHECK=1 */

    /* Guards the caches, the pool, the tensors' event records and the
       profile, so several host threads may share the context. Recursive:
       internal helpers that lock may call each other. */
    pthread_mutex_t lock;

    bool profiling; /* ADS_PROFILE=1 or ads_context_enable_profiling */
    ads_profile_record *profile;
    int nprofile, profile_cap;
    uint64_t bytes_to_device, bytes_from_device;

    /* The caller holds ctx->queue (made from it, or ads_context_cl_queue
       was called): from then on work on other queues is joined into it. */
    atomic_bool queue_exposed;
};

/* Creates the queues that are not set yet (dev[0].queues[0] may be the
   caller's) and the transfer queue. */
ads_status ads_create_queues(ads_context *ctx);
/* The queue for `stream` on the device the calling thread works on (the
   primary device, or a shard's device inside ads_split_batch). */
cl_command_queue ads_queue(ads_context *ctx, int stream);
/* The calling thread's device index; set by the multi-device splitter. */
int ads_current_device(void);
void ads_set_current_device(int index);
void ads_lock(ads_context *ctx);
void ads_unlock(ads_context *ctx);

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

/* ----------------------------------------------------------------- tensor */

struct ads_tensor {
    ads_context *ctx;
    cl_mem mem;    /* what kernels get: the whole buffer is the tensor */
    bool owns_mem; /* mem holds a reference of ours, released with t */
    /* A wrap: the caller's buffer and the element offset it was wrapped
       at (view_of retained), what ads_tensor_cl_mem and _offset report.
       NULL for the library's own tensors. */
    cl_mem view_of;
    size_t view_offset;
    int ndim;
    int64_t shape[ADS_MAX_DIMS];
    size_t count;

    /* The scheduler's record: the event of the last write and the events
       of the reads since. A writer waits on all of them, a reader on the
       last write only. */
    cl_event last_write;
    cl_event *reads;
    int nreads, reads_cap;
};

/* Internal 1-D tensor of `count` floats that may exceed 6 dims' rules;
   used for workspaces. */
ads_status ads_tensor_create_raw(ads_context *ctx, size_t count, ads_tensor **out);

/* ---------------------------------------------------------- validation */

/* Each returns ADS_OK or fails naming `name`. */
ads_status ads_check_tensor(const ads_tensor *t, const ads_context *ctx, const char *name);
ads_status ads_check_shape(const ads_tensor *t, const char *name, int ndim,
                           const int64_t *shape);
/* Formats a shape as "[2, 3, 4]" into buf. */
const char *ads_shape_str(const ads_tensor *t, char *buf, size_t n);
/* With ADS_CHECK=1, reads t back and fails with ADS_ERR_NON_FINITE naming
   the first NaN or Inf element; otherwise does nothing. */
ads_status ads_check_finite(const ads_tensor *t, const char *name);

/* --------------------------------------------------------------- programs */

/* The embedded OpenCL sources (generated at build time). */
typedef struct {
    const char *name; /* file name without .cl */
    const char *text; /* includes already resolved */
    size_t length;
} ads_cl_source;
extern const ads_cl_source ads_cl_sources[];
extern const int ads_cl_source_count;

/* The kernel `kernel_name` from program `source_name` built with `options`
   (only -D options that change code shape). Cached per context in memory
   and, when enabled, on disk. The kernel object is owned by the context
   and private to the calling thread (kernel arguments are not
   thread-safe), so set its arguments and enqueue it in the same thread. */
ads_status ads_get_kernel(ads_context *ctx, const char *source_name, const char *options,
                          const char *kernel_name, cl_kernel *out);
/* The program itself (built, cached as above). */
ads_status ads_get_program(ads_context *ctx, const char *source_name, const char *options,
                           cl_program *out);
void ads_programs_release(ads_context *ctx);
/* ads_build_all with extra options (the benchmark adds a unique -D to
   measure cold builds past every cache). */
ads_status ads_build_all_with(ads_context *ctx, const char *options);
/* Builds a program from explicit source, bypassing every cache (tests). */
ads_status ads_build_source(ads_context *ctx, const char *text, const char *options,
                            cl_program *out);

/* Disk cache, used by the program cache. */
char *ads_disk_cache_dir(const ads_device *dev); /* NULL when disabled */
bool ads_disk_cache_load(const char *dir, const char *key, unsigned char **bin, size_t *len);
bool ads_disk_cache_store(const char *dir, const char *key, const unsigned char *bin,
                          size_t len);
uint64_t ads_hash64(const void *data, size_t len, uint64_t seed);

/* ------------------------------------------------------------- scheduler */

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

/* The largest power of two <= want that kernel k may run with as its
   work-group size on the calling thread's device (tree reductions need
   a power of two). */
ads_status ads_group_size_pow2(ads_context *ctx, cl_kernel k, size_t want, size_t *out);

/* Rounds the global size up to a multiple of the local size and enqueues. */
ads_status ads_enqueue(ads_context *ctx, const ads_launch *l);

/* For work that is not a kernel we enqueue (CLBlast, copies): the events
   the given tensors carry, to wait on; after the call `ads_record` stores
   its event. Fails if one of those events reports an earlier command's
   failure. Callers hold the context lock across both calls. */
ads_status ads_wait_list(const ads_tensor *const *reads, int nreads,
                         ads_tensor *const *writes, int nwrites, cl_event **list,
                         cl_uint *n);
/* The wait list of a command that overwrites all of t: a writer of t
   that failed is no reason to fail (its result is being replaced). */
ads_status ads_wait_list_overwrite(ads_tensor *t, cl_event **list, cl_uint *n);
void ads_record(cl_event ev, const ads_tensor *const *reads, int nreads,
                ads_tensor *const *writes, int nwrites);

/* Sets kernel argument i; a helper so call sites read as a list. */
ads_status ads_arg_mem(cl_kernel k, cl_uint i, const ads_tensor *t);
ads_status ads_arg_int(cl_kernel k, cl_uint i, int v);
ads_status ads_arg_long(cl_kernel k, cl_uint i, int64_t v);
ads_status ads_arg_float(cl_kernel k, cl_uint i, float v);
ads_status ads_arg_local(cl_kernel k, cl_uint i, size_t bytes);

/* ------------------------------------------------------------ workspaces */

/* A scratch tensor of at least `count` floats from the context's pool.
   Workspaces are tensors, so the scheduler orders their reuse. */
ads_status ads_workspace_acquire(ads_context *ctx, size_t count, ads_tensor **out);
void ads_workspace_release(ads_context *ctx, ads_tensor *ws);
void ads_workspaces_free(ads_context *ctx);

/* Profiling (profile.c): remembers a launch's event, prints the table. */
void ads_profile_add(ads_context *ctx, cl_kernel k, cl_event ev);
void ads_profile_release(ads_context *ctx);

/* dst += src, element by element (util_ops.c). */
ads_status ads_accumulate(ads_context *ctx, ads_tensor *dst, const ads_tensor *src);
/* pos (N x L) = stride * i along each row: the fixed grid's positions. */
ads_status ads_uniform_positions(ads_context *ctx, ads_tensor *pos, float stride);

/* Fills t with the value v on the device. */
ads_status ads_fill(ads_context *ctx, ads_tensor *t, float v);

#endif
