/* Fashion-MNIST from its IDX files (gzip-compressed as Debian's
   dataset-fashion-mnist package installs them, or uncompressed; zlib
   reads both), and the seeded shuffle the trainer batches with. Host
   only; failures are reported as train_error.h says. */
#ifndef ADS_TRAIN_DATASET_H
#define ADS_TRAIN_DATASET_H

#include "adastride.h"

typedef struct dataset dataset;
#define FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

/* dir NULL: FASHION_MNIST_DIR. train 1: train-images-idx3-ubyte.gz and
   train-labels-idx1-ubyte.gz (60000 items), 0: the t10k files (10000).
   Missing or malformed files (bad magic, truncated, counts that
   disagree, a label outside 0..9) fail with ADS_ERR_IO naming the path. */
ads_status dataset_fashion_mnist(const char *dir, int train, dataset **out);
int64_t dataset_count(const dataset *ds);
int dataset_height(const dataset *ds);
int dataset_width(const dataset *ds);
/* Copies items indices[0..n) into images (n x 1 x H x W floats, pixel /
   255 in [0, 1]) and labels (n floats, class 0..9). Either output may be
   NULL to skip it. */
ads_status dataset_batch(const dataset *ds, const int64_t *indices, int n, float *images,
                         float *labels);
void dataset_release(dataset *ds);

/* Seeded Fisher-Yates shuffle of indices[0..n), the same on every
   machine: the generator is splitmix64 (state = seed; each draw adds
   0x9E3779B97F4A7C15 to the state and returns its finaliser); for
   i = n-1 down to 1, j is a draw r taken modulo (i+1), redrawing while
   r >= 2^64 - (2^64 mod (i+1)) so that j is unbiased; then swap i and j. */
ads_status dataset_shuffle(int64_t *indices, int64_t n, uint64_t seed);

#endif
