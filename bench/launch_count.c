/* How many kernel launches each convolution makes, and what a launch
   costs on the device: the figures behind docs/bench.md's launch table.

   The cost of a launch is timed on an empty kernel through the library's
   own launch path (events, dependencies, the queue): once
   as `LAUNCHES` launches in a row then one wait (the cost in a stream of
   work), once as launch-and-wait pairs (the cost of a lone call). The
   counts come from a profiling context (ADS_PROFILE=1 is set here): one
   forward and one forward+backward of each variant, after a warm-up.
   With --cpu it also prints the process's CPU milliseconds per call (the
   mean of 5 calls): the work, less the other jobs of a shared machine.
   Usage: launch_count [workloads] [--cpu]  (default: vgg,res,dw,small) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "adastride_dev.h"

#define LAUNCHES 400
#define PAIRS    100

static ads_status time_launches(ads_context *ctx, double *stream_us, double *lone_us)
{
    ads_tensor *out = NULL;
    int64_t one[1] = {1};
    ads_status st = ads_tensor_create(ctx, 1, one, &out);
    for (int i = 0; i < 10 && st == ADS_OK; i++) st = ads_dev_empty_launch(ctx, out);
    if (st == ADS_OK) st = ads_finish(ctx);
    double t0 = bench_now_ms();
    for (int i = 0; i < LAUNCHES && st == ADS_OK; i++) st = ads_dev_empty_launch(ctx, out);
    if (st == ADS_OK) st = ads_finish(ctx);
    *stream_us = (bench_now_ms() - t0) * 1e3 / LAUNCHES;
    t0 = bench_now_ms();
    for (int i = 0; i < PAIRS && st == ADS_OK; i++) {
        st = ads_dev_empty_launch(ctx, out);
        if (st == ADS_OK) st = ads_finish(ctx);
    }
    *lone_us = (bench_now_ms() - t0) * 1e3 / PAIRS;
    ads_tensor_release(out);
    return st;
}

static ads_status print_cpu_ms(ads_context *ctx, const bench_options *opt)
{
    printf("\nCPU ms per call              forward                 forward+backward\n");
    printf("%-12s %24s %24s\n", "workload", "fixed    sep   grid", "fixed    sep   grid");
    bench_workload wl[16];
    int n = bench_select_workloads(opt, wl, 16);
    ads_status st = ADS_OK;
    for (int i = 0; i < n && st == ADS_OK; i++) {
        double ms[2][3];
        if (wl[i].is_pool) continue;
        st = bench_conv_cpu_ms(ctx, &wl[i], 5, ms);
        if (st == ADS_OK)
            printf("%-12s %10.2f %6.2f %6.2f %10.2f %6.2f %6.2f\n", wl[i].name, ms[0][0], ms[0][1],
                   ms[0][2], ms[1][0], ms[1][1], ms[1][2]);
    }
    return st;
}

int main(int argc, char **argv)
{
    bench_options opt = {.only = "vgg,res,dw,small", .scale = 1, .batch = 1, .reps = 1};
    bool cpu = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cpu") == 0) cpu = true;
        else opt.only = argv[i];
    }
    ads_context *ctx;
    double stream_us = 0, lone_us = 0;
    unsetenv("ADS_PROFILE"); /* the launch cost without profiling's events */
    ads_status st = ads_context_create(NULL, &ctx);
    if (st == ADS_OK) {
        st = time_launches(ctx, &stream_us, &lone_us);
        ads_device_info info;
        if (ads_context_device_info(ctx, 0, &info) != ADS_OK) info.device[0] = '\0';
        printf("%s: an empty launch costs %.1f us in a stream of %d, %.1f us launched and "
               "waited for alone\n",
               info.device, stream_us, LAUNCHES, lone_us);
        if (st == ADS_OK && cpu) st = print_cpu_ms(ctx, &opt);
        ads_context_release(ctx);
    }
    setenv("ADS_PROFILE", "1", 1);
    if (st == ADS_OK) st = ads_context_create(NULL, &ctx);
    if (st != ADS_OK) {
        fprintf(stderr, "launch_count: %s\n", ads_last_error());
        return 1;
    }
    printf("\nkernel launches per call   forward            forward+backward\n");
    printf("%-12s %18s %18s\n", "workload", "fixed  sep grid", "fixed  sep grid");
    bench_workload wl[16];
    int n = bench_select_workloads(&opt, wl, 16);
    for (int i = 0; i < n && st == ADS_OK; i++) {
        if (wl[i].is_pool) continue;
        int fwd[3], fb[3];
        st = bench_conv_launches(ctx, &wl[i], fwd, fb);
        if (st == ADS_OK)
            printf("%-12s %7d %4d %4d   %7d %4d %4d\n", wl[i].name, fwd[0], fwd[1], fwd[2], fb[0],
                   fb[1], fb[2]);
    }
    if (st != ADS_OK) fprintf(stderr, "launch_count: %s\n", ads_last_error());
    fflush(stdout);
    ads_context_release(ctx); /* prints the profile to stderr */
    return st == ADS_OK ? 0 : 1;
}
