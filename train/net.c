/* The networks as a chain of nodes: each node owns its output and the
   gradient of the loss w.r.t. that output, so backward walks the chain in
   reverse handing each node the gradient buffer of its input. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adastride_nn.h"
#include "adastride_splitmix.h"
#include "net.h"
#include "train_error.h"

#define MAX_NODES   48
#define BN_MOMENTUM 0.1f
#define BN_EPS      1e-5f

typedef enum { OP_LAYER, OP_BN, OP_RELU, OP_GAP, OP_DENSE } op_kind;

typedef struct {
    op_kind kind;
    ads_layer *layer;                                                           /* conv or pool */
    ads_tensor *gamma, *beta, *rmean, *rvar, *smean, *sinvstd, *ggamma, *gbeta; /* bn */
    ads_tensor *w, *b, *gw, *gb;                                                /* dense */
    int channels; /* bn, dense: input channels */
    int out_ndim;
    int64_t out_shape[4];
    ads_tensor *y, *gy; /* output and d loss / d output, sized for the batch */
} node;

struct net {
    ads_context *ctx;
    net_config cfg;
    node nodes[MAX_NODES];
    int count;
    int sampler[3]; /* node index of each down-sampling layer */
    int nsamplers;
    int64_t in_shape[4]; /* of the last forward; the buffers fit it */
    const ads_tensor *x;
    net_param params[3 * MAX_NODES];
    int nparams;
    ads_tensor *state[5 * MAX_NODES];
    int nstate;
};

/* splitmix64, as the layer uses for its weights. */
static uint64_t next_random(uint64_t *s) { return ads_splitmix64(s); }

/* A seed for node i that does not depend on the form of the net. */
static uint64_t node_seed(const net *n, int i)
{
    uint64_t s = n->cfg.seed * 1000003ull + (uint64_t)i;
    return next_random(&s);
}

static ads_status vec(ads_context *ctx, int64_t len, float value, ads_tensor **out)
{
    TRAIN_TRY(ads_tensor_create(ctx, 1, &len, out));
    if (value == 0.0f) return ADS_OK;
    float *v = malloc((size_t)len * sizeof *v);
    if (!v) return train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory to initialise a net");
    for (int64_t i = 0; i < len; i++) v[i] = value;
    ads_status st = ads_tensor_write(*out, v, (size_t)len);
    free(v);
    return st;
}

static node *push(net *n, op_kind kind)
{
    node *nd = &n->nodes[n->count++];
    memset(nd, 0, sizeof *nd);
    nd->kind = kind;
    return nd;
}

static ads_status add_conv(net *n, int cin, int cout, int k, int stride, int groups,
                           ads_adapt adapt)
{
    ads_layer_desc d;
    memset(&d, 0, sizeof d);
    d.kind = ADS_LAYER_CONV;
    d.in_channels = cin;
    d.out_channels = cout;
    d.conv = (ads_conv_desc){k, k, stride, stride, k / 2, k / 2, 1, 1, groups};
    d.adapt = adapt;
    d.profile = ADS_PROFILE_LINEAR;
    d.seed = node_seed(n, n->count);
    node *nd = push(n, OP_LAYER);
    return ads_layer_create(n->ctx, &d, &nd->layer);
}

/* Max pooling 3x3, stride 2, padding 1: every pixel lies in some window
   even when an adaptive grid spreads its rows apart. */
static ads_status add_pool(net *n, int c, ads_adapt adapt)
{
    ads_layer_desc d;
    memset(&d, 0, sizeof d);
    d.kind = ADS_LAYER_POOL;
    d.in_channels = c;
    d.pool = (ads_pool_desc){ADS_POOL_MAX, 3, 3, 2, 2, 1, 1, 1, 1};
    d.adapt = adapt;
    d.profile = ADS_PROFILE_LINEAR;
    node *nd = push(n, OP_LAYER);
    return ads_layer_create(n->ctx, &d, &nd->layer);
}

static ads_status add_bn_relu(net *n, int c)
{
    node *nd = push(n, OP_BN);
    nd->channels = c;
    TRAIN_TRY(vec(n->ctx, c, 1.0f, &nd->gamma));
    TRAIN_TRY(vec(n->ctx, c, 0.0f, &nd->beta));
    TRAIN_TRY(vec(n->ctx, c, 0.0f, &nd->rmean));
    TRAIN_TRY(vec(n->ctx, c, 1.0f, &nd->rvar));
    TRAIN_TRY(vec(n->ctx, c, 0.0f, &nd->smean));
    TRAIN_TRY(vec(n->ctx, c, 0.0f, &nd->sinvstd));
    TRAIN_TRY(vec(n->ctx, c, 0.0f, &nd->ggamma));
    TRAIN_TRY(vec(n->ctx, c, 0.0f, &nd->gbeta));
    push(n, OP_RELU);
    return ADS_OK;
}

