/* The epoch loop: batches, loss, backward, optimiser step, validation,
   checkpoints. Every random choice derives from the seed and the epoch,
   so a resumed run repeats exactly what the uninterrupted one does. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adastride_nn.h"
#include "checkpoint.h"
#include "dataset.h"
#include "progress.h"
#include "schedule.h"
#include "train_error.h"
#include "train_log.h"
#include "trainer.h"

#define MAX_PARAMS   160
#define HOST_HEADER  4 /* epoch, step, curve_len, curve_every */
#define HOST_CAP     (HOST_HEADER + 4 * TRAIN_MAX_EPOCHS + TRAIN_CURVE_MAX)
#define CURVE_POINTS 200 /* aimed-for points of the loss curve */

typedef struct {
    ads_context *ctx;
    const task *t;
    const train_options *o;
    train_result *r;
    net *net;
    ads_tensor *opt[2][MAX_PARAMS]; /* SGD: velocity; Adam: m and v */
    ads_tensor *x, *labels, *loss, *glogits;
    float *images, *host_labels, *logits;
    int64_t *perm, ntrain;
    int batches; /* per epoch */
    long step;
    double curve_sum;
    int curve_n;
} trainer;

void train_defaults(train_options *o)
{
    memset(o, 0, sizeof *o);
    o->task = TASK_FASHION;
    o->arch = NET_VGG;
    o->width = 16;
    o->epochs = 1;
    o->batch = 64;
    o->optimizer = OPT_SGD;
    o->lr = 0.05f;
    o->momentum = 0.9f;
    o->weight_decay = 5e-4f;
    /* A tenth of the rate for the stride predictors: in the experiment
       (README, "Accuracy") it steadied the adaptive nets and put them
       level with or ahead of the fixed ones where the full rate left them
       behind or collapsed. */
    o->predictor_lr = 0.1f;
}

void train_config_text(const train_options *o, char *buf, size_t size)
{
    snprintf(buf, size,
             "task=%s net=%s mode=%s width=%d epochs=%d seed=%llu batch=%d "
             "optimizer=%s lr=%.9g momentum=%.9g wd=%.9g train_subset=%lld",
             task_name(o->task), net_arch_name(o->arch), o->adaptive ? "adaptive" : "fixed",
             o->width, o->epochs, (unsigned long long)o->seed, o->batch,
             o->optimizer == OPT_SGD ? "sgd" : "adam", (double)o->lr, (double)o->momentum,
             (double)o->weight_decay, (long long)o->train_subset);
    /* Only a rate other than 1, the one before the option existed, is
       spelled out: checkpoints written then resume with --predictor-lr 1. */
    if (o->predictor_lr != 1.0f) {
        size_t used = strlen(buf);
        if (used < size)
            snprintf(buf + used, size - used, " predictor_lr=%.9g", (double)o->predictor_lr);
    }
}

static ads_status check_options(const task *t, const train_options *o)
{
    if (o->epochs < 1 || o->epochs > TRAIN_MAX_EPOCHS)
        return train_fail(ADS_ERR_INVALID_ARGUMENT, "--epochs is %d; must be 1..%d", o->epochs,
                          TRAIN_MAX_EPOCHS);
    int64_t n = task_count(t, SPLIT_TRAIN);
    if (o->train_subset < 0 || o->train_subset > n)
        return train_fail(ADS_ERR_INVALID_ARGUMENT, "--train-subset is %lld; must be 0..%lld",
                          (long long)o->train_subset, (long long)n);
    int64_t most = task_count(t, SPLIT_TEST) > task_count(t, SPLIT_VAL) ? task_count(t, SPLIT_TEST)
                                                                        : task_count(t, SPLIT_VAL);
    if (o->eval_subset < 0 || o->eval_subset > most)
        return train_fail(ADS_ERR_INVALID_ARGUMENT,
                          "--eval-subset is %lld; must be 0..%lld (0: "
                          "every validation and test item)",
                          (long long)o->eval_subset, (long long)most);
    int64_t use = o->train_subset ? o->train_subset : n;
    if (o->batch < 2 || o->batch > use)
        return train_fail(ADS_ERR_INVALID_ARGUMENT,
                          "--batch is %d; must be 2..%lld (the "
                          "training items)",
                          o->batch, (long long)use);
    if (!(o->lr > 0) || o->width < 1)
        return train_fail(ADS_ERR_INVALID_ARGUMENT, "--lr %g and width %d must be > 0",
                          (double)o->lr, o->width);
    if (!(o->predictor_lr >= 0) || isinf(o->predictor_lr))
        return train_fail(ADS_ERR_INVALID_ARGUMENT,
                          "--predictor-lr is %g; it must be a finite "
                          "number >= 0",
                          (double)o->predictor_lr);
    if (o->resume && !o->out_dir)
        return train_fail(ADS_ERR_INVALID_ARGUMENT, "--resume needs --out DIR");
    return ADS_OK;
}

