/* The context and its devices: what a context holds. Which device and
   queue the calling thread works on, and the lock, belong to the
   scheduler (scheduler.h); the caches to program.h and workspace.h. */
#ifndef ADS_CONTEXT_H
#define ADS_CONTEXT_H

#include <pthread.h>
#include <stdatomic.h>

#include "env.h"
#include "error.h"

#define ADS_MAX_DEVICES       8
#define ADS_MAX_QUEUES        4
#define ADS_MAX_RELEASE_HOOKS 4

typedef struct {
    cl_platform_id platform;
    cl_device_id device;
    ads_device_info info;
    cl_device_type type; /* CL_DEVICE_TYPE: picks the tuning defaults */
    cl_uint float_width; /* CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT: so does it, on CPUs */
    cl_uint mem_base_align_bytes;
    cl_command_queue queues[ADS_MAX_QUEUES]; /* in-order; ctx->nqueues of them */
    double weight;                           /* share of a split batch; see weights_known */
} ads_device;

/* Owned by the modules that define them (program.c, profile.c,
   workspace.c); the context only holds their lists. */
typedef struct ads_program_entry ads_program_entry;
typedef struct ads_profile_record ads_profile_record;
struct ads_workspace;

struct ads_context {
    cl_context cl;
    /* dev[0].queues[0]: foreign calls (CLBlast), and the queue of the
       ordering contract (queue_contract.c): the caller's queue for a
       context made by ads_context_create_from_queue. */
    cl_command_queue queue;
    cl_command_queue transfer_queue; /* host <-> device copies                   */
    int nqueues;                     /* per device: ADS_QUEUES, default 2 */
    ads_device dev[ADS_MAX_DEVICES];
    int ndev;
    bool weights_known; /* dev[].weight given (ADS_DEVICE_WEIGHTS) or calibrated */

    ads_program_entry *programs; /* in-memory program and kernel cache */
    char *cache_dir;             /* NULL: no disk cache                 */
    const char *cl_dir;          /* ADS_CL_DIR: kernels from disk        */
    int disk_hits, disk_stores;  /* counted for the tests                */

    ads_env env;       /* the environment, read once at creation */
    int gemm_path_env; /* ADS_GEMM parsed (ads_gemm_path), -1 when unset */

    uint64_t memory_budget;
    struct ads_workspace *free_workspaces;
    bool check_finite; /* ADS_CHECK=1 */

    /* Guards the caches, the pool, the tensors' event records and the
       profile, so several host threads may share the context. Recursive:
       internal helpers that lock may call each other (ads_lock in
       scheduler.h). */
    pthread_mutex_t lock;

    bool profiling; /* ADS_PROFILE=1 */
    ads_profile_record *profile;
    int nprofile, profile_cap;
    uint64_t bytes_to_device, bytes_from_device;

    /* The caller holds ctx->queue (made from it, or ads_context_cl_queue
       was called): from then on work on other queues is joined into it. */
    atomic_bool queue_exposed;

    /* Run by ads_context_release once the queues are finished and before
       any OpenCL object goes: for libraries that keep objects of the
       context in caches of their own (CLBlast's programs). */
    void (*release_hooks[ADS_MAX_RELEASE_HOOKS])(ads_context *);
    int nrelease_hooks;
};

/* Adds fn to ctx's release hooks, once however often it is called;
   under ctx's lock. False when the hooks are full (fn will not run). */
bool ads_context_on_release(ads_context *ctx, void (*fn)(ads_context *));

/* Creates the queues that are not set yet (dev[0].queues[0] may be the
   caller's), ctx->nqueues in-order ones per device, and the transfer
   queue. */
ads_status ads_create_queues(ads_context *ctx);

#endif
