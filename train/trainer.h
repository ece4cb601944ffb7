/* Training one network on one task: epochs of shuffled batches, SGD with
   momentum or Adam, a cosine learning-rate schedule, weight decay,
   validation after every epoch, a final test accuracy, a JSON log and a
   checkpoint after every epoch that --resume continues bit for bit. */
#ifndef ADS_TRAIN_TRAINER_H
#define ADS_TRAIN_TRAINER_H

#include "net.h"
#include "tasks.h"

#define TRAIN_MAX_EPOCHS 500
#define TRAIN_CURVE_MAX  2048 /* points of the loss curve kept */

typedef enum { OPT_SGD, OPT_ADAM } optimizer_kind;

typedef struct {
    task_kind task;
    net_arch arch;
    int adaptive;
    int width; /* channels of the first block */
    int epochs;
    uint64_t seed; /* weights and shuffling */
    int batch;
    optimizer_kind optimizer;
    float lr, momentum, weight_decay;
    float predictor_lr;   /* the predictor vectors' rate, as a multiple of lr */
    int64_t train_subset; /* 0: all 55k training items */
    int64_t eval_subset;  /* 0: all validation and test items */
    const char *out_dir;  /* NULL: no log, no checkpoint */
    int resume;           /* continue from out_dir/checkpoint.bin */
    int progress;         /* 1: progress bar or lines on stdout */
    int stop_after;       /* >0: stop after this many epochs in this call (an interruption) */
} train_options;

/* Defaults: VGG, width 16, SGD momentum 0.9, lr 0.05 (the predictors a
   tenth of it), wd 5e-4, batch 64. */
void train_defaults(train_options *o);

typedef struct {
    int epochs_done;
    double train_loss[TRAIN_MAX_EPOCHS], train_acc[TRAIN_MAX_EPOCHS], val_acc[TRAIN_MAX_EPOCHS],
        seconds[TRAIN_MAX_EPOCHS];
    float curve[TRAIN_CURVE_MAX]; /* mean training loss of every `curve_every` batches */
    int curve_len, curve_every;
    double test_acc;     /* -1 until the last epoch is done */
    double images_per_s; /* training throughput over the epochs of this call */
    int64_t params;
} train_result;

/* Trains on task t. On success *keep (if not NULL) receives the trained
   net (the caller releases it). Failures print nothing; ads_last_error()
   says what went wrong. */
ads_status train_run(ads_context *ctx, const task *t, const train_options *o, train_result *r,
                     net **keep);

/* The canonical text of the options a checkpoint must match to resume. */
void train_config_text(const train_options *o, char *buf, size_t size);

/* Accuracy of net on split s (inference mode), over its first `limit`
   items (0: all). */
ads_status train_evaluate(ads_context *ctx, net *n, const task *t, task_split s, int batch,
                          int64_t limit, double *accuracy);

#endif