static ads_status make_buffers(trainer *tr)
{
    const train_options *o = tr->o;
    int side = task_side(tr->t);
    int64_t xs[4] = {o->batch, 1, side, side}, ls[1] = {o->batch}, one[1] = {1},
            gs[2] = {o->batch, 10};
    TRAIN_TRY(ads_tensor_create(tr->ctx, 4, xs, &tr->x));
    TRAIN_TRY(ads_tensor_create(tr->ctx, 1, ls, &tr->labels));
    TRAIN_TRY(ads_tensor_create(tr->ctx, 1, one, &tr->loss));
    TRAIN_TRY(ads_tensor_create(tr->ctx, 2, gs, &tr->glogits));
    size_t pixels = (size_t)o->batch * (size_t)side * (size_t)side;
    tr->images = malloc(pixels * sizeof(float));
    tr->host_labels = malloc((size_t)o->batch * sizeof(float));
    tr->logits = malloc((size_t)o->batch * 10 * sizeof(float));
    tr->perm = malloc((size_t)tr->ntrain * sizeof(int64_t));
    if (!tr->images || !tr->host_labels || !tr->logits || !tr->perm)
        return train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for the training buffers");
    int slots = o->optimizer == OPT_ADAM ? 2 : 1;
    for (int i = 0; i < net_param_tensors(tr->net); i++) {
        ads_tensor *p = net_param_at(tr->net, i).param;
        int64_t shape[ADS_MAX_DIMS];
        for (int a = 0; a < ads_tensor_ndim(p); a++) shape[a] = ads_tensor_dim(p, a);
        for (int s = 0; s < slots; s++)
            TRAIN_TRY(ads_tensor_create(tr->ctx, ads_tensor_ndim(p), shape, &tr->opt[s][i]));
    }
    return ADS_OK;
}

static void free_buffers(trainer *tr)
{
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < MAX_PARAMS; i++) ads_tensor_release(tr->opt[s][i]);
    ads_tensor_release(tr->x);
    ads_tensor_release(tr->labels);
    ads_tensor_release(tr->loss);
    ads_tensor_release(tr->glogits);
    free(tr->images);
    free(tr->host_labels);
    free(tr->logits);
    free(tr->perm);
}

/* Everything a checkpoint holds on the device: net state, then optimiser
   state. */
static int state_tensors(const trainer *tr, ads_tensor **out)
{
    int n = 0;
    for (int i = 0; i < net_state_tensors(tr->net); i++) out[n++] = net_state_at(tr->net, i);
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < net_param_tensors(tr->net); i++)
            if (tr->opt[s][i]) out[n++] = tr->opt[s][i];
    return n;
}

