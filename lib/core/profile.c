/* ADS_PROFILE=1: every kernel launch's event is kept, and when the context
   is released a table of kernel time per kernel name is printed to
   stderr, with the bytes moved between host and device. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

struct ads_profile_record {
    char name[64];
    cl_event ev;
};

void ads_profile_add(ads_context *ctx, cl_kernel k, cl_event ev)
{
    if (ctx->nprofile == ctx->profile_cap) {
        int cap = ctx->profile_cap ? ctx->profile_cap * 2 : 256;
        ads_profile_record *grown = realloc(ctx->profile, (size_t)cap * sizeof *grown);
        if (!grown) return; /* profiling is best effort */
        ctx->profile = grown;
        ctx->profile_cap = cap;
    }
    ads_profile_record *r = &ctx->profile[ctx->nprofile++];
    r->name[0] = '\0';
    clGetKernelInfo(k, CL_KERNEL_FUNCTION_NAME, sizeof r->name, r->name, NULL);
    r->name[sizeof r->name - 1] = '\0';
    clRetainEvent(ev);
    r->ev = ev;
}

typedef struct {
    const char *name;
    int calls;
    double total_ms;
} kernel_total;

static int by_total(const void *a, const void *b)
{
    double x = ((const kernel_total *)a)->total_ms, y = ((const kernel_total *)b)->total_ms;
    return (x < y) - (x > y);
}

static double duration_ms(cl_event ev)
{
    cl_ulong start = 0, end = 0;
    if (clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_START, sizeof start, &start, NULL) !=
            CL_SUCCESS ||
        clGetEventProfilingInfo(ev, CL_PROFILING_COMMAND_END, sizeof end, &end, NULL) != CL_SUCCESS)
        return 0;
    return end > start ? (double)(end - start) / 1e6 : 0;
}

static void print_table(const ads_context *ctx)
{
    kernel_total *t = calloc((size_t)ctx->nprofile + 1, sizeof *t);
    if (!t) return;
    int n = 0;
    double all = 0;
    for (int i = 0; i < ctx->nprofile; i++) {
        const ads_profile_record *r = &ctx->profile[i];
        int k = 0;
        while (k < n && strcmp(t[k].name, r->name) != 0) k++;
        if (k == n) t[n++].name = r->name;
        double ms = duration_ms(r->ev);
        t[k].calls++;
        t[k].total_ms += ms;
        all += ms;
    }
    qsort(t, (size_t)n, sizeof *t, by_total);
    fprintf(stderr, "\nadastride profile (%s)\n%-36s %7s %11s %10s %7s\n", ctx->dev[0].info.device,
            "kernel", "calls", "total ms", "mean ms", "share");
    for (int k = 0; k < n; k++)
        fprintf(stderr, "%-36s %7d %11.3f %10.4f %6.1f%%\n", t[k].name, t[k].calls, t[k].total_ms,
                t[k].total_ms / t[k].calls, all > 0 ? 100 * t[k].total_ms / all : 0);
    fprintf(stderr, "%-36s %7d %11.3f\nbytes host->device %llu, device->host %llu\n", "all",
            ctx->nprofile, all, (unsigned long long)ctx->bytes_to_device,
            (unsigned long long)ctx->bytes_from_device);
    free(t);
}

void ads_profile_release(ads_context *ctx)
{
    if (ctx->profiling && ctx->nprofile) print_table(ctx);
    for (int i = 0; i < ctx->nprofile; i++) clReleaseEvent(ctx->profile[i].ev);
    free(ctx->profile);
    ctx->profile = NULL;
    ctx->nprofile = ctx->profile_cap = 0;
}
