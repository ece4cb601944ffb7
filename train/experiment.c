/* `adastride experiment`: both tasks x both nets x fixed/adaptive x seeds
   for one epoch budget, summarised as a markdown table (rewritten after
   every run, so a long experiment shows its progress). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "progress.h"
#include "trainer.h"

#define MAX_SEEDS 10
#define ROWS      8 /* 2 tasks x 2 nets x 2 modes */

typedef struct {
    task_kind task;
    net_arch arch;
    int adaptive, runs;
    double acc[MAX_SEEDS], ips[MAX_SEEDS];
    int64_t params;
} row;

typedef struct {
    const char *spec, *out;
    int epochs, seeds, width, batch;
    float lr, predictor_lr;
    int64_t train_subset;
    unsigned tasks, nets; /* bit k: task_kind / net_arch k takes part */
} exp_options;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: adastride experiment [--epochs E] [--seeds S] [--out results.md]\n"
            "         [--width W] [--batch B] [--lr X] [--predictor-lr F] [--train-subset N]\n"
            "         [--device SPEC]\n"
            "         [--tasks fashion,fashion-placed] [--nets vgg,mobilenet]\n"
            "Trains fashion and fashion-placed x VGG- and MobileNet-style nets x fixed and\n"
            "adaptive stride x S seeds (default 3) for E epochs each (default 4) and writes\n"
            "the mean +- std test accuracy, training images/s and parameter counts.\n"
            "--tasks and --nets restrict it to some tasks or nets (default: all);\n"
            "--predictor-lr is the stride predictors' rate as a multiple of --lr (default 0.1).\n");
}

static void mean_std(const double *v, int n, double *mean, double *std)
{
    double s = 0, q = 0;
    for (int i = 0; i < n; i++) s += v[i];
    *mean = n ? s / n : 0;
    for (int i = 0; i < n; i++) q += (v[i] - *mean) * (v[i] - *mean);
    *std = n > 1 ? sqrt(q / (n - 1)) : 0;
}

static int write_table(const exp_options *e, const row *rows, int nrows)
{
    FILE *f = fopen(e->out, "w");
    if (!f) {
        perror(e->out);
        return 1;
    }
    fprintf(f, "| task | net | stride | test accuracy (mean ± std) | runs | training images/s | "
               "parameters |\n|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < nrows; i++) {
        const row *r = &rows[i];
        if (!r->runs) continue;
        double am, as, im, is;
        mean_std(r->acc, r->runs, &am, &as);
        mean_std(r->ips, r->runs, &im, &is);
        fprintf(f, "| %s | %s | %s | %.2f%% ± %.2f | %d | %.0f | %lld |\n", task_name(r->task),
                net_arch_name(r->arch), r->adaptive ? "adaptive" : "fixed", 100 * am, 100 * as,
                r->runs, im, (long long)r->params);
    }
    char items[32] = "all 55k";
    if (e->train_subset)
        snprintf(items, sizeof items, "the first %lld", (long long)e->train_subset);
    fprintf(f,
            "\n%d epochs, batch %d, SGD momentum 0.9, lr %g cosine (predictors x %g), "
            "weight decay 5e-4, width %d, %s training items; std over seeds (sample std).\n",
            e->epochs, e->batch, (double)e->lr, (double)e->predictor_lr, e->width, items);
    return fclose(f) ? 1 : 0;
}

/* A comma-separated list of names into a bit set, by `parse_name` (-1 for
   an unknown name); 0 when a name is unknown. */
static unsigned parse_set(const char *list, int (*parse_name)(const char *))
{
    char buf[128];
    if (strlen(list) >= sizeof buf) return 0;
    strcpy(buf, list);
    unsigned set = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        int k = parse_name(tok);
        if (k < 0) return 0;
        set |= 1u << k;
    }
    return set;
}

static bool choose_tasks(const char *v, void *dst)
{
    return (*(unsigned *)dst = parse_set(v, task_parse)) != 0;
}

static bool choose_nets(const char *v, void *dst)
{
    return (*(unsigned *)dst = parse_set(v, net_arch_parse)) != 0;
}

