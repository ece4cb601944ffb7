/* Optimiser steps, one parameter element per work-item, in place. */

/* One work-item: SGD with momentum (PyTorch, dampening 0). */
kernel void sgd_momentum(global float *p, global const float *g, global float *vel, long n,
                         float lr, float momentum, float wd)
{
    long i = get_global_id(0);
    if (i >= n) return;
    float d = g[i] + wd * p[i];
    float v = momentum * vel[i] + d;
    vel[i] = v;
    p[i] = p[i] - lr * v;
}

/* One work-item: SGD without a velocity buffer (momentum 0). */
kernel void sgd_plain(global float *p, global const float *g, long n, float lr, float wd)
{
    long i = get_global_id(0);
    if (i >= n) return;
    float d = g[i] + wd * p[i];
    p[i] = p[i] - lr * d;
}

/* One work-item: Adam (PyTorch's non-fused update). step_size =
   lr / (1 - beta1^t) and bc2_sqrt = sqrt(1 - beta2^t) come from the host,
   computed in double. */
kernel void adam(global float *p, global const float *g, global float *m, global float *v,
                 long n, float beta1, float beta2, float eps, float wd, float step_size,
                 float bc2_sqrt)
{
    long i = get_global_id(0);
    if (i >= n) return;
    float d = g[i] + wd * p[i];
    float mi = beta1 * m[i] + (1.0f - beta1) * d;
    float vi = beta2 * v[i] + (1.0f - beta2) * d * d;
    m[i] = mi;
    v[i] = vi;
    float denom = sqrt(vi) / bc2_sqrt + eps;
    p[i] = p[i] - step_size * mi / denom;
}