/* He-uniform weights from the node's seed, bias 0. */
static ads_status add_dense(net *n, int cin, int cout)
{
    uint64_t s = node_seed(n, n->count);
    node *nd = push(n, OP_DENSE);
    nd->channels = cin;
    int64_t ws[2] = {cout, cin};
    TRAIN_TRY(ads_tensor_create(n->ctx, 2, ws, &nd->w));
    TRAIN_TRY(ads_tensor_create(n->ctx, 2, ws, &nd->gw));
    TRAIN_TRY(vec(n->ctx, cout, 0.0f, &nd->b));
    TRAIN_TRY(vec(n->ctx, cout, 0.0f, &nd->gb));
    size_t count = (size_t)cout * (size_t)cin;
    float *v = malloc(count * sizeof *v);
    if (!v) return train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory to initialise a net");
    double bound = sqrt(6.0 / cin);
    for (size_t i = 0; i < count; i++) {
        double u = (double)(next_random(&s) >> 11) / (double)(1ull << 53);
        v[i] = (float)((2 * u - 1) * bound);
    }
    ads_status st = ads_tensor_write(nd->w, v, count);
    free(v);
    return st;
}

static ads_status add_sampler_mark(net *n)
{
    n->sampler[n->nsamplers++] = n->count - 1;
    return ADS_OK;
}

/* conv-bn-relu | pool | conv-bn-relu | pool | conv-bn-relu | pool |
   conv-bn-relu | global average | dense. */
static ads_status build_vgg(net *n, int w, ads_adapt down)
{
    int c[4] = {w, 2 * w, 4 * w, 4 * w};
    int cin = n->cfg.in_channels;
    for (int b = 0; b < 4; b++) {
        TRAIN_TRY(add_conv(n, cin, c[b], 3, 1, 1, ADS_ADAPT_NONE));
        TRAIN_TRY(add_bn_relu(n, c[b]));
        if (b < 3) {
            TRAIN_TRY(add_pool(n, c[b], down));
            add_sampler_mark(n);
        }
        cin = c[b];
    }
    push(n, OP_GAP);
    return add_dense(n, cin, n->cfg.classes);
}

/* A depthwise-separable block: depthwise 3x3 (stride s) -bn-relu,
   pointwise 1x1 -bn-relu. */
static ads_status add_separable(net *n, int cin, int cout, int stride, ads_adapt adapt)
{
    TRAIN_TRY(add_conv(n, cin, cin, 3, stride, cin, adapt));
    if (stride > 1) add_sampler_mark(n);
    TRAIN_TRY(add_bn_relu(n, cin));
    TRAIN_TRY(add_conv(n, cin, cout, 1, 1, 1, ADS_ADAPT_NONE));
    return add_bn_relu(n, cout);
}

/* stem conv 3x3 | sep(s1) | sep(s2) | sep(s2) | sep(s2) | global | dense. */
static ads_status build_mobilenet(net *n, int w, ads_adapt down)
{
    TRAIN_TRY(add_conv(n, n->cfg.in_channels, w, 3, 1, 1, ADS_ADAPT_NONE));
    TRAIN_TRY(add_bn_relu(n, w));
    TRAIN_TRY(add_separable(n, w, 2 * w, 1, ADS_ADAPT_NONE));
    TRAIN_TRY(add_separable(n, 2 * w, 4 * w, 2, down));
    TRAIN_TRY(add_separable(n, 4 * w, 8 * w, 2, down));
    TRAIN_TRY(add_separable(n, 8 * w, 8 * w, 2, down));
    push(n, OP_GAP);
    return add_dense(n, 8 * w, n->cfg.classes);
}

static void add_param(net *n, ads_tensor *p, ads_tensor *g, int decay, int predictor)
{
    if (p) n->params[n->nparams++] = (net_param){p, g, decay, predictor};
}

/* Parameters in chain order, then the running statistics. */
static void collect(net *n)
{
    for (int i = 0; i < n->count; i++) {
        node *nd = &n->nodes[i];
        if (nd->kind == OP_LAYER) {
            add_param(n, ads_layer_param(nd->layer, ADS_PARAM_WEIGHT),
                      ads_layer_grad(nd->layer, ADS_PARAM_WEIGHT), 1, 0);
            for (ads_param p = ADS_PARAM_BIAS; p <= ADS_PARAM_V_COLS; p++)
                add_param(n, ads_layer_param(nd->layer, p), ads_layer_grad(nd->layer, p), 0,
                          p != ADS_PARAM_BIAS);
        } else if (nd->kind == OP_BN) {
            add_param(n, nd->gamma, nd->ggamma, 0, 0);
            add_param(n, nd->beta, nd->gbeta, 0, 0);
        } else if (nd->kind == OP_DENSE) {
            add_param(n, nd->w, nd->gw, 1, 0);
            add_param(n, nd->b, nd->gb, 0, 0);
        }
    }
    for (int i = 0; i < n->nparams; i++) n->state[n->nstate++] = n->params[i].param;
    for (int i = 0; i < n->count; i++)
        if (n->nodes[i].kind == OP_BN) {
            n->state[n->nstate++] = n->nodes[i].rmean;
            n->state[n->nstate++] = n->nodes[i].rvar;
        }
}