static size_t host_pack(const trainer *tr, double *h)
{
    const train_result *r = tr->r;
    size_t n = 0;
    h[n++] = r->epochs_done;
    h[n++] = (double)tr->step;
    h[n++] = r->curve_len;
    h[n++] = r->curve_every;
    for (int e = 0; e < r->epochs_done; e++) {
        h[n++] = r->train_loss[e];
        h[n++] = r->train_acc[e];
        h[n++] = r->val_acc[e];
        h[n++] = r->seconds[e];
    }
    for (int i = 0; i < r->curve_len; i++) h[n++] = r->curve[i];
    return n;
}

static ads_status host_unpack(trainer *tr, const double *h, size_t n)
{
    train_result *r = tr->r;
    int epochs = n >= HOST_HEADER ? (int)h[0] : -1;
    int curve = n >= HOST_HEADER ? (int)h[2] : -1;
    if (epochs < 0 || epochs > tr->o->epochs || curve < 0 || curve > TRAIN_CURVE_MAX ||
        n != HOST_HEADER + 4 * (size_t)epochs + (size_t)curve)
        return train_fail(ADS_ERR_IO, "the checkpoint's history is inconsistent");
    r->epochs_done = epochs;
    tr->step = (long)h[1];
    r->curve_len = curve;
    r->curve_every = (int)h[3];
    const double *p = h + HOST_HEADER;
    for (int e = 0; e < epochs; e++, p += 4) {
        r->train_loss[e] = p[0];
        r->train_acc[e] = p[1];
        r->val_acc[e] = p[2];
        r->seconds[e] = p[3];
    }
    for (int i = 0; i < curve; i++) r->curve[i] = (float)p[i];
    return ADS_OK;
}

static void path_in(const trainer *tr, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", tr->o->out_dir, name);
}

static ads_status save_checkpoint(trainer *tr)
{
    static double host[HOST_CAP];
    ads_tensor *ts[3 * MAX_PARAMS + 2 * MAX_PARAMS];
    char path[4096], config[1024];
    path_in(tr, "checkpoint.bin", path, sizeof path);
    train_config_text(tr->o, config, sizeof config);
    size_t n = host_pack(tr, host);
    return checkpoint_save(path, config, host, n, ts, state_tensors(tr, ts));
}

static ads_status load_checkpoint(trainer *tr)
{
    static double host[HOST_CAP];
    ads_tensor *ts[3 * MAX_PARAMS + 2 * MAX_PARAMS];
    char path[4096], config[1024];
    path_in(tr, "checkpoint.bin", path, sizeof path);
    train_config_text(tr->o, config, sizeof config);
    size_t n;
    /* The history is checked on a copy first: a bad one changes nothing. */
    TRAIN_TRY(checkpoint_load(path, config, host, HOST_CAP, &n, ts, state_tensors(tr, ts)));
    return host_unpack(tr, host, n);
}

/* One optimiser step on every parameter at the cosine rate of this step. */
static ads_status optimise(trainer *tr)
{
    const train_options *o = tr->o;
    long total = (long)tr->batches * o->epochs;
    float lr = cosine_lr(o->lr, 0.0f, (int)tr->step, (int)total);
    for (int i = 0; i < net_param_tensors(tr->net); i++) {
        net_param p = net_param_at(tr->net, i);
        float wd = p.decay ? o->weight_decay : 0.0f, rate = p.predictor ? lr * o->predictor_lr : lr;
        if (rate == 0.0f) continue; /* frozen: the optimiser refuses a zero rate */
        if (o->optimizer == OPT_SGD)
            TRAIN_TRY(ads_sgd_step(tr->ctx, p.param, p.grad, tr->opt[0][i], rate, o->momentum, wd));
        else
            TRAIN_TRY(ads_adam_step(tr->ctx, p.param, p.grad, tr->opt[0][i], tr->opt[1][i], rate,
                                    0.9f, 0.999f, 1e-8f, wd, (int)tr->step + 1));
    }
    tr->step++;
    return ADS_OK;
}

static int argmax10(const float *v)
{
    int best = 0;
    for (int k = 1; k < 10; k++)
        if (v[k] > v[best]) best = k;
    return best;
}

