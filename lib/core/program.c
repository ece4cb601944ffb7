/* Programs and kernels: built at run time for the device at hand, cached
   per context in memory and, when enabled, on disk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"
#include "scheduler.h"

typedef struct kernel_entry {
    char *name;
    pthread_t owner; /* kernel arguments are per object: one object per thread */
    cl_kernel kernel;
    struct kernel_entry *next;
} kernel_entry;

struct ads_program_entry {
    char *source_name, *options;
    cl_program program;
    kernel_entry *kernels;
    ads_program_entry *next;
};

/* Every program is built to the same language level, with nothing that
   changes floating-point results (no -cl-fast-relaxed-math, no mad). */
#define BASE_OPTIONS "-cl-std=CL1.2"

static char *read_text_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf) buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The source text (owned by the caller) and any extra options it needs. */
static ads_status load_source(const ads_context *ctx, const char *name, char **text, char *extra,
                              size_t extra_n)
{
    extra[0] = '\0';
    if (ctx->cl_dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.cl", ctx->cl_dir, name);
        *text = read_text_file(path);
        if (!*text) return ads_fail(ADS_ERR_IO, "ADS_CL_DIR is set but %s cannot be read", path);
        snprintf(extra, extra_n, " -I %s", ctx->cl_dir);
        return ADS_OK;
    }
    for (int i = 0; i < ads_cl_source_count; i++)
        if (strcmp(ads_cl_sources[i].name, name) == 0) {
            *text = strdup(ads_cl_sources[i].text);
            return *text ? ADS_OK : ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for source");
        }
    return ads_fail(ADS_ERR_INVALID_ARGUMENT, "no kernel source named '%s' is embedded", name);
}

static ads_status build_failure(cl_program p, cl_device_id dev, const char *what)
{
    size_t n = 0;
    clGetProgramBuildInfo(p, dev, CL_PROGRAM_BUILD_LOG, 0, NULL, &n);
    char *log = malloc(n + 1);
    if (log) {
        log[0] = '\0';
        clGetProgramBuildInfo(p, dev, CL_PROGRAM_BUILD_LOG, n, log, NULL);
        log[n] = '\0';
    }
    ads_status st = ads_fail(ADS_ERR_BUILD_FAILED, "building %s failed; build log:\n%s", what,
                             log ? log : "(no memory for the log)");
    free(log);
    return st;
}

static ads_status build_from_source(ads_context *ctx, const char *text, const char *options,
                                    const char *what, cl_program *out)
{
    cl_int err;
    cl_program p = clCreateProgramWithSource(ctx->cl, 1, &text, NULL, &err);
    if (err != CL_SUCCESS) return ads_fail_cl(err, "clCreateProgramWithSource");
    /* For every device of the context: the splitter runs kernels on each. */
    cl_device_id ids[ADS_MAX_DEVICES];
    for (int i = 0; i < ctx->ndev; i++) ids[i] = ctx->dev[i].device;
    err = clBuildProgram(p, (cl_uint)ctx->ndev, ids, options, NULL, NULL);
    if (err != CL_SUCCESS) {
        ads_status st = err == CL_BUILD_PROGRAM_FAILURE || err == CL_INVALID_BUILD_OPTIONS
                            ? build_failure(p, ctx->dev[0].device, what)
                            : ads_fail_cl(err, "clBuildProgram");
        clReleaseProgram(p);
        return st;
    }
    *out = p;
    return ADS_OK;
}

ads_status ads_build_source(ads_context *ctx, const char *text, const char *options,
                            cl_program *out)
{
    if (!ctx || !text || !out) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ads_build_source: NULL");
    char opts[1024];
    snprintf(opts, sizeof opts, "%s %s", BASE_OPTIONS, options ? options : "");
    return build_from_source(ctx, text, opts, "a program from explicit source", out);
}

static cl_program build_from_binary(ads_context *ctx, const unsigned char *bin, size_t len,
                                    const char *options)
{
    cl_int err, status;
    cl_program p =
        clCreateProgramWithBinary(ctx->cl, 1, &ctx->dev[0].device, &len, &bin, &status, &err);
    if (err != CL_SUCCESS) return NULL;
    if (status != CL_SUCCESS ||
        clBuildProgram(p, 1, &ctx->dev[0].device, options, NULL, NULL) != CL_SUCCESS) {
        clReleaseProgram(p);
        return NULL;
    }
    return p;
}

