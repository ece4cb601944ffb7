/* Small utility kernels. */

/* One work-item copies one float. */
kernel void copy_floats(global const float *src, global float *dst, long n)
{
    long i = get_global_id(0);
    if (i < n) dst[i] = src[i];
}

/* One work-item adds one element of src to dst (gradient accumulation). */
kernel void add_floats(global float *dst, global const float *src, long n)
{
    long i = get_global_id(0);
    if (i < n) dst[i] += src[i];
}

/* One work-item writes one position of a uniform grid: p[n, i] = s * i. */
kernel void uniform_positions(global float *pos, int len, float stride, long count)
{
    long at = get_global_id(0);
    if (at < count) pos[at] = stride * (float)(at % len);
}
