/* Softmax cross-entropy with the mean over the batch (cl/train_loss.cl). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "train_common.h"

#define SOURCE "train_loss"

/* Reads the labels back and checks every one is an integer in [0, K):
   a bad label would index outside its row on the device. */
static ads_status check_labels(const ads_tensor *labels, int64_t K)
{
    float *host = malloc(labels->count * sizeof *host);
    if (!host) return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory to check the labels");
    ads_status st = ads_tensor_read(labels, host, labels->count);
    for (size_t i = 0; st == ADS_OK && i < labels->count; i++) {
        float v = host[i];
        if (!(v >= 0.0f && v < (float)K && v == floorf(v)))
            st = ads_fail(ADS_ERR_INVALID_ARGUMENT,
                          "labels[%zu] is %g; a label must be an integer class index in [0, %lld)",
                          i, (double)v, (long long)K);
    }
    free(host);
    return st;
}

static ads_status check_args(ads_context *ctx, const ads_tensor *logits, const ads_tensor *labels,
                             ads_tensor *loss, ads_tensor *glogits)
{
    ADS_TRY(ads_train_check_ctx(ctx));
    ADS_TRY(ads_check_tensor(logits, ctx, "logits"));
    char buf[128];
    if (logits->ndim != 2)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH, "logits has shape %s; expected N x K",
                        ads_shape_str(logits, buf, sizeof buf));
    if (logits->shape[0] > INT_MAX || logits->shape[1] > INT_MAX)
        return ads_fail(ADS_ERR_TOO_LARGE, "logits has shape %s; N and K must be below 2^31",
                        ads_shape_str(logits, buf, sizeof buf));
    ADS_TRY(ads_check_tensor(labels, ctx, "labels"));
    ADS_TRY(ads_check_shape(labels, "labels", 1, logits->shape));
    ADS_TRY(ads_check_tensor(loss, ctx, "loss"));
    const int64_t one = 1;
    ADS_TRY(ads_check_shape(loss, "loss", 1, &one));
    if (glogits) ADS_TRY(ads_train_check_same(glogits, ctx, "glogits", logits));
    const ads_tensor *t[3] = {logits, labels, loss};
    const char *names[3] = {"logits", "labels", "loss"};
    ADS_TRY(ads_check_distinct(loss, "loss", t, names, 2));
    ADS_TRY(ads_check_distinct(glogits, "glogits", t, names, 3));
    ADS_TRY(ads_check_finite(logits, "logits"));
    return check_labels(labels, logits->shape[1]);
}

static ads_status row_losses(ads_context *ctx, const ads_tensor *logits, const ads_tensor *labels,
                             ads_tensor *rows, ads_tensor *glogits)
{
    int N = (int)logits->shape[0], K = (int)logits->shape[1];
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", "softmax_xent_rows");
    ads_launch_in(&l, logits);
    ads_launch_in(&l, labels);
    ads_launch_out(&l, rows);
    /* Without glogits the kernel never writes this argument. */
    ads_launch_out_or(&l, glogits, rows);
    ads_launch_int(&l, N);
    ads_launch_int(&l, K);
    ads_launch_float(&l, (float)(1.0 / N));
    ads_launch_int(&l, glogits != NULL);
    return ads_train_run_1d(&l, (size_t)N);
}

static ads_status mean_loss(ads_context *ctx, const ads_tensor *rows, int N, ads_tensor *loss)
{
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", "mean_of_rows");
    ads_launch_in(&l, rows);
    ads_launch_out(&l, loss);
    ads_launch_int(&l, N);
    return ads_train_run_1d(&l, 1);
}

ads_status ads_softmax_cross_entropy(ads_context *ctx, const ads_tensor *logits,
                                     const ads_tensor *labels, ads_tensor *loss,
                                     ads_tensor *glogits)
{
    ADS_TRY(check_args(ctx, logits, labels, loss, glogits));
    int N = (int)logits->shape[0];
    ads_tensor *rows;
    ADS_TRY(ads_workspace_acquire(ctx, (size_t)N, &rows));
    ads_status st = row_losses(ctx, logits, labels, rows, glogits);
    if (st == ADS_OK) st = mean_loss(ctx, rows, N, loss);
    ads_workspace_release(ctx, rows); /* its events order any reuse */
    return st;
}