ads_status net_create(ads_context *ctx, const net_config *cfg, net **out)
{
    if (!out || !ctx || !cfg) return train_fail(ADS_ERR_NULL_ARGUMENT, "net_create: NULL argument");
    *out = NULL;
    if (cfg->width < 1 || cfg->in_channels < 1 || cfg->classes < 2)
        return train_fail(ADS_ERR_INVALID_ARGUMENT,
                          "net width %d, in_channels %d, classes %d: "
                          "need >= 1, >= 1, >= 2",
                          cfg->width, cfg->in_channels, cfg->classes);
    net *n = calloc(1, sizeof *n);
    if (!n) return train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a net");
    n->ctx = ctx;
    n->cfg = *cfg;
    ads_adapt down = cfg->adaptive ? ADS_ADAPT_BOTH : ADS_ADAPT_NONE;
    ads_status st = cfg->arch == NET_VGG ? build_vgg(n, cfg->width, down)
                                         : build_mobilenet(n, cfg->width, down);
    if (st != ADS_OK) {
        net_release(n);
        return st;
    }
    collect(n);
    *out = n;
    return ADS_OK;
}

static void release_buffers(net *n)
{
    for (int i = 0; i < n->count; i++) {
        ads_tensor_release(n->nodes[i].y);
        ads_tensor_release(n->nodes[i].gy);
        n->nodes[i].y = n->nodes[i].gy = NULL;
    }
    n->in_shape[0] = 0;
}

void net_release(net *n)
{
    if (!n) return;
    release_buffers(n);
    for (int i = 0; i < n->count; i++) {
        node *nd = &n->nodes[i];
        ads_layer_release(nd->layer);
        ads_tensor *t[] = {nd->gamma,  nd->beta,  nd->rmean, nd->rvar, nd->smean, nd->sinvstd,
                           nd->ggamma, nd->gbeta, nd->w,     nd->b,    nd->gw,    nd->gb};
        for (size_t k = 0; k < sizeof t / sizeof *t; k++) ads_tensor_release(t[k]);
    }
    free(n);
}

/* The output shape of node nd for an input of shape in. */
static ads_status out_shape(const node *nd, const int64_t in[4], int in_ndim, int64_t out[4],
                            int *out_ndim)
{
    *out_ndim = in_ndim;
    memcpy(out, in, 4 * sizeof *in);
    if (nd->kind == OP_LAYER) return ads_layer_output_shape(nd->layer, in, out);
    if (nd->kind == OP_GAP) *out_ndim = 2;
    if (nd->kind == OP_DENSE) {
        *out_ndim = 2;
        out[1] = ads_tensor_dim(nd->w, 0);
    }
    return ADS_OK;
}

/* (Re)allocates every node's output and gradient for input shape in. */
static ads_status size_buffers(net *n, const int64_t in[4])
{
    if (memcmp(n->in_shape, in, sizeof n->in_shape) == 0) return ADS_OK;
    release_buffers(n);
    int64_t shape[4];
    memcpy(shape, in, sizeof shape);
    int ndim = 4;
    for (int i = 0; i < n->count; i++) {
        node *nd = &n->nodes[i];
        TRAIN_TRY(out_shape(nd, shape, ndim, nd->out_shape, &nd->out_ndim));
        memcpy(shape, nd->out_shape, sizeof shape);
        ndim = nd->out_ndim;
        TRAIN_TRY(ads_tensor_create(n->ctx, ndim, shape, &nd->y));
        TRAIN_TRY(ads_tensor_create(n->ctx, ndim, shape, &nd->gy));
    }
    memcpy(n->in_shape, in, sizeof n->in_shape);
    return ADS_OK;
}

static ads_status node_forward(net *n, node *nd, const ads_tensor *x, int training)
{
    ads_context *c = n->ctx;
    switch (nd->kind) {
    case OP_LAYER: return ads_layer_forward(nd->layer, x, nd->y);
    case OP_BN:
        return ads_batchnorm_forward(c, x, nd->gamma, nd->beta, nd->rmean, nd->rvar, BN_MOMENTUM,
                                     BN_EPS, training, nd->smean, nd->sinvstd, nd->y);
    case OP_RELU: return ads_relu_forward(c, x, nd->y);
    case OP_GAP: return ads_global_avg_pool_forward(c, x, nd->y);
    case OP_DENSE: return ads_dense_forward(c, x, nd->w, nd->b, nd->y);
    }
    return train_fail(ADS_ERR_INVALID_ARGUMENT, "unknown node kind %d", (int)nd->kind);
}

