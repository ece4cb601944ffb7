/* Small utility kernels. */

/* One work-item copies one float. */
kernel void copy_floats(global const float *src, global float *dst, long n)
{
    long i = get_global_id(0);
    if (i < n) dst[i] = src[i];
}