/* argv into e: CLI_GO_ON, or the exit code. */
static int parse(int argc, char **argv, exp_options *e)
{
    const cli_option opts[] = {
        CLI_OPT_INT("--epochs", &e->epochs, 1, TRAIN_MAX_EPOCHS),
        CLI_OPT_INT("--seeds", &e->seeds, 1, MAX_SEEDS),
        CLI_OPT_TEXT("--out", &e->out),
        CLI_OPT_INT("--width", &e->width, 1, CLI_MAX_WIDTH),
        CLI_OPT_INT("--batch", &e->batch, 2, CLI_MAX_TRAIN_ITEMS),
        CLI_OPT_REAL("--lr", &e->lr, 0, true, INFINITY),
        CLI_OPT_REAL("--predictor-lr", &e->predictor_lr, 0, false, INFINITY),
        CLI_OPT_INT64("--train-subset", &e->train_subset, 0, CLI_MAX_TRAIN_ITEMS),
        CLI_OPT_TEXT("--device", &e->spec),
        CLI_OPT_CHOICE("--tasks", &e->tasks, choose_tasks,
                       "fashion and/or fashion-placed, comma-separated"),
        CLI_OPT_CHOICE("--nets", &e->nets, choose_nets, "vgg and/or mobilenet, comma-separated"),
    };
    return cli_parse("experiment", argc, argv, opts, sizeof opts / sizeof *opts, usage);
}

static ads_status run_one(const exp_options *e, ads_context *ctx, const task *t, row *r, int seed)
{
    train_options o;
    train_defaults(&o);
    o.task = r->task;
    o.arch = r->arch;
    o.adaptive = r->adaptive;
    o.width = e->width;
    o.epochs = e->epochs;
    o.batch = e->batch;
    o.lr = e->lr;
    o.predictor_lr = e->predictor_lr;
    o.seed = (uint64_t)seed;
    o.train_subset = e->train_subset;
    static train_result res;
    double t0 = progress_now();
    ads_status st = train_run(ctx, t, &o, &res, NULL);
    if (st != ADS_OK) return st;
    r->acc[r->runs] = res.test_acc;
    r->ips[r->runs] = res.images_per_s;
    r->runs++;
    r->params = res.params;
    printf("%s %s %s seed %d: test %.2f%% (validation %.2f%%), %.0f images/s, %.0f s\n",
           task_name(r->task), net_arch_name(r->arch), r->adaptive ? "adaptive" : "fixed", seed,
           100 * res.test_acc, 100 * res.val_acc[res.epochs_done - 1], res.images_per_s,
           progress_now() - t0);
    fflush(stdout);
    return ADS_OK;
}

int experiment_main(int argc, char **argv)
{
    exp_options e = {NULL, "results.md", 4, 3, 16, 64, 0.05f, 0.1f, 0, 3u, 3u};
    int rc = parse(argc, argv, &e);
    if (rc != CLI_GO_ON) return rc;
    static row rows[ROWS];
    ads_context *ctx = NULL;
    ads_status st = ads_context_create(e.spec, &ctx);
    for (int k = 0; k < 2 && st == ADS_OK; k++) {
        if (!(e.tasks & 1u << k)) continue;
        task *t = NULL;
        st = task_open((task_kind)k, NULL, &t);
        /* Seeds outermost within a task: a partial table already compares
           every net and mode. */
        for (int s = 1; s <= e.seeds && st == ADS_OK; s++)
            for (int i = 0; i < 4 && st == ADS_OK; i++) {
                if (!(e.nets & 1u << (i / 2))) continue;
                row *r = &rows[k * 4 + i];
                r->task = (task_kind)k;
                r->arch = (net_arch)(i / 2);
                r->adaptive = i % 2;
                st = run_one(&e, ctx, t, r, s);
                if (st == ADS_OK && write_table(&e, rows, ROWS)) st = ADS_ERR_IO;
            }
        task_release(t);
    }
    if (st != ADS_OK)
        fprintf(stderr, "adastride experiment: %s: %s\n", ads_status_string(st), ads_last_error());
    else printf("wrote %s\n", e.out);
    ads_context_release(ctx);
    return st == ADS_OK ? 0 : 1;
}