/* Everything the binary depends on, spelled out, so a collision of the
   file-name hash can never load a foreign binary. */
static char *cache_key(const ads_context *ctx, const char *text, const char *options)
{
    const ads_device *d = &ctx->dev[0];
    char pver[256] = "";
    clGetPlatformInfo(d->platform, CL_PLATFORM_VERSION, sizeof pver, pver, NULL);
    pver[sizeof pver - 1] = '\0';
#define KEY_FORMAT                                                                                 \
    "adastride %d.%d.%d\nsource %016llx\noptions %s\ndevice %s\n"                                  \
    "device-version %s\ndriver %s\nplatform %s\nplatform-version %s\n"
#define KEY_ARGS                                                                                   \
    ADS_VERSION_MAJOR, ADS_VERSION_MINOR, ADS_VERSION_PATCH,                                       \
        (unsigned long long)ads_hash64(text, strlen(text), 0), options, d->info.device,            \
        d->info.device_version, d->info.driver_version, d->info.platform, pver
    int n = snprintf(NULL, 0, KEY_FORMAT, KEY_ARGS);
    char *key = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (key) snprintf(key, (size_t)n + 1, KEY_FORMAT, KEY_ARGS);
#undef KEY_FORMAT
#undef KEY_ARGS
    return key;
}

static bool program_binary(cl_program p, unsigned char **bin, size_t *len)
{
    size_t n = 0;
    if (clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof n, &n, NULL) != CL_SUCCESS || n == 0)
        return false;
    *bin = malloc(n);
    if (!*bin) return false;
    if (clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof *bin, bin, NULL) != CL_SUCCESS) {
        free(*bin);
        return false;
    }
    *len = n;
    return true;
}

/* Saved only once every kernel of the program could be created, so a
   binary that builds but cannot run is never stored. */
static void store_if_usable(ads_context *ctx, cl_program p, const char *key)
{
    cl_uint nk = 0;
    if (clCreateKernelsInProgram(p, 0, NULL, &nk) != CL_SUCCESS || nk == 0) return;
    cl_kernel *ks = malloc(nk * sizeof *ks);
    if (!ks) return;
    bool ok = clCreateKernelsInProgram(p, nk, ks, NULL) == CL_SUCCESS;
    for (cl_uint i = 0; ok && i < nk; i++) clReleaseKernel(ks[i]);
    free(ks);
    unsigned char *bin;
    size_t len;
    if (ok && program_binary(p, &bin, &len)) {
        if (ads_disk_cache_store(ctx->cache_dir, key, bin, len)) ctx->disk_stores++;
        free(bin);
    }
}

/* ADS_PROGRAM_LOG=file appends "source<TAB>options" for every program the
   process builds (the options exactly as passed to clBuildProgram, less
   ADS_CL_DIR's -I), and "source<TAB>options<TAB>kernel" for every kernel
   it creates to launch: tools/gpu_resources.py compiles those offline for
   GPU targets. */
static void log_program(const ads_context *ctx, const char *name, const char *options,
                        const char *kernel)
{
    const char *path = ads_env_get(&ctx->env, ADS_ENV_PROGRAM_LOG);
    FILE *f = path && *path ? fopen(path, "a") : NULL;
    if (!f) return;
    fprintf(f, "%s\t%s %s%s%s\n", name, BASE_OPTIONS, options, kernel ? "\t" : "",
            kernel ? kernel : "");
    fclose(f);
}

static ads_status build_program(ads_context *ctx, const char *name, const char *options,
                                cl_program *out)
{
    char *text, extra[4200], opts[8192];
    ADS_TRY(load_source(ctx, name, &text, extra, sizeof extra));
    log_program(ctx, name, options, NULL);
    snprintf(opts, sizeof opts, "%s %s%s", BASE_OPTIONS, options, extra);
    char *key = ctx->cache_dir ? cache_key(ctx, text, opts) : NULL;
    unsigned char *bin;
    size_t len;
    *out = NULL;
    if (key && ads_disk_cache_load(ctx->cache_dir, key, &bin, &len)) {
        *out = build_from_binary(ctx, bin, len, opts); /* NULL: stale, rebuild */
        free(bin);
        if (*out) ctx->disk_hits++;
    }
    ads_status st = ADS_OK;
    if (!*out) {
        char what[512];
        snprintf(what, sizeof what, "cl/%s.cl with options '%s'", name, options);
        st = build_from_source(ctx, text, opts, what, out);
        if (st == ADS_OK && key) store_if_usable(ctx, *out, key);
    }
    free(key);
    free(text);
    return st;
}

