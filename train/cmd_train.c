/* `adastride train`: one network on one task, with progress, a log and
   checkpoints. */
#include <errno.h>
#include <math.h>
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

static bool choose_task(const char *v, void *dst)
{
    int k = task_parse(v);
    if (k >= 0) *(task_kind *)dst = (task_kind)k;
    return k >= 0;
}

static bool choose_net(const char *v, void *dst)
{
    int k = net_arch_parse(v);
    if (k >= 0) *(net_arch *)dst = (net_arch)k;
    return k >= 0;
}

static bool choose_mode(const char *v, void *dst)
{
    if (strcmp(v, "fixed") && strcmp(v, "adaptive")) return false;
    *(int *)dst = strcmp(v, "adaptive") == 0;
    return true;
}

static bool choose_optimizer(const char *v, void *dst)
{
    if (strcmp(v, "sgd") && strcmp(v, "adam")) return false;
    *(optimizer_kind *)dst = strcmp(v, "adam") == 0 ? OPT_ADAM : OPT_SGD;
    return true;
}

/* argv into o and spec; CLI_GO_ON or the exit code. */
int train_parse_options(int argc, char **argv, train_options *o, const char **spec)
{
    bool resume = o->resume;
    const cli_option opts[] = {
        CLI_OPT_CHOICE("--task", &o->task, choose_task, "fashion or fashion-placed"),
        CLI_OPT_CHOICE("--net", &o->arch, choose_net, "vgg or mobilenet"),
        CLI_OPT_CHOICE("--mode", &o->adaptive, choose_mode, "fixed or adaptive"),
        CLI_OPT_CHOICE("--optimizer", &o->optimizer, choose_optimizer, "sgd or adam"),
        CLI_OPT_INT("--epochs", &o->epochs, 1, TRAIN_MAX_EPOCHS),
        CLI_OPT_U64("--seed", &o->seed),
        CLI_OPT_INT("--batch", &o->batch, 2, CLI_MAX_TRAIN_ITEMS),
        CLI_OPT_INT("--width", &o->width, 1, CLI_MAX_WIDTH),
        CLI_OPT_REAL("--lr", &o->lr, 0, true, INFINITY),
        CLI_OPT_REAL("--predictor-lr", &o->predictor_lr, 0, false, INFINITY),
        CLI_OPT_INT64("--train-subset", &o->train_subset, 0, CLI_MAX_TRAIN_ITEMS),
        CLI_OPT_INT64("--eval-subset", &o->eval_subset, 0, CLI_MAX_EVAL_ITEMS),
        CLI_OPT_TEXT("--out", &o->out_dir),
        CLI_OPT_TEXT("--device", spec),
        CLI_OPT_FLAG("--resume", &resume),
    };
    int rc = cli_parse("train", argc, argv, opts, sizeof opts / sizeof *opts, usage);
    o->resume = resume;
    return rc;
}

static int make_dir(const char *dir)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) return 0;
    fprintf(stderr, "adastride train: cannot create %s: %s\n", dir, strerror(errno));
    return 1;
}

static void report(const train_result *r)
{
    printf("test accuracy %.2f%%, %.1f images/s (training), %lld parameters\n", 100 * r->test_acc,
           r->images_per_s, (long long)r->params);
}

int train_main(int argc, char **argv)
{
    train_options o;
    train_defaults(&o);
    o.progress = 1;
    const char *spec = NULL;
    int rc = train_parse_options(argc, argv, &o, &spec);
    if (rc != CLI_GO_ON) return rc;
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
