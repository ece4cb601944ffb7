/*
 * adastride_nn: the building blocks of a whole network on the device,
 * beside the adaptive-stride layer of adastride.h: dense, relu, batch
 * normalisation, dropout, global average pooling, softmax cross-entropy,
 * and the SGD and Adam steps. They run on an ads_context like every
 * operation (same scheduler, program cache and error rules); a framework
 * that brings its own layers and optimiser needs only adastride.h.
 */
#ifndef ADASTRIDE_NN_H
#define ADASTRIDE_NN_H

#include "adastride.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Rules shared by every call in this header: outputs are overwritten,
   and an output must be a tensor of its own: passing an input tensor (or
   another output) as an output fails with ADS_ERR_INVALID_ARGUMENT, so no
   call works in place unless it says so (the optimiser steps update their
   state tensors in place by design). Every reduction runs in a fixed
   order: the same inputs give bit-identical results. */

/* Fully connected layer: y = x w^T + b.
   x: N x in, or N x d1 x ... (flattened row-major to N x in),
   w: out x in, b: out or NULL, y: N x out. */
ADS_API ads_status ads_dense_forward(ads_context *ctx, const ads_tensor *x, const ads_tensor *w,
                                     const ads_tensor *b, ads_tensor *y);
/* gx (x's shape) = gy w, gw (out x in) = gy^T x, gb (out) = column sums
   of gy. Any of gx, gw, gb may be NULL: skipped. */
ADS_API ads_status ads_dense_backward(ads_context *ctx, const ads_tensor *x, const ads_tensor *w,
                                      const ads_tensor *gy, ads_tensor *gx, ads_tensor *gw,
                                      ads_tensor *gb);

/* y = max(x, 0), any shape (NaN stays NaN, as in PyTorch); y must not be x. */
ADS_API ads_status ads_relu_forward(ads_context *ctx, const ads_tensor *x, ads_tensor *y);
/* gx = gy where x > 0, else 0 (the derivative at 0 is 0). */
ADS_API ads_status ads_relu_backward(ads_context *ctx, const ads_tensor *x, const ads_tensor *gy,
                                     ads_tensor *gx);

/* Batch normalisation over x: N x C x H x W or N x C, per channel c.
   training != 0: normalises with the batch mean and the biased batch
   variance, writes save_mean[c] and save_invstd[c] = 1/sqrt(var + eps)
   (both required), and, when running_mean and running_var are given,
   updates them as PyTorch does: running = (1 - momentum) * running +
   momentum * batch, with the unbiased variance (so N*H*W must be > 1).
   training == 0: normalises with running_mean and running_var (required);
   save_mean and save_invstd are ignored and may be NULL.
   y = gamma * (x - mean) * invstd + beta. momentum in [0, 1], eps > 0. */
ADS_API ads_status ads_batchnorm_forward(ads_context *ctx, const ads_tensor *x,
                                         const ads_tensor *gamma, const ads_tensor *beta,
                                         ads_tensor *running_mean, ads_tensor *running_var,
                                         float momentum, float eps, int training,
                                         ads_tensor *save_mean, ads_tensor *save_invstd,
                                         ads_tensor *y);
/* Backward of the training mode, from what the forward saved. Any of gx,
   ggamma, gbeta may be NULL: skipped. */
ADS_API ads_status ads_batchnorm_backward(ads_context *ctx, const ads_tensor *x,
                                          const ads_tensor *gamma, const ads_tensor *save_mean,
                                          const ads_tensor *save_invstd, const ads_tensor *gy,
                                          ads_tensor *gx, ads_tensor *ggamma, ads_tensor *gbeta);

/* Inverted dropout, any shape: mask[i] = 0 with probability p, else
   1/(1-p); y = x * mask. Element i is dropped when the top 24 bits of
   ads_dropout_hash(seed, i), read as an integer r, satisfy r < p * 2^24:
   the mask depends only on (seed, i, p), the same on every device.
   p in [0, 1). */
ADS_API ads_status ads_dropout_forward(ads_context *ctx, const ads_tensor *x, float p,
                                       uint64_t seed, ads_tensor *mask, ads_tensor *y);
/* gx = gy * mask. */
ADS_API ads_status ads_dropout_backward(ads_context *ctx, const ads_tensor *mask,
                                        const ads_tensor *gy, ads_tensor *gx);
/* The counter-based hash behind the mask: k = splitmix64(seed), then
   splitmix64's finaliser of k + (i + 1) * 0x9E3779B97F4A7C15. */
ADS_API uint64_t ads_dropout_hash(uint64_t seed, uint64_t index);

/* Global average pooling: x N x C x H x W -> y N x C, and back
   (gx = gy / (H*W) at every pixel). */
ADS_API ads_status ads_global_avg_pool_forward(ads_context *ctx, const ads_tensor *x,
                                               ads_tensor *y);
ADS_API ads_status ads_global_avg_pool_backward(ads_context *ctx, const ads_tensor *gy,
                                                ads_tensor *gx);

/* Softmax cross-entropy with the mean over the batch: logits N x K,
   labels N (class indices stored as floats), loss 1 element (the mean),
   glogits N x K or NULL: the gradient of the mean loss,
   (softmax - onehot) / N. Stable: log-sum-exp with the row maximum
   subtracted. The labels are read back to the host and checked before
   anything is enqueued (a label that is not an integer in [0, K) fails
   with ADS_ERR_INVALID_ARGUMENT); this waits for the labels' writes and
   costs one small read per call. */
ADS_API ads_status ads_softmax_cross_entropy(ads_context *ctx, const ads_tensor *logits,
                                             const ads_tensor *labels, ads_tensor *loss,
                                             ads_tensor *glogits);

/* SGD with momentum and L2 weight decay, in place, as PyTorch's SGD
   (dampening 0, no Nesterov): g = grad + weight_decay * param;
   velocity = momentum * velocity + g; param -= lr * velocity.
   Start velocity at zero. velocity may be NULL when momentum is 0.
   lr >= 0, momentum in [0, 1], weight_decay >= 0, all finite. */
ADS_API ads_status ads_sgd_step(ads_context *ctx, ads_tensor *param, const ads_tensor *grad,
                                ads_tensor *velocity, float lr, float momentum, float weight_decay);
/* Adam, in place, as PyTorch's Adam with weight decay added to the
   gradient: g = grad + weight_decay * param; m = beta1 m + (1-beta1) g;
   v = beta2 v + (1-beta2) g^2;
   param -= (lr / (1 - beta1^step)) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps).
   step counts from 1; m and v start at zero. beta1, beta2 in [0, 1),
   eps > 0, lr >= 0, weight_decay >= 0. */
ADS_API ads_status ads_adam_step(ads_context *ctx, ads_tensor *param, const ads_tensor *grad,
                                 ads_tensor *m, ads_tensor *v, float lr, float beta1, float beta2,
                                 float eps, float weight_decay, int step);

#ifdef __cplusplus
}
#endif
#endif
