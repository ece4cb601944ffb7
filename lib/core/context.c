/* Context creation: device enumeration, queues (the device spec grammar
   is in device_spec.c, the environment variables' syntax in env_parse.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "device_spec.h"
#include "env_parse.h"
#include "profile.h"
#include "program.h"
#include "scheduler.h"
#include "workspace.h"

#define MAX_CANDIDATES 64

static void platform_str(cl_platform_id p, cl_platform_info what, char *buf, size_t n)
{
    buf[0] = '\0';
    if (clGetPlatformInfo(p, what, n, buf, NULL) != CL_SUCCESS) buf[0] = '\0';
    buf[n - 1] = '\0';
}

static void device_str(cl_device_id d, cl_device_info what, char *buf, size_t n)
{
    buf[0] = '\0';
    if (clGetDeviceInfo(d, what, n, buf, NULL) != CL_SUCCESS) buf[0] = '\0';
    buf[n - 1] = '\0';
}

static void describe(cl_platform_id platform, cl_device_id device, candidate *c)
{
    c->platform = platform;
    c->device = device;
    c->type = 0;
    clGetDeviceInfo(device, CL_DEVICE_TYPE, sizeof c->type, &c->type, NULL);
    platform_str(platform, CL_PLATFORM_NAME, c->pname, sizeof c->pname);
    platform_str(platform, CL_PLATFORM_VERSION, c->pversion, sizeof c->pversion);
    device_str(device, CL_DEVICE_NAME, c->dname, sizeof c->dname);
    device_str(device, CL_DEVICE_VENDOR, c->vendor, sizeof c->vendor);
}

static int enumerate(candidate *c, int max)
{
    cl_platform_id plats[16];
    cl_uint np = 0;
    if (clGetPlatformIDs(16, plats, &np) != CL_SUCCESS) return 0;
    int n = 0;
    for (cl_uint p = 0; p < np && p < 16; p++) {
        cl_device_id devs[32];
        cl_uint nd = 0;
        if (clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 32, devs, &nd) != CL_SUCCESS) continue;
        for (cl_uint d = 0; d < nd && d < 32 && n < max; d++, n++) {
            describe(plats[p], devs[d], &c[n]);
            c[n].pi = (int)p;
            c[n].di = (int)d;
        }
    }
    return n;
}

static void fill_info(ads_device *d, const candidate *c)
{
    ads_device_info *in = &d->info;
    memset(in, 0, sizeof *in);
    d->platform = c->platform;
    d->device = c->device;
    snprintf(in->platform, sizeof in->platform, "%s", c->pname);
    snprintf(in->device, sizeof in->device, "%s", c->dname);
    snprintf(in->vendor, sizeof in->vendor, "%s", c->vendor);
    device_str(c->device, CL_DRIVER_VERSION, in->driver_version, sizeof in->driver_version);
    device_str(c->device, CL_DEVICE_VERSION, in->device_version, sizeof in->device_version);
    d->type = c->type;
    in->is_gpu = (c->type & CL_DEVICE_TYPE_GPU) != 0;
    cl_uint cu = 0, align_bits = 0;
    cl_ulong gmem = 0, maxalloc = 0, lmem = 0;
    cl_device_fp_config fp64 = 0;
    clGetDeviceInfo(c->device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL);
    clGetDeviceInfo(c->device, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof gmem, &gmem, NULL);
    clGetDeviceInfo(c->device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof maxalloc, &maxalloc, NULL);
    clGetDeviceInfo(c->device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof lmem, &lmem, NULL);
    clGetDeviceInfo(c->device, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fp64, &fp64, NULL);
    clGetDeviceInfo(c->device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof in->max_work_group_size,
                    &in->max_work_group_size, NULL);
    clGetDeviceInfo(c->device, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits, &align_bits, NULL);
    d->float_width = 0;
    clGetDeviceInfo(c->device, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, sizeof d->float_width,
                    &d->float_width, NULL);
    in->compute_units = (int)cu;
    in->global_mem_bytes = gmem;
    in->max_alloc_bytes = maxalloc;
    in->local_mem_bytes = lmem;
    in->has_fp64 = fp64 != 0;
    in->has_fp16 = -1; /* probed on first query: it costs a compile */
    d->mem_base_align_bytes = align_bits / 8 ? align_bits / 8 : 1;
}

