/* The adastride command: devices, selftest, build-time, tune, env, and the
   bench and training commands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adastride.h"
#include "adastride_dev.h"
#include "bench.h"
#include "commands.h"
#include "selftest.h"
#include "tune.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: adastride <command> [--device SPEC]\n"
               "commands:\n"
               "  devices    list every OpenCL platform and device, marking the default\n"
               "  selftest   build every kernel and run a known-answer check of each operation\n"
               "  build-time build every kernel program once and print the milliseconds taken\n"
               "  bench      time the workloads on every device (adastride bench --help)\n"
               "  tune       time kernel variants on the device and store the fastest (ADS_TUNE)\n"
               "  env        print the environment variables and tuning keys (Markdown)\n"
               "  train      train a network on Fashion-MNIST (adastride train --help)\n"
               "  demo       train fixed and adaptive nets for a few minutes, write demo.png\n"
               "  experiment both tasks x both nets x fixed/adaptive x seeds -> a markdown table\n"
               "SPEC: P:D, gpu, cpu, or a name substring (see README); default $ADS_DEVICE,\n"
               "else the first GPU, else the first CPU.\n");
}

static const char *yes_no(int v) { return v > 0 ? "yes" : "no"; }

static void print_device(const ads_device_info *in, const char *spec, bool is_default)
{
    printf("%s %-6s %s\n", is_default ? "*" : " ", spec, in->device);
    printf("         platform %s, vendor %s, driver %s\n", in->platform, in->vendor,
           in->driver_version);
    printf("         %s, %d compute units, %.1f GiB memory, %.1f GiB max allocation, "
           "%llu KiB local, fp64 %s, fp16 %s\n",
           in->is_gpu ? "GPU" : "non-GPU", in->compute_units,
           (double)in->global_mem_bytes / (1 << 30), (double)in->max_alloc_bytes / (1 << 30),
           (unsigned long long)in->local_mem_bytes / 1024, yes_no(in->has_fp64),
           yes_no(in->has_fp16));
}

static int cmd_devices(void)
{
    ads_context *def = NULL;
    ads_device_info definfo;
    memset(&definfo, 0, sizeof definfo);
    if (ads_context_create(NULL, &def) == ADS_OK) ads_context_device_info(def, 0, &definfo);
    ads_context_release(def);
    int found = 0;
    for (int p = 0; p < 16; p++) {
        for (int d = 0; d < 64; d++) {
            char spec[32];
            snprintf(spec, sizeof spec, "%d:%d", p, d);
            ads_context *ctx;
            if (ads_context_create(spec, &ctx) != ADS_OK) break;
            ads_device_info in;
            ads_context_device_info(ctx, 0, &in);
            bool is_def = strcmp(in.device, definfo.device) == 0 &&
                          strcmp(in.platform, definfo.platform) == 0;
            print_device(&in, spec, is_def);
            ads_context_release(ctx);
            found++;
        }
    }
    if (!found) {
        ads_context *ctx;
        ads_status st = ads_context_create(NULL, &ctx);
        fprintf(stderr, "adastride: no OpenCL device: %s\n", st == ADS_OK ? "" : ads_last_error());
        if (st == ADS_OK) ads_context_release(ctx);
        return 1;
    }
    printf("(* marks the default device)\n");
    return 0;
}

static int cmd_selftest(const char *spec)
{
    ads_context *ctx;
    ads_status st = ads_context_create(spec, &ctx);
    if (st != ADS_OK) {
        fprintf(stderr, "adastride: %s: %s\n", ads_status_string(st), ads_last_error());
        return 1;
    }
    ads_device_info in;
    ads_context_device_info(ctx, 0, &in);
    printf("selftest on %s (%s, driver %s)\n", in.device, in.platform, in.driver_version);
    selftest_tally t = {0, 0};
    selftest_core(ctx, &t);
    selftest_sampling(ctx, &t);
    selftest_gconv(ctx, &t);
    selftest_pool(ctx, &t);
    ads_context_release(ctx);
    printf("%d passed, %d failed\n", t.passed, t.failed);
    return t.failed ? 1 : 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Times ads_build_all in a fresh context: with cold caches the compile
   time, with warm ones the cost of loading from the caches. */
static int cmd_build_time(const char *spec)
{
    ads_context *ctx;
    ads_status st = ads_context_create(spec, &ctx);
    if (st == ADS_OK) {
        double t0 = now_ms();
        st = ads_build_all(ctx);
        if (st == ADS_OK) printf("%.1f\n", now_ms() - t0);
        ads_context_release(ctx);
    }
    if (st != ADS_OK)
        fprintf(stderr, "adastride: %s: %s\n", ads_status_string(st), ads_last_error());
    return st == ADS_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    /* bench parses its own options. */
    if (argc > 1 && strcmp(argv[1], "bench") == 0) return bench_main(argc - 1, argv + 1);
    /* So do the training commands. */
    if (argc > 1 && strcmp(argv[1], "train") == 0) return train_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "demo") == 0) return demo_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "experiment") == 0) return experiment_main(argc - 1, argv + 1);
    const char *spec = NULL;
    const char *cmd = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--device") == 0) {
            if (i + 1 == argc) {
                fprintf(stderr, "adastride: --device needs a value\n");
                return 2;
            }
            spec = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (!cmd) cmd = argv[i];
        else {
            fprintf(stderr, "adastride: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!cmd) {
        usage(stderr);
        return 2;
    }
    if (strcmp(cmd, "devices") == 0) return cmd_devices();
    if (strcmp(cmd, "selftest") == 0) return cmd_selftest(spec);
    if (strcmp(cmd, "build-time") == 0) return cmd_build_time(spec);
    if (strcmp(cmd, "tune") == 0) return tune_main(spec);
    if (strcmp(cmd, "env") == 0) {
        ads_dev_print_registry(stdout);
        return 0;
    }
    fprintf(stderr, "adastride: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
