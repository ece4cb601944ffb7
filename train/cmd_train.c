/* `adastride train`: one network on one task, with progress, a log and
   checkpoints. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "trainer.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: adastride train --task fashion|fashion-placed --net vgg|mobilenet\n"
            "         --mode fixed|adaptive --epochs E --seed S [--batch B] [--lr X]\n"
            "         [--predictor-lr F] [--optimizer sgd|adam] [--width W]\n"
            "         [--train-subset N] [--eval-subset N] [--out DIR] [--resume] [--device SPEC]\n"
            "Trains on Fashion-MNIST (55k training, 5k validation, 10k test items; --train-subset\n"
            "uses the first N training items). Prints the validation accuracy of every epoch,\n"
            "the test accuracy and images/s; with --out writes DIR/log.json and\n"
            "DIR/checkpoint.bin (every epoch; --resume continues from it).\n"
            "--predictor-lr scales the rate of the stride predictor vectors (0 freezes them).\n"
            "Defaults: batch 64, sgd (momentum 0.9, weight decay 5e-4), lr 0.05, predictor-lr\n"
            "0.1, width 16.\n");
}

static int bad(const char *what, const char *value)
{
    fprintf(stderr, "adastride train: bad %s '%s'\n", what, value);
    usage(stderr);
    return 2;
}

/* Parses one option at argv[*i]; returns 0, or the exit code on error. */
static int parse_one(int argc, char **argv, int *i, train_options *o, const char **spec)
{
    const char *a = argv[*i];
    if (strcmp(a, "--resume") == 0) {
        o->resume = 1;
        return 0;
    }
    if (*i + 1 >= argc) return bad("option (no value)", a);
    const char *v = argv[++*i];
    char *end = NULL;
    if (strcmp(a, "--task") == 0) {
        int k = task_parse(v);
        if (k < 0) return bad("--task", v);
        o->task = (task_kind)k;
    } else if (strcmp(a, "--net") == 0) {
        int k = net_arch_parse(v);
        if (k < 0) return bad("--net", v);
        o->arch = (net_arch)k;
    } else if (strcmp(a, "--mode") == 0) {
        if (strcmp(v, "fixed") && strcmp(v, "adaptive")) return bad("--mode", v);
        o->adaptive = strcmp(v, "adaptive") == 0;
    } else if (strcmp(a, "--optimizer") == 0) {
        if (strcmp(v, "sgd") && strcmp(v, "adam")) return bad("--optimizer", v);
        o->optimizer = strcmp(v, "adam") == 0 ? OPT_ADAM : OPT_SGD;
    } else if (strcmp(a, "--epochs") == 0) o->epochs = (int)strtol(v, &end, 10);
    else if (strcmp(a, "--seed") == 0) o->seed = strtoull(v, &end, 10);
    else if (strcmp(a, "--batch") == 0) o->batch = (int)strtol(v, &end, 10);
    else if (strcmp(a, "--width") == 0) o->width = (int)strtol(v, &end, 10);
    else if (strcmp(a, "--lr") == 0) o->lr = strtof(v, &end);
    else if (strcmp(a, "--predictor-lr") == 0) o->predictor_lr = strtof(v, &end);
    else if (strcmp(a, "--train-subset") == 0) o->train_subset = strtoll(v, &end, 10);
    else if (strcmp(a, "--eval-subset") == 0) o->eval_subset = strtoll(v, &end, 10);
    else if (strcmp(a, "--out") == 0) o->out_dir = v;
    else if (strcmp(a, "--device") == 0) *spec = v;
    else return bad("option", a);
    if (end && (*end || end == v)) return bad(a, v);
    return 0;
}

static int make_dir(const char *dir)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) return 0;
    fprintf(stderr, "adastride train: cannot create %s: %s\n", dir, strerror(errno));
    return 1;
}

static void report(const train_result *r)
{
    printf("test accuracy %.2f%%, %.1f images/s (training), %lld parameters\n",
           100 * r->test_acc, r->images_per_s, (long long)r->params);
}

int train_main(int argc, char **argv)
{
    train_options o;
    train_defaults(&o);
    o.progress = 1;
    const char *spec = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        int rc = parse_one(argc, argv, &i, &o, &spec);
        if (rc) return rc;
    }
    if (o.out_dir && make_dir(o.out_dir)) return 1;
    ads_context *ctx = NULL;
    task *t = NULL;
    static train_result r;
    ads_status st = ads_context_create(spec, &ctx);
    if (st == ADS_OK) st = task_open(o.task, NULL, &t);
    if (st == ADS_OK) {
        char config[1024];
        train_config_text(&o, config, sizeof config);
        printf("%s\n", config);
        st = train_run(ctx, t, &o, &r, NULL);
    }
    if (st == ADS_OK) report(&r);
    else fprintf(stderr, "adastride train: %s: %s\n", ads_status_string(st), ads_last_error());
    task_release(t);
    ads_context_release(ctx);
    return st == ADS_OK ? 0 : 1;
}