/* The context's settings from its copy of the environment (env.h). */
static ads_status configure_from_env(ads_context *ctx)
{
    const ads_env *env = &ctx->env;
    ctx->memory_budget = ctx->dev[0].info.max_alloc_bytes / 2;
    const char *budget = ads_env_get(env, ADS_ENV_MEMORY_BUDGET);
    if (budget && !ads_parse_bytes(budget, &ctx->memory_budget))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "ADS_MEMORY_BUDGET='%s' is not a byte count such as 268435456 or 256M",
                        budget);
    const char *check = ads_env_get(env, ADS_ENV_CHECK);
    ctx->check_finite = check && strcmp(check, "1") == 0;
    const char *prof = ads_env_get(env, ADS_ENV_PROFILE);
    ctx->profiling = prof && strcmp(prof, "1") == 0;
    const char *queues = ads_env_get(env, ADS_ENV_QUEUES);
    ctx->nqueues = 2;
    if (queues && !ads_parse_int_in(queues, 1, ADS_MAX_QUEUES, &ctx->nqueues))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "ADS_QUEUES='%s' is not a number from 1 to %d",
                        queues, ADS_MAX_QUEUES);
    /* Read once, here: an invalid value fails the context, not a later call. */
    const char *weights = ads_env_get(env, ADS_ENV_DEVICE_WEIGHTS);
    if (ctx->ndev > 1 && weights) {
        double w[ADS_MAX_DEVICES];
        ADS_TRY(ads_parse_device_weights(weights, ctx->ndev, w));
        for (int d = 0; d < ctx->ndev; d++) ctx->dev[d].weight = w[d];
        ctx->weights_known = true;
    }
    const char *gemm = ads_env_get(env, ADS_ENV_GEMM);
    ctx->gemm_path_env = -1;
    if (gemm && !ads_gemm_path_parse(gemm, &ctx->gemm_path_env))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "ADS_GEMM is '%s'; expected 'cpu' (or 'own'), 'tiled' or 'clblast'", gemm);
    ctx->cl_dir = ads_env_get(env, ADS_ENV_CL_DIR);
    /* A program built for several devices has one binary per device: the
       disk cache stores single-device programs only. Kernels loaded from
       ADS_CL_DIR are being edited, headers included: never cached. */
    char why[256] = "";
    ctx->cache_dir = ctx->ndev == 1 && !ctx->cl_dir
                         ? ads_disk_cache_dir(env, &ctx->dev[0], why, sizeof why)
                         : NULL;
    if (why[0] && ctx->profiling) fprintf(stderr, "adastride: no disk cache: %s\n", why);
    return ADS_OK;
}

static ads_status create_cl_objects(ads_context *ctx)
{
    cl_device_id ids[ADS_MAX_DEVICES];
    for (int i = 0; i < ctx->ndev; i++) ids[i] = ctx->dev[i].device;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM,
                                     (cl_context_properties)ctx->dev[0].platform, 0};
    cl_int err;
    ctx->cl = clCreateContext(props, (cl_uint)ctx->ndev, ids, NULL, NULL, &err);
    if (err != CL_SUCCESS) return ads_fail_cl(err, "clCreateContext");
    return ads_create_queues(ctx);
}

/* Several in-order queues on the primary device: an operation's
   independent branches and independent calls overlap across them, and
   the per-tensor events order everything else. */
ads_status ads_create_queues(ads_context *ctx)
{
    cl_command_queue_properties qp = ctx->profiling ? CL_QUEUE_PROFILING_ENABLE : 0;
    for (int d = 0; d < ctx->ndev; d++)
        for (int i = 0; i < ctx->nqueues; i++) {
            if (ctx->dev[d].queues[i]) continue; /* the caller's */
            cl_int err;
            ctx->dev[d].queues[i] = clCreateCommandQueue(ctx->cl, ctx->dev[d].device, qp, &err);
            if (err != CL_SUCCESS) return ads_fail_cl(err, "clCreateCommandQueue");
        }
    ctx->queue = ctx->dev[0].queues[0];
    cl_int err;
    ctx->transfer_queue = clCreateCommandQueue(ctx->cl, ctx->dev[0].device, qp, &err);
    return err == CL_SUCCESS ? ADS_OK : ads_fail_cl(err, "clCreateCommandQueue");
}

