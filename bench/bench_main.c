/* The benchmark driver: per device, measure its limits, then time every
   selected workload; print a table and write CSV, JSON and a chart.
   Used by `adastride bench` and the `adastride-bench` program. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "bench.h"
#include "adastride_dev.h"
#include "options.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: adastride bench [options]\n"
            "  --devices SPEC   devices to run on (ADS_DEVICE grammar, e.g. 0:0,gpu); "
            "default every device\n"
            "  --quick          a reduced suite for smoke checks (under a minute on PoCL)\n"
            "  --only NAMES     comma-separated workload or network names (see --list)\n"
            "  --scale F        spatial scale of the network layers (default 1: their own sizes)\n"
            "  --batch N        batch multiplier of the network layers (default 1)\n"
            "  --reps N         timed runs per figure, median reported (default 7)\n"
            "  --csv FILE, --json FILE, --plot FILE.png   machine-readable output, chart\n"
            "  --list           list the workloads\n");
}

typedef struct {
    bench_options opt;
    float scale; /* parsed as a float, kept as opt.scale */
    const char *devices, *csv, *json, *plot;
} cli;

/* argv into c: CLI_GO_ON, or the exit code. */
static int parse(int argc, char **argv, cli *c)
{
    c->opt = (bench_options){NULL, false, 1.0, 1, 7};
    bool list = false;
    int reps = 0;
    const cli_option opts[] = {
        CLI_OPT_FLAG("--quick", &c->opt.quick),
        CLI_OPT_FLAG("--list", &list),
        CLI_OPT_TEXT("--devices", &c->devices),
        CLI_OPT_TEXT("--only", &c->opt.only),
        CLI_OPT_REAL("--scale", &c->scale, 0, true, 16),
        CLI_OPT_INT("--batch", &c->opt.batch, 1, 1024),
        CLI_OPT_INT("--reps", &reps, 1, 1000),
        CLI_OPT_TEXT("--csv", &c->csv),
        CLI_OPT_TEXT("--json", &c->json),
        CLI_OPT_TEXT("--plot", &c->plot),
    };
    c->scale = 1.0f;
    int rc = cli_parse("bench", argc, argv, opts, sizeof opts / sizeof *opts, usage);
    if (rc != CLI_GO_ON) return rc;
    if (list) {
        bench_list_workloads(stdout);
        return 0;
    }
    c->opt.scale = c->scale;
    c->opt.reps = reps ? reps : c->opt.quick ? 3 : 7;
    return CLI_GO_ON;
}

