/* Batch normalisation (x: N x C x S with S = H*W, or S = 1 for N x C).
   The per-channel reductions run one work-group per channel with a
   power-of-two group size; work-item k sums elements k, k+G, k+2G, ...
   of the channel in order and the group combines the partial sums in a
   fixed tree, so results are deterministic for a given group size. */

#include "reduce.clh"

/* A walk over channel c's M = N*S values j = first, first + step, ...:
   the element index k of value j, advanced without a division per value
   (a 64-bit division per element cost more than the arithmetic). */
typedef struct {
    long n, s, dn, ds, S;
    int C, c;
} bn_walk;

static inline bn_walk bn_walk_start(long first, long step, int c, int C, long S)
{
    bn_walk w = {first / S, first % S, step / S, step % S, S, C, c};
    return w;
}

static inline long bn_walk_index(const bn_walk *w)
{
    return (w->n * w->C + w->c) * w->S + w->s;
}

static inline void bn_walk_next(bn_walk *w)
{
    w->n += w->dn;
    w->s += w->ds;
    if (w->s >= w->S) {
        w->s -= w->S;
        w->n++;
    }
}

/* One work-group: channel c's batch statistics. Two passes (the mean,
   then the squared deviations) keep the variance accurate when the mean
   is large against the spread. Work-item 0 writes the mean and
   1/sqrt(var + eps) and, when `update` is set, the running statistics
   with the unbiased variance. */
kernel void bn_stats(global const float *x, global float *save_mean, global float *save_invstd,
                     global float *running_mean, global float *running_var, int N, int C,
                     long S, float eps, float momentum, int update, local float *buf)
{
    int c = get_group_id(0), lid = get_local_id(0), G = get_local_size(0);
    long M = (long)N * S;
    float s = 0.0f;
    bn_walk w = bn_walk_start(lid, G, c, C, S);
    for (long j = lid; j < M; j += G, bn_walk_next(&w)) s += x[bn_walk_index(&w)];
    float mean = group_sum(buf, s) / (float)M;
    float q = 0.0f;
    w = bn_walk_start(lid, G, c, C, S);
    for (long j = lid; j < M; j += G, bn_walk_next(&w)) {
        float d = x[bn_walk_index(&w)] - mean;
        q += d * d;
    }
    float var = group_sum(buf, q) / (float)M;
    if (lid != 0) return;
    save_mean[c] = mean;
    save_invstd[c] = 1.0f / sqrt(var + eps);
    if (update) {
        float unbiased = var * ((float)M / (float)(M - 1));
        running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean;
        running_var[c] = (1.0f - momentum) * running_var[c] + momentum * unbiased;
    }
}

/* The element-wise kernels take one work-item per element in a 2-D
   launch: pixel s = get_global_id(0) of plane get_global_id(1) = n*C + c
   of the N*C planes, so the channel comes from the plane index, once per
   row of work-items. Both dimensions may be rounded up: guarded. */
#define BN_ELEMENT(N, C, S, s, c, i)                                                \
    long s = get_global_id(0), i = (long)get_global_id(1) * (S) + s;                 \
    int c = (int)(get_global_id(1) % (C));                                           \
    if (s >= (S) || get_global_id(1) >= (size_t)(N) * (C)) return

/* One work-item: y[i] = gamma * (x - mean) * invstd + beta with its
   channel's batch statistics. */
kernel void bn_apply(global const float *x, global const float *mean,
                     global const float *invstd, global const float *gamma,
                     global const float *beta, global float *y, int N, int C, long S)
{
    BN_ELEMENT(N, C, S, s, c, i);
    y[i] = (x[i] - mean[c]) * invstd[c] * gamma[c] + beta[c];
}

/* One work-item: y[i] with the running statistics (inference). */
kernel void bn_apply_running(global const float *x, global const float *rmean,
                             global const float *rvar, global const float *gamma,
                             global const float *beta, global float *y, int N, int C, long S,
                             float eps)
{
    BN_ELEMENT(N, C, S, s, c, i);
    y[i] = (x[i] - rmean[c]) * (1.0f / sqrt(rvar[c] + eps)) * gamma[c] + beta[c];
}

/* One work-group: channel c's gbeta = sum gy and ggamma = sum gy * xhat,
   xhat = (x - mean) * invstd. */
kernel void bn_backward_reduce(global const float *x, global const float *mean,
                               global const float *invstd, global const float *gy,
                               global float *gbeta, global float *ggamma, int N, int C, long S,
                               local float *buf)
{
    int c = get_group_id(0), lid = get_local_id(0), G = get_local_size(0);
    long M = (long)N * S;
    float m = mean[c], is = invstd[c], sg = 0.0f, sgx = 0.0f;
    bn_walk w = bn_walk_start(lid, G, c, C, S);
    for (long j = lid; j < M; j += G, bn_walk_next(&w)) {
        long k = bn_walk_index(&w);
        sg += gy[k];
        sgx += gy[k] * (x[k] - m) * is;
    }
    float tg = group_sum(buf, sg);
    float tgx = group_sum(buf, sgx);
    if (lid == 0) {
        gbeta[c] = tg;
        ggamma[c] = tgx;
    }
}

/* One work-item: gx[i] = gamma invstd (gy - (gbeta + xhat ggamma) / M),
   the gradient through the batch mean and variance. */
kernel void bn_backward_dx(global const float *x, global const float *mean,
                           global const float *invstd, global const float *gamma,
                           global const float *gy, global const float *gbeta,
                           global const float *ggamma, global float *gx, int N, int C,
                           long S, long M)
{
    BN_ELEMENT(N, C, S, s, c, i);
    float is = invstd[c], xhat = (x[i] - mean[c]) * is, fm = (float)M;
    gx[i] = gamma[c] * is * (gy[i] - (gbeta[c] + xhat * ggamma[c]) / fm);
}