static void release_queues(ads_context *ctx)
{
    for (int d = 0; d < ctx->ndev; d++)
        for (int i = 0; i < ADS_MAX_QUEUES; i++) { /* the caller's may be set alone */
            cl_command_queue *q = &ctx->dev[d].queues[i];
            if (*q) {
                clFinish(*q);
                clReleaseCommandQueue(*q);
                *q = NULL;
            }
        }
    ctx->queue = NULL;
    if (ctx->transfer_queue) {
        clFinish(ctx->transfer_queue);
        clReleaseCommandQueue(ctx->transfer_queue);
        ctx->transfer_queue = NULL;
    }
}

static ads_context *new_context(void)
{
    ads_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&ctx->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    atomic_init(&ctx->queue_exposed, false);
    return ctx;
}

ads_status ads_context_create(const char *device_spec, ads_context **out)
{
    if (out == NULL) return ads_fail(ADS_ERR_NULL_ARGUMENT, "out is NULL");
    *out = NULL;
    candidate *cands = calloc(MAX_CANDIDATES, sizeof *cands);
    ads_context *ctx = new_context();
    if (!cands || !ctx) {
        free(cands);
        if (ctx) ads_context_release(ctx);
        return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a context");
    }
    int n = enumerate(cands, MAX_CANDIDATES);
    ads_status st = ads_env_read(&ctx->env);
    const char *spec = device_spec ? device_spec : ads_env_get(&ctx->env, ADS_ENV_DEVICE);
    int picked[ADS_MAX_DEVICES], npicked = 0;
    if (st == ADS_OK) st = ads_resolve_device_spec(spec, cands, n, picked, &npicked);
    if (st == ADS_OK) {
        ctx->ndev = npicked;
        for (int i = 0; i < npicked; i++) fill_info(&ctx->dev[i], &cands[picked[i]]);
        st = configure_from_env(ctx);
    }
    if (st == ADS_OK) st = create_cl_objects(ctx);
    free(cands);
    if (st != ADS_OK) {
        ads_context_release(ctx);
        return st;
    }
    *out = ctx;
    return ADS_OK;
}

/* The queue's cl_context and device, and whether the library can work on
   it (an in-order queue: CLBlast and the joins rely on that order). */
static ads_status inspect_queue(cl_command_queue queue, cl_context *cl, candidate *c)
{
    cl_device_id device = NULL;
    cl_platform_id platform = NULL;
    cl_command_queue_properties props = 0;
    cl_int err = clGetCommandQueueInfo(queue, CL_QUEUE_CONTEXT, sizeof *cl, cl, NULL);
    if (err == CL_SUCCESS)
        err = clGetCommandQueueInfo(queue, CL_QUEUE_DEVICE, sizeof device, &device, NULL);
    if (err == CL_SUCCESS)
        err = clGetCommandQueueInfo(queue, CL_QUEUE_PROPERTIES, sizeof props, &props, NULL);
    if (err == CL_SUCCESS)
        err = clGetDeviceInfo(device, CL_DEVICE_PLATFORM, sizeof platform, &platform, NULL);
    if (err != CL_SUCCESS)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "queue is not a valid OpenCL command queue: clGetCommandQueueInfo says %s",
                        ads_cl_error_name(err));
    if (props & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE)
        return ads_fail(ADS_ERR_UNSUPPORTED,
                        "queue was created with CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE; adastride "
                        "(like CLBlast) orders its work on an in-order queue: pass one");
    describe(platform, device, c);
    return ADS_OK;
}

ads_status ads_context_create_from_queue(cl_command_queue queue, ads_context **out)
{
    if (out == NULL) return ads_fail(ADS_ERR_NULL_ARGUMENT, "out is NULL");
    *out = NULL;
    if (queue == NULL)
        return ads_fail(ADS_ERR_NULL_ARGUMENT, "queue is NULL; pass the in-order "
                                               "cl_command_queue adastride should work on");
    cl_context cl = NULL;
    candidate c;
    ADS_TRY(inspect_queue(queue, &cl, &c));
    ads_context *ctx = new_context();
    if (!ctx) return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a context");
    ctx->ndev = 1;
    fill_info(&ctx->dev[0], &c);
    /* The caller's objects, retained here and released with the context. */
    clRetainContext(cl);
    ctx->cl = cl;
    clRetainCommandQueue(queue);
    ctx->dev[0].queues[0] = queue;
    atomic_store(&ctx->queue_exposed, true);
    ads_status st = ads_env_read(&ctx->env);
    if (st == ADS_OK) st = configure_from_env(ctx);
    if (st == ADS_OK) st = ads_create_queues(ctx);
    if (st != ADS_OK) {
        ads_context_release(ctx);
        return st;
    }
    *out = ctx;
    return ADS_OK;
}

