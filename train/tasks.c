/* Batches of the two tasks from Fashion-MNIST or from host arrays. */
#include <stdlib.h>
#include <string.h>

#include "adastride_splitmix.h"
#include "dataset.h"
#include "tasks.h"
#include "train_error.h"

#define SPLIT_SEED  0x5eed5eedull /* the validation split, fixed for all runs */
#define PLACE_SEED  0x91acedull   /* where each item sits on the canvas */
#define PLACED_SIDE 56

struct task {
    task_kind kind;
    dataset *train, *test;  /* the files, or NULL for host arrays */
    float *images, *labels; /* host arrays: count x h x w, count */
    int64_t count;
    int h, w;
    int64_t *ids[3]; /* per split: the item index in its source */
    int64_t n[3];
};

const char *task_name(task_kind k) { return k == TASK_FASHION ? "fashion" : "fashion-placed"; }

int task_parse(const char *s)
{
    if (strcmp(s, "fashion") == 0) return TASK_FASHION;
    if (strcmp(s, "fashion-placed") == 0) return TASK_FASHION_PLACED;
    return -1;
}

int task_side(const task *t) { return t->kind == TASK_FASHION ? t->h : PLACED_SIDE; }
int64_t task_count(const task *t, task_split s) { return t->n[s]; }

void task_release(task *t)
{
    if (!t) return;
    dataset_release(t->train);
    dataset_release(t->test);
    free(t->images);
    free(t->labels);
    for (int s = 0; s < 3; s++) free(t->ids[s]);
    free(t);
}

static ads_status alloc_ids(task *t, task_split s, int64_t n)
{
    t->n[s] = n;
    t->ids[s] = malloc((size_t)(n ? n : 1) * sizeof(int64_t));
    return t->ids[s] ? ADS_OK : train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a split");
}

/* Shuffles 0..total-1 once with SPLIT_SEED: the last `val` go to
   validation, the others (in shuffled order) to training. */
static ads_status split(task *t, int64_t total, int64_t val, int64_t test)
{
    TRAIN_TRY(alloc_ids(t, SPLIT_TRAIN, total - val));
    TRAIN_TRY(alloc_ids(t, SPLIT_VAL, val));
    TRAIN_TRY(alloc_ids(t, SPLIT_TEST, test));
    int64_t *all = malloc((size_t)total * sizeof *all);
    if (!all) return train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a split");
    for (int64_t i = 0; i < total; i++) all[i] = i;
    ads_status st = dataset_shuffle(all, total, SPLIT_SEED);
    if (st == ADS_OK) {
        memcpy(t->ids[SPLIT_TRAIN], all, (size_t)(total - val) * sizeof *all);
        memcpy(t->ids[SPLIT_VAL], all + total - val, (size_t)val * sizeof *all);
        for (int64_t i = 0; i < test; i++) t->ids[SPLIT_TEST][i] = i;
    }
    free(all);
    return st;
}

ads_status task_open(task_kind kind, const char *dir, task **out)
{
    *out = NULL;
    task *t = calloc(1, sizeof *t);
    if (!t) return train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a task");
    t->kind = kind;
    ads_status st = dataset_fashion_mnist(dir, 1, &t->train);
    if (st == ADS_OK) st = dataset_fashion_mnist(dir, 0, &t->test);
    if (st == ADS_OK) {
        t->h = dataset_height(t->train);
        t->w = dataset_width(t->train);
        st = split(t, dataset_count(t->train), TASK_VAL_COUNT, dataset_count(t->test));
    }
    if (st != ADS_OK) {
        task_release(t);
        return st;
    }
    *out = t;
    return ADS_OK;
}

ads_status task_from_arrays(task_kind kind, const float *images, const float *labels, int64_t count,
                            int h, int w, int64_t val, task **out)
{
    *out = NULL;
    if (count < 2 || val < 1 || val >= count || h < 1 || w < 1)
        return train_fail(ADS_ERR_INVALID_ARGUMENT, "task_from_arrays: count %lld, val %lld",
                          (long long)count, (long long)val);
    task *t = calloc(1, sizeof *t);
    if (!t) return train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a task");
    t->kind = kind;
    t->count = count, t->h = h, t->w = w;
    size_t pixels = (size_t)count * (size_t)h * (size_t)w;
    t->images = malloc(pixels * sizeof *t->images);
    t->labels = malloc((size_t)count * sizeof *t->labels);
    ads_status st =
        t->images && t->labels ? ADS_OK : train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory");
    if (st == ADS_OK) {
        memcpy(t->images, images, pixels * sizeof *images);
        memcpy(t->labels, labels, (size_t)count * sizeof *labels);
        st = split(t, count, val, count);
    }
    if (st != ADS_OK) {
        task_release(t);
        return st;
    }
    *out = t;
    return ADS_OK;
}

/* splitmix64's finaliser of a counter: the item's place on the canvas. */
static uint64_t mix(uint64_t z) { return ads_splitmix64(&z); }

/* Raw items (n x h x w) of the source behind split s. */
static ads_status fetch(const task *t, task_split s, const int64_t *src, int n, float *images,
                        float *labels)
{
    if (t->train)
        return dataset_batch(s == SPLIT_TEST ? t->test : t->train, src, n, images, labels);
    size_t plane = (size_t)t->h * (size_t)t->w;
    for (int i = 0; i < n; i++) {
        if (images)
            memcpy(images + i * plane, t->images + (size_t)src[i] * plane, plane * sizeof *images);
        if (labels) labels[i] = t->labels[src[i]];
    }
    return ADS_OK;
}

/* Pastes each h x w item at its seeded place on a zero side x side canvas:
   the place depends on the source item alone (and on whether it is a
   test item), so every epoch and every run sees the same picture. */
static void place(const task *t, task_split s, const int64_t *src, int n, const float *raw,
                  float *images)
{
    int side = PLACED_SIDE;
    size_t plane = (size_t)t->h * (size_t)t->w, canvas = (size_t)side * side;
    memset(images, 0, (size_t)n * canvas * sizeof *images);
    for (int i = 0; i < n; i++) {
        uint64_t r = mix(PLACE_SEED ^ ((uint64_t)src[i] << 1) ^ (s == SPLIT_TEST));
        int oy = (int)(r % (uint64_t)(side - t->h + 1));
        int ox = (int)((r >> 32) % (uint64_t)(side - t->w + 1));
        for (int y = 0; y < t->h; y++)
            memcpy(images + i * canvas + (size_t)(oy + y) * side + ox,
                   raw + i * plane + (size_t)y * t->w, (size_t)t->w * sizeof *raw);
    }
}

ads_status task_batch(const task *t, task_split s, const int64_t *ids, int n, float *images,
                      float *labels)
{
    int64_t *src = malloc((size_t)n * sizeof *src);
    if (!src) return train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a batch");
    for (int i = 0; i < n; i++) src[i] = t->ids[s][ids[i]];
    ads_status st;
    if (t->kind == TASK_FASHION || !images) {
        st = fetch(t, s, src, n, images, labels);
    } else {
        float *raw = malloc((size_t)n * (size_t)t->h * (size_t)t->w * sizeof *raw);
        st = raw ? fetch(t, s, src, n, raw, labels)
                 : train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a batch");
        if (st == ADS_OK) place(t, s, src, n, raw, images);
        free(raw);
    }
    free(src);
    return st;
}
