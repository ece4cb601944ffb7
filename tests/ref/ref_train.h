/* Double-precision references of the training building blocks
   (include/adastride.h, "training building blocks"), on flat arrays in
   the same layouts as the tensors. */
#ifndef ADS_REF_TRAIN_H
#define ADS_REF_TRAIN_H

#include <stddef.h>
#include <stdint.h>

/* y[n,o] = sum_i x[n,i] w[o,i] + b[o] (b may be NULL). */
void ref_dense_forward(long N, long in, long out, const double *x, const double *w, const double *b,
                       double *y);
/* gx = gy w, gw = gy^T x, gb = column sums of gy; any output may be NULL. */
void ref_dense_backward(long N, long in, long out, const double *x, const double *w,
                        const double *gy, double *gx, double *gw, double *gb);

void ref_relu_forward(size_t n, const double *x, double *y);
void ref_relu_backward(size_t n, const double *x, const double *gy, double *gx);

/* The documented counter-based hash: splitmix64's finaliser applied to
   splitmix64(seed) + (i + 1) * 0x9E3779B97F4A7C15. */
uint64_t ref_dropout_hash(uint64_t seed, uint64_t i);
/* mask[i] = 0 when (hash >> 40) < p * 2^24, else 1 / (1 - p). */
void ref_dropout_mask(size_t n, double p, uint64_t seed, double *mask);

/* x: planes x S -> y: planes (means); backward gx = gy / S. */
void ref_gap_forward(size_t planes, size_t S, const double *x, double *y);
void ref_gap_backward(size_t planes, size_t S, const double *gy, double *gx);

/* Training-mode batch norm over x: N x C x S. mean, invstd and
   var_unbiased (C each) may be NULL. */
void ref_bn_forward_train(long N, long C, long S, const double *x, const double *gamma,
                          const double *beta, double eps, double *y, double *mean, double *invstd,
                          double *var_unbiased);
void ref_bn_forward_infer(long N, long C, long S, const double *x, const double *gamma,
                          const double *beta, const double *rmean, const double *rvar, double eps,
                          double *y);
/* Gradients of sum(gy * y) through the training-mode forward, computed
   from the batch statistics of x. */
void ref_bn_backward(long N, long C, long S, const double *x, const double *gamma, double eps,
                     const double *gy, double *gx, double *ggamma, double *gbeta);

/* Mean softmax cross-entropy; glogits (may be NULL) is its gradient. */
double ref_softmax_ce(long N, long K, const double *logits, const double *labels, double *glogits);

/* PyTorch's SGD (dampening 0) and Adam (L2 decay on the gradient). */
void ref_sgd_step(size_t n, double *p, const double *g, double *vel, double lr, double momentum,
                  double wd);
void ref_adam_step(size_t n, double *p, const double *g, double *m, double *v, double lr,
                   double beta1, double beta2, double eps, double wd, int step);

#endif