/* The device specs to run: each term of --devices, or every device. */
static int device_specs(const char *devices, char specs[][32], int max)
{
    int n = 0;
    if (devices && strcasecmp(devices, "all") != 0) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s", devices);
        char *save = NULL;
        for (char *t = strtok_r(buf, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
            snprintf(specs[n++], 32, "%s", t);
        return n;
    }
    for (int p = 0; p < 16; p++)
        for (int d = 0; d < 64 && n < max; d++) {
            char spec[32];
            snprintf(spec, sizeof spec, "%d:%d", p, d);
            ads_context *ctx;
            if (ads_context_create(spec, &ctx) != ADS_OK) break;
            ads_context_release(ctx);
            snprintf(specs[n++], 32, "%s", spec);
        }
    ads_set_last_error(ADS_OK, "%s", ""); /* the probes' failures are expected */
    return n;
}

/* Cold: every program with a never-seen -D, so no cache can answer;
   cached: the same options again in a new context. */
static ads_status measure_builds(const char *spec, bench_limits *lim)
{
    char opts[64];
    snprintf(opts, sizeof opts, "-DADS_BENCH_NONCE=%ld%d", (long)time(NULL), rand());
    for (int round = 0; round < 2; round++) {
        ads_context *ctx;
        ADS_DEV_TRY(ads_context_create(spec, &ctx));
        double t0 = bench_now_ms();
        ads_status st = ads_dev_build_all_with(ctx, opts);
        double ms = bench_now_ms() - t0;
        ads_context_release(ctx);
        if (st != ADS_OK) return st;
        *(round ? &lim->build_cached_ms : &lim->build_cold_ms) = ms;
    }
    return ADS_OK;
}

static ads_status run_device(const char *spec, const cli *c, bench_limits *lim, bench_table *tab)
{
    ADS_DEV_TRY(measure_builds(spec, lim));
    ads_context *ctx;
    ADS_DEV_TRY(ads_context_create(spec, &ctx));
    ads_device_info in;
    ads_status st = ads_context_device_info(ctx, 0, &in);
    /* The spec makes two identical devices distinct rows. */
    snprintf(lim->device, sizeof lim->device, "%.200s [%.31s]", in.device, spec);
    snprintf(lim->driver, sizeof lim->driver, "%s", in.driver_version);
    if (st == ADS_OK) st = bench_measure_limits(ctx, lim);
    if (st == ADS_OK)
        printf("device %s: %s (%s, driver %s)\n  FMA peak %.1f GFLOP/s, copy %.1f GB/s, "
               "kernel programs built in %.0f ms cold, %.0f ms cached\n  FMA probe: %s\n",
               spec, in.device, in.platform, in.driver_version, lim->fma_gflops, lim->copy_gbs,
               lim->build_cold_ms, lim->build_cached_ms, lim->fma_probe);
    bench_workload wl[64];
    int n = bench_select_workloads(&c->opt, wl, 64);
    for (int i = 0; i < n && st == ADS_OK; i++)
        st = wl[i].is_pool ? bench_pool(ctx, &wl[i], lim, c->opt.reps, tab)
                           : bench_conv(ctx, &wl[i], lim, c->opt.reps, tab);
    bench_progress_done();
    ads_context_release(ctx);
    return st;
}

static bool write_outputs(const cli *c, const bench_table *tab, const bench_limits *lims, int n)
{
    bool ok = true;
    if (c->csv && !bench_write_csv(c->csv, tab, lims, n))
        ok = false, fprintf(stderr, "adastride bench: cannot write %s\n", c->csv);
    if (c->json && !bench_write_json(c->json, tab, lims, n))
        ok = false, fprintf(stderr, "adastride bench: cannot write %s\n", c->json);
    if (c->plot && tab->n == 0)
        ok = false, fprintf(stderr, "adastride bench: no results to draw in %s\n", c->plot);
    else if (c->plot && !bench_write_plot(c->plot, tab))
        ok = false, fprintf(stderr,
                            "adastride bench: gnuplot could not draw %s (is Debian's "
                            "gnuplot-nox installed?)\n",
                            c->plot);
    return ok;
}

int bench_main(int argc, char **argv)
{
    cli c = {0};
    int rc = parse(argc, argv, &c);
    if (rc != CLI_GO_ON) return rc;
    char specs[16][32];
    int nspec = device_specs(c.devices, specs, 16);
    if (nspec == 0) {
        fprintf(stderr, "adastride bench: no OpenCL device found\n");
        return 1;
    }
    bench_limits lims[16];
    memset(lims, 0, sizeof lims);
    bench_table tab = {0};
    int failed = 0;
    for (int i = 0; i < nspec; i++) {
        ads_status st = run_device(specs[i], &c, &lims[i], &tab);
        if (st != ADS_OK) {
            fprintf(stderr, "adastride bench: device %s: %s: %s\n", specs[i], ads_status_string(st),
                    ads_last_error());
            failed++;
        }
    }
    for (int i = 0; i < nspec; i++) {
        bench_table one = {0};
        for (int r = 0; r < tab.n; r++)
            if (!strcmp(tab.rows[r].device, lims[i].device)) {
                bench_row *copy = bench_add_row(&one);
                if (copy) *copy = tab.rows[r];
            }
        if (one.n) bench_print_table(&one, &lims[i]);
        free(one.rows);
    }
    bool ok = write_outputs(&c, &tab, lims, nspec);
    free(tab.rows);
    return failed || !ok ? 1 : 0;
}