static int count_correct(const float *logits, const float *labels, int n)
{
    int c = 0;
    for (int i = 0; i < n; i++) c += argmax10(logits + 10 * i) == (int)labels[i];
    return c;
}

/* Forward, loss, backward, step on batch b of the epoch's order. */
static ads_status train_batch(trainer *tr, int b, float *loss, int *correct)
{
    int n = tr->o->batch;
    TRAIN_TRY(
        task_batch(tr->t, SPLIT_TRAIN, tr->perm + (int64_t)b * n, n, tr->images, tr->host_labels));
    TRAIN_TRY(ads_tensor_write(tr->x, tr->images, ads_tensor_count(tr->x)));
    TRAIN_TRY(ads_tensor_write(tr->labels, tr->host_labels, (size_t)n));
    ads_tensor *logits;
    TRAIN_TRY(net_forward(tr->net, tr->x, 1, &logits));
    TRAIN_TRY(ads_softmax_cross_entropy(tr->ctx, logits, tr->labels, tr->loss, tr->glogits));
    TRAIN_TRY(ads_tensor_read(logits, tr->logits, (size_t)n * 10));
    TRAIN_TRY(net_backward(tr->net, tr->glogits));
    TRAIN_TRY(optimise(tr));
    TRAIN_TRY(ads_tensor_read(tr->loss, loss, 1));
    *correct = count_correct(tr->logits, tr->host_labels, n);
    return ADS_OK;
}

static void curve_add(trainer *tr, float loss)
{
    train_result *r = tr->r;
    tr->curve_sum += loss;
    if (++tr->curve_n < r->curve_every) return;
    if (r->curve_len < TRAIN_CURVE_MAX)
        r->curve[r->curve_len++] = (float)(tr->curve_sum / tr->curve_n);
    tr->curve_sum = 0;
    tr->curve_n = 0;
}

ads_status train_evaluate(ads_context *ctx, net *n, const task *t, task_split s, int batch,
                          int64_t limit, double *accuracy)
{
    int64_t total = task_count(t, s);
    if (limit > 0 && limit < total) total = limit;
    int side = task_side(t);
    int64_t *ids = malloc((size_t)batch * sizeof *ids);
    float *img = malloc((size_t)batch * side * side * sizeof *img);
    float *lab = malloc((size_t)batch * sizeof *lab), *lg = malloc((size_t)batch * 10 * sizeof *lg);
    ads_status st =
        ids && img && lab && lg ? ADS_OK : train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory");
    int64_t correct = 0;
    for (int64_t at = 0; st == ADS_OK && at < total; at += batch) {
        int m = (int)(total - at < batch ? total - at : batch);
        for (int i = 0; i < m; i++) ids[i] = at + i;
        int64_t xs[4] = {m, 1, side, side};
        ads_tensor *x = NULL, *logits;
        st = task_batch(t, s, ids, m, img, lab);
        if (st == ADS_OK) st = ads_tensor_create(ctx, 4, xs, &x);
        if (st == ADS_OK) st = ads_tensor_write(x, img, (size_t)m * side * side);
        if (st == ADS_OK) st = net_forward(n, x, 0, &logits);
        if (st == ADS_OK) st = ads_tensor_read(logits, lg, (size_t)m * 10);
        if (st == ADS_OK) correct += count_correct(lg, lab, m);
        ads_tensor_release(x);
    }
    *accuracy = total ? (double)correct / (double)total : 0;
    free(ids), free(img), free(lab), free(lg);
    return st;
}

