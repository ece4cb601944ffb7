/* The two networks of the experiment, each in fixed-stride and
   adaptive-stride form: a VGG-style net (conv-bn-relu blocks with three
   max-pool down-sampling steps) and a MobileNet-style net
   (depthwise-separable blocks whose stride-2 depthwise convolutions
   down-sample). The adaptive form swaps only the three down-sampling
   layers for adaptive-stride layers of the same window, so both forms
   have the same weights for the same seed and differ in parameters only
   by the predictor vectors (which start at 0: a fresh adaptive net
   computes what the fixed one does). Built from the public API only. */
#ifndef ADS_TRAIN_NET_H
#define ADS_TRAIN_NET_H

#include "adastride.h"

typedef enum { NET_VGG, NET_MOBILENET } net_arch;

typedef struct {
    net_arch arch;
    int adaptive;    /* 1: the down-sampling layers learn their strides */
    int in_channels; /* 1 for Fashion-MNIST */
    int classes;     /* 10 */
    int width;       /* channels of the first block; later blocks double */
    uint64_t seed;   /* weights; the same in both forms */
} net_config;

typedef struct net net;

/* One trainable tensor with its gradient; decay says whether weight decay
   applies (conv and dense weights: yes; batchnorm, biases, predictor
   vectors: no); predictor marks the stride predictor vectors. */
typedef struct {
    ads_tensor *param, *grad;
    int decay, predictor;
} net_param;

ads_status net_create(ads_context *ctx, const net_config *cfg, net **out);
void net_release(net *n);

/* logits (N x classes, owned by the net) = net(x), x: N x C x H x W.
   training 1: batchnorm uses batch statistics and updates its running
   ones; 0: inference with the running statistics. */
ads_status net_forward(net *n, const ads_tensor *x, int training, ads_tensor **logits);
/* From the gradient of the loss w.r.t. the logits of the last training
   forward, OVERWRITES every parameter gradient. */
ads_status net_backward(net *n, const ads_tensor *glogits);

int net_param_tensors(const net *n);
net_param net_param_at(const net *n, int i);
/* The number of trainable floats. */
int64_t net_param_floats(const net *n);
/* Everything a checkpoint keeps of the net: the parameters, then the
   batchnorm running statistics. */
int net_state_tensors(const net *n);
ads_tensor *net_state_at(const net *n, int i);

/* The k-th down-sampling layer (0..2) and the shapes of its input and
   output at the last forward pass (either may be NULL). */
ads_layer *net_sampler(const net *n, int k, int64_t in[4], int64_t out[4]);

const char *net_arch_name(net_arch a);
/* "vgg"/"mobilenet" -> arch; -1 when unknown. */
int net_arch_parse(const char *s);

#endif