static ads_program_entry *find_program(ads_context *ctx, const char *name, const char *options)
{
    for (ads_program_entry *e = ctx->programs; e; e = e->next)
        if (strcmp(e->source_name, name) == 0 && strcmp(e->options, options) == 0) return e;
    return NULL;
}

static ads_status get_entry(ads_context *ctx, const char *name, const char *options,
                            ads_program_entry **out)
{
    if (!options) options = "";
    ads_program_entry *e = find_program(ctx, name, options);
    if (!e) {
        cl_program p;
        ADS_TRY(build_program(ctx, name, options, &p));
        e = calloc(1, sizeof *e);
        if (e) {
            e->source_name = strdup(name);
            e->options = strdup(options);
        }
        if (!e || !e->source_name || !e->options) {
            if (e) free(e->source_name), free(e->options);
            free(e);
            clReleaseProgram(p);
            return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for the program cache");
        }
        e->program = p;
        e->next = ctx->programs;
        ctx->programs = e;
    }
    *out = e;
    return ADS_OK;
}

ads_status ads_get_program(ads_context *ctx, const char *source_name, const char *options,
                           cl_program *out)
{
    ads_lock(ctx);
    ads_program_entry *e;
    ads_status st = get_entry(ctx, source_name, options, &e);
    if (st == ADS_OK) *out = e->program;
    ads_unlock(ctx);
    return st;
}

static ads_status get_kernel_locked(ads_context *ctx, const char *source_name, const char *options,
                                    const char *kernel_name, cl_kernel *out)
{
    ads_program_entry *e;
    ADS_TRY(get_entry(ctx, source_name, options, &e));
    pthread_t self = pthread_self();
    for (kernel_entry *k = e->kernels; k; k = k->next)
        if (pthread_equal(k->owner, self) && strcmp(k->name, kernel_name) == 0) {
            *out = k->kernel;
            return ADS_OK;
        }
    cl_int err;
    cl_kernel kern = clCreateKernel(e->program, kernel_name, &err);
    if (err != CL_SUCCESS)
        return ads_fail(ADS_ERR_OPENCL, "kernel %s not found in cl/%s.cl: %s", kernel_name,
                        source_name, ads_cl_error_name(err));
    kernel_entry *k = calloc(1, sizeof *k);
    if (k) k->name = strdup(kernel_name);
    if (!k || !k->name) {
        free(k);
        clReleaseKernel(kern);
        return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for the kernel cache");
    }
    k->owner = self;
    k->kernel = kern;
    log_program(ctx, source_name, options, kernel_name); /* a kernel about to launch */
    k->next = e->kernels;
    e->kernels = k;
    *out = kern;
    return ADS_OK;
}

ads_status ads_get_kernel(ads_context *ctx, const char *source_name, const char *options,
                          const char *kernel_name, cl_kernel *out)
{
    ads_lock(ctx);
    ads_status st = get_kernel_locked(ctx, source_name, options, kernel_name, out);
    ads_unlock(ctx);
    return st;
}

void ads_programs_release(ads_context *ctx)
{
    while (ctx->programs) {
        ads_program_entry *e = ctx->programs;
        ctx->programs = e->next;
        while (e->kernels) {
            kernel_entry *k = e->kernels;
            e->kernels = k->next;
            clReleaseKernel(k->kernel);
            free(k->name);
            free(k);
        }
        clReleaseProgram(e->program);
        free(e->source_name);
        free(e->options);
        free(e);
    }
}

ads_status ads_build_all_with(ads_context *ctx, const char *options)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    for (int i = 0; i < ads_cl_source_count; i++) {
        cl_program p;
        ADS_TRY(ads_get_program(ctx, ads_cl_sources[i].name, options, &p));
    }
    return ADS_OK;
}

ads_status ads_build_all(ads_context *ctx) { return ads_build_all_with(ctx, ""); }