ads_status net_forward(net *n, const ads_tensor *x, int training, ads_tensor **logits)
{
    if (!n || !x || !logits) return train_fail(ADS_ERR_NULL_ARGUMENT, "net_forward: NULL argument");
    if (ads_tensor_ndim(x) != 4)
        return train_fail(ADS_ERR_SHAPE_MISMATCH,
                          "the net's input has %d dimensions; expected "
                          "N x C x H x W",
                          ads_tensor_ndim(x));
    int64_t in[4];
    for (int a = 0; a < 4; a++) in[a] = ads_tensor_dim(x, a);
    TRAIN_TRY(size_buffers(n, in));
    const ads_tensor *cur = x;
    for (int i = 0; i < n->count; i++) {
        TRAIN_TRY(node_forward(n, &n->nodes[i], cur, training));
        cur = n->nodes[i].y;
    }
    n->x = x;
    *logits = n->nodes[n->count - 1].y;
    return ADS_OK;
}

/* gx NULL for the first node: nothing upstream wants it. */
static ads_status node_backward(net *n, node *nd, const ads_tensor *x, const ads_tensor *gy,
                                ads_tensor *gx)
{
    ads_context *c = n->ctx;
    switch (nd->kind) {
    case OP_LAYER: return ads_layer_backward(nd->layer, gy, gx);
    case OP_BN:
        return ads_batchnorm_backward(c, x, nd->gamma, nd->smean, nd->sinvstd, gy, gx, nd->ggamma,
                                      nd->gbeta);
    case OP_RELU: return gx ? ads_relu_backward(c, x, gy, gx) : ADS_OK;
    case OP_GAP: return gx ? ads_global_avg_pool_backward(c, gy, gx) : ADS_OK;
    case OP_DENSE: return ads_dense_backward(c, x, nd->w, gy, gx, nd->gw, nd->gb);
    }
    return train_fail(ADS_ERR_INVALID_ARGUMENT, "unknown node kind %d", (int)nd->kind);
}

ads_status net_backward(net *n, const ads_tensor *glogits)
{
    if (!n || !glogits) return train_fail(ADS_ERR_NULL_ARGUMENT, "net_backward: NULL argument");
    if (!n->x) return train_fail(ADS_ERR_INVALID_ARGUMENT, "net_backward needs a forward first");
    for (int i = 0; i < n->count; i++)
        if (n->nodes[i].kind == OP_LAYER) TRAIN_TRY(ads_layer_zero_grad(n->nodes[i].layer));
    /* Node i reads the gradient node i+1 wrote into its gy (the last
       node reads glogits) and writes the one of its input. */
    for (int i = n->count - 1; i >= 0; i--) {
        node *nd = &n->nodes[i];
        const ads_tensor *x = i ? n->nodes[i - 1].y : n->x;
        const ads_tensor *gy = i == n->count - 1 ? glogits : nd->gy;
        ads_tensor *gx = i ? n->nodes[i - 1].gy : NULL;
        TRAIN_TRY(node_backward(n, nd, x, gy, gx));
    }
    return ADS_OK;
}

int net_param_tensors(const net *n) { return n->nparams; }
net_param net_param_at(const net *n, int i) { return n->params[i]; }
int net_state_tensors(const net *n) { return n->nstate; }
ads_tensor *net_state_at(const net *n, int i) { return n->state[i]; }

int64_t net_param_floats(const net *n)
{
    int64_t total = 0;
    for (int i = 0; i < n->nparams; i++) total += (int64_t)ads_tensor_count(n->params[i].param);
    return total;
}

ads_layer *net_sampler(const net *n, int k, int64_t in[4], int64_t out[4])
{
    if (k < 0 || k >= n->nsamplers) return NULL;
    int i = n->sampler[k];
    if (in) memcpy(in, i ? n->nodes[i - 1].out_shape : n->in_shape, 4 * sizeof *in);
    if (out) memcpy(out, n->nodes[i].out_shape, 4 * sizeof *out);
    return n->nodes[i].layer;
}

const char *net_arch_name(net_arch a) { return a == NET_VGG ? "vgg" : "mobilenet"; }

int net_arch_parse(const char *s)
{
    if (strcmp(s, "vgg") == 0) return NET_VGG;
    if (strcmp(s, "mobilenet") == 0) return NET_MOBILENET;
    return -1;
}