/* One epoch over a fresh shuffle of the training items. */
static ads_status run_epoch(trainer *tr, int epoch, progress *pg, double *busy)
{
    const train_options *o = tr->o;
    train_result *r = tr->r;
    for (int64_t i = 0; i < tr->ntrain; i++) tr->perm[i] = i;
    TRAIN_TRY(dataset_shuffle(tr->perm, tr->ntrain, o->seed * 0x100000001b3ull + (uint64_t)epoch));
    double t0 = progress_now(), loss_sum = 0, spent = 0;
    long correct = 0;
    for (int b = 0; b < tr->batches; b++) {
        float loss;
        int c;
        TRAIN_TRY(train_batch(tr, b, &loss, &c));
        loss_sum += loss;
        correct += c;
        curve_add(tr, loss);
        double t = progress_now();
        spent += t - t0;
        t0 = t;
        double ips = (double)(pg->done + 1) * o->batch / (*busy + spent);
        progress_batch(pg, epoch, b, loss, ips);
    }
    double t1 = progress_now(), val;
    TRAIN_TRY(train_evaluate(tr->ctx, tr->net, tr->t, SPLIT_VAL, o->batch, o->eval_subset, &val));
    r->train_loss[epoch] = loss_sum / tr->batches;
    r->train_acc[epoch] = (double)correct / ((double)tr->batches * o->batch);
    r->val_acc[epoch] = val;
    r->seconds[epoch] = spent + (progress_now() - t1); /* training plus validation */
    *busy += spent;
    r->epochs_done = epoch + 1;
    return ADS_OK;
}

static ads_status setup(trainer *tr)
{
    const train_options *o = tr->o;
    net_config cfg = {o->arch, o->adaptive, 1, 10, o->width, o->seed};
    TRAIN_TRY(net_create(tr->ctx, &cfg, &tr->net));
    tr->ntrain = o->train_subset ? o->train_subset : task_count(tr->t, SPLIT_TRAIN);
    tr->batches = (int)(tr->ntrain / o->batch); /* the last partial batch is dropped */
    TRAIN_TRY(make_buffers(tr));
    train_result *r = tr->r;
    memset(r, 0, sizeof *r);
    r->test_acc = -1;
    r->params = net_param_floats(tr->net);
    long total = (long)tr->batches * o->epochs;
    r->curve_every = (int)(total / CURVE_POINTS > 0 ? total / CURVE_POINTS : 1);
    if (o->resume) TRAIN_TRY(load_checkpoint(tr));
    return ADS_OK;
}

static ads_status train_loop(trainer *tr)
{
    const train_options *o = tr->o;
    train_result *r = tr->r;
    int first = r->epochs_done;
    int last =
        o->stop_after > 0 && first + o->stop_after < o->epochs ? first + o->stop_after : o->epochs;
    progress pg;
    progress_start(&pg, o->progress, o->epochs, tr->batches, (long)tr->batches * (last - first));
    double busy = 0;
    long images = 0;
    for (int e = first; e < last; e++) {
        double before = busy;
        TRAIN_TRY(run_epoch(tr, e, &pg, &busy));
        images += (long)tr->batches * o->batch;
        progress_epoch(&pg, e, r->train_loss[e], r->val_acc[e], busy - before);
        if (o->out_dir) {
            TRAIN_TRY(save_checkpoint(tr));
            TRAIN_TRY(train_log_write(tr->o, r));
        }
    }
    r->images_per_s = busy > 0 ? (double)images / busy : 0;
    return ADS_OK;
}

ads_status train_run(ads_context *ctx, const task *t, const train_options *o, train_result *r,
                     net **keep)
{
    if (keep) *keep = NULL;
    TRAIN_TRY(check_options(t, o));
    trainer tr;
    memset(&tr, 0, sizeof tr);
    tr.ctx = ctx, tr.t = t, tr.o = o, tr.r = r;
    ads_status st = setup(&tr);
    if (st == ADS_OK) st = train_loop(&tr);
    if (st == ADS_OK && r->epochs_done == o->epochs) {
        st = train_evaluate(ctx, tr.net, t, SPLIT_TEST, o->batch, o->eval_subset, &r->test_acc);
        if (st == ADS_OK && o->out_dir) st = train_log_write(o, r);
    }
    free_buffers(&tr);
    if (st == ADS_OK && keep) *keep = tr.net;
    else net_release(tr.net);
    return st;
}
