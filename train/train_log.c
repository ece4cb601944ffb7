/* log.json: options, per-epoch history, loss curve, final numbers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "train_error.h"
#include "train_log.h"

static void write_options(FILE *f, const train_options *o)
{
    fprintf(f, "  \"task\": \"%s\",\n  \"net\": \"%s\",\n  \"mode\": \"%s\",\n", task_name(o->task),
            net_arch_name(o->arch), o->adaptive ? "adaptive" : "fixed");
    fprintf(f, "  \"width\": %d,\n  \"epochs\": %d,\n  \"seed\": %llu,\n  \"batch\": %d,\n",
            o->width, o->epochs, (unsigned long long)o->seed, o->batch);
    fprintf(f,
            "  \"optimizer\": \"%s\",\n  \"lr\": %.9g,\n  \"momentum\": %.9g,\n"
            "  \"weight_decay\": %.9g,\n  \"train_subset\": %lld,\n",
            o->optimizer == OPT_SGD ? "sgd" : "adam", (double)o->lr, (double)o->momentum,
            (double)o->weight_decay, (long long)o->train_subset);
}

static void write_history(FILE *f, const train_result *r)
{
    fprintf(f, "  \"history\": [");
    for (int e = 0; e < r->epochs_done; e++)
        fprintf(f,
                "%s\n    {\"epoch\": %d, \"train_loss\": %.6f, \"train_accuracy\": %.6f, "
                "\"val_accuracy\": %.6f, \"seconds\": %.3f}",
                e ? "," : "", e + 1, r->train_loss[e], r->train_acc[e], r->val_acc[e],
                r->seconds[e]);
    fprintf(f, "\n  ],\n  \"loss_curve_every\": %d,\n  \"loss_curve\": [", r->curve_every);
    for (int i = 0; i < r->curve_len; i++) fprintf(f, "%s%.5f", i ? ", " : "", (double)r->curve[i]);
    fprintf(f, "],\n");
}

ads_status train_log_write(const train_options *o, const train_result *r)
{
    char path[4096], tmp[4100];
    snprintf(path, sizeof path, "%s/log.json", o->out_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return train_fail(ADS_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    fprintf(f, "{\n");
    write_options(f, o);
    write_history(f, r);
    fprintf(f, "  \"parameters\": %lld,\n", (long long)r->params);
    if (r->test_acc >= 0) fprintf(f, "  \"test_accuracy\": %.6f,\n", r->test_acc);
    else fprintf(f, "  \"test_accuracy\": null,\n");
    fprintf(f, "  \"images_per_second\": %.2f\n}\n", r->images_per_s);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        remove(tmp);
        return train_fail(ADS_ERR_IO, "cannot write %s", path);
    }
    return ADS_OK;
}