bool ads_context_on_release(ads_context *ctx, void (*fn)(ads_context *))
{
    for (int i = 0; i < ctx->nrelease_hooks; i++)
        if (ctx->release_hooks[i] == fn) return true;
    if (ctx->nrelease_hooks == ADS_MAX_RELEASE_HOOKS) return false;
    ctx->release_hooks[ctx->nrelease_hooks++] = fn;
    return true;
}

void ads_context_release(ads_context *ctx)
{
    if (!ctx) return;
    ads_finish(ctx);
    for (int i = 0; i < ctx->nrelease_hooks; i++) ctx->release_hooks[i](ctx);
    ads_profile_release(ctx); /* prints the table when profiling */
    ads_workspaces_free(ctx);
    ads_programs_release(ctx);
    release_queues(ctx);
    if (ctx->cl) clReleaseContext(ctx->cl);
    free(ctx->cache_dir);
    ads_env_free(&ctx->env);
    pthread_mutex_destroy(&ctx->lock);
    free(ctx);
}

ads_status ads_finish(ads_context *ctx)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    for (int d = 0; d < ctx->ndev; d++)
        for (int i = 0; i < ctx->nqueues; i++) {
            if (!ctx->dev[d].queues[i]) continue;
            cl_int err = clFinish(ctx->dev[d].queues[i]);
            if (err != CL_SUCCESS) return ads_fail_cl(err, "clFinish");
        }
    return ADS_OK;
}

int ads_context_device_count(const ads_context *ctx) { return ctx ? ctx->ndev : 0; }

/* fp16 is real only if the device lists cl_khr_fp16 and a half kernel
   then builds: some drivers list the extension and fail to compile it.
   A device that does not list it is not asked to compile half at all
   (its compiler would only print errors). */
static int probe_fp16(ads_context *ctx)
{
    char ext[8192] = "";
    clGetDeviceInfo(ctx->dev[0].device, CL_DEVICE_EXTENSIONS, sizeof ext, ext, NULL);
    ext[sizeof ext - 1] = '\0';
    if (!strstr(ext, "cl_khr_fp16")) return 0;
    static const char *src = "#pragma OPENCL EXTENSION cl_khr_fp16 : enable\n"
                             "kernel void probe(global half *a) { a[0] = a[0] * (half)2; }\n";
    cl_program p;
    if (ads_build_source(ctx, src, "", &p) != ADS_OK) {
        ads_clear_error();
        return 0;
    }
    clReleaseProgram(p);
    return 1;
}

ads_status ads_context_device_info(const ads_context *ctx, int index, ads_device_info *out)
{
    if (!ctx || !out) return ads_fail(ADS_ERR_NULL_ARGUMENT, "%s is NULL", ctx ? "out" : "ctx");
    if (index < 0 || index >= ctx->ndev)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "device index %d is not in [0, %d)", index,
                        ctx->ndev);
    ads_context *mut = (ads_context *)ctx; /* the probe's result is cached state */
    ads_lock(mut);
    ads_device *d = &mut->dev[index];
    if (d->info.has_fp16 < 0) d->info.has_fp16 = index == 0 ? probe_fp16(mut) : 0;
    *out = d->info;
    ads_unlock(mut);
    return ADS_OK;
}

ads_status ads_context_set_memory_budget(ads_context *ctx, uint64_t bytes)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    if (bytes == 0) return ads_fail(ADS_ERR_INVALID_ARGUMENT, "memory budget must be > 0 bytes");
    ctx->memory_budget = bytes;
    return ADS_OK;
}

uint64_t ads_context_memory_budget(const ads_context *ctx) { return ctx ? ctx->memory_budget : 0; }
