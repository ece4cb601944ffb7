/* The two tasks on Fashion-MNIST: "fashion" (28x28 as is) and
   "fashion-placed" (each item pasted at a seeded random place on a 56x56
   zero canvas, so where to sample matters). Host only. */
#ifndef ADS_TRAIN_TASKS_H
#define ADS_TRAIN_TASKS_H

#include "adastride.h"

typedef enum { TASK_FASHION, TASK_FASHION_PLACED } task_kind;
typedef enum { SPLIT_TRAIN, SPLIT_VAL, SPLIT_TEST } task_split;

#define TASK_VAL_COUNT 5000 /* held out of the 60k training items */

typedef struct task task;

/* Loads both halves of the data set from dir (NULL: FASHION_MNIST_DIR)
   and splits the 60k training items into 55k for training and 5k for
   validation with a fixed seed (the same split for every run). */
ads_status task_open(task_kind kind, const char *dir, task **out);
void task_release(task *t);

int task_side(const task *t); /* 28 or 56 */
int64_t task_count(const task *t, task_split s);
/* Items ids[0..n) of split s (ids index the split: 0..count-1) into
   images (n x 1 x side x side) and labels (n). */
ads_status task_batch(const task *t, task_split s, const int64_t *ids, int n, float *images,
                      float *labels);
/* A task whose items come from host arrays (tests: no files needed):
   images count x h x w, labels count; the first val items of the arrays
   form the validation split, test shares the training items. */
ads_status task_from_arrays(task_kind kind, const float *images, const float *labels, int64_t count,
                            int h, int w, int64_t val, task **out);

const char *task_name(task_kind k);
int task_parse(const char *s); /* -1 if unknown */

#endif
