/* Element-wise and small reduction kernels of the training layers: ReLU,
   dropout, global average pooling, and the dense layer's bias. Linear
   indices are long: tensors may exceed 2^31 elements. */

/* One work-item: y[i] = max(x[i], 0). NaN passes through as NaN. */
kernel void relu_forward(global const float *x, global float *y, long n)
{
    long i = get_global_id(0);
    if (i < n) y[i] = x[i] > 0.0f ? x[i] : (isnan(x[i]) ? x[i] : 0.0f);
}

/* One work-item: gx[i] = gy[i] where x[i] > 0, else 0. */
kernel void relu_backward(global const float *x, global const float *gy, global float *gx,
                          long n)
{
    long i = get_global_id(0);
    if (i < n) gx[i] = x[i] > 0.0f ? gy[i] : 0.0f;
}

#include "splitmix.clh"

/* One work-item: mask and output of element i. key is splitmix64(seed)
   (the host computes it); element i is dropped when the top 24 bits of
   mix64(key + (i+1) * golden) are below threshold = p * 2^24, compared
   as floats (both exact), so every device makes the same choice. */
kernel void dropout_forward(global const float *x, global float *mask, global float *y, long n,
                            ulong key, float threshold, float scale)
{
    long i = get_global_id(0);
    if (i >= n) return;
    ulong h = mix64(key + ((ulong)i + 1UL) * ADS_GOLDEN_GAMMA);
    float r = (float)(uint)(h >> 40);
    float m = r < threshold ? 0.0f : scale;
    mask[i] = m;
    y[i] = x[i] * m;
}

/* One work-item: c[i] = a[i] * b[i] (dropout backward: gy * mask). */
kernel void multiply(global const float *a, global const float *b, global float *c, long n)
{
    long i = get_global_id(0);
    if (i < n) c[i] = a[i] * b[i];
}

/* One work-item: one plane (n, c); y = the plane's mean, summed in
   order, so the result is deterministic. */
kernel void global_avg_pool_forward(global const float *x, global float *y, long planes,
                                    long plane_size)
{
    long p = get_global_id(0);
    if (p >= planes) return;
    global const float *v = x + p * plane_size;
    float s = 0.0f;
    for (long i = 0; i < plane_size; i++) s += v[i];
    y[p] = s / (float)plane_size;
}

/* One work-item: one pixel; gx = gy of its plane / plane size. */
kernel void global_avg_pool_backward(global const float *gy, global float *gx, long n,
                                     long plane_size)
{
    long i = get_global_id(0);
    if (i < n) gx[i] = gy[i / plane_size] / (float)plane_size;
}

/* One work-item: one element (row r, column o) of y; y += b[o]. */
kernel void add_row_bias(global float *y, global const float *b, int rows, int cols)
{
    int o = get_global_id(0), r = get_global_id(1);
    if (o < cols && r < rows) y[(long)r * cols + o] += b[o];
}

/* One work-item: one column o; out[o] = sum over rows of a[r, o], in row
   order (deterministic). */
kernel void column_sums(global const float *a, global float *out, int rows, int cols)
{
    int o = get_global_id(0);
    if (o >= cols) return;
    float s = 0.0f;
    for (int r = 0; r < rows; r++) s += a[(long)r * cols + o];
    out[o] = s;
}
