/* Kernels that measure a device's own limits for the benchmark. */

#ifndef FMA_CHAINS
#define FMA_CHAINS 12
#endif

/* One work-item runs `iters` rounds of FMA_CHAINS independent float16 FMA
   chains (explicit vectors: PoCL reaches peak only with them; the host
   picks FMA_CHAINS to cover an FMA latency of 4 cycles on 2 ports and
   fit the registers: 12 on AVX-512, 6 on AVX2) and stores their sum so
   the compiler cannot drop the work. FLOPs: iters * FMA_CHAINS * 16 * 2. */
kernel void fma_peak(global float *out, int iters, float seed)
{
    float16 a[FMA_CHAINS];
    #pragma unroll
    for (int c = 0; c < FMA_CHAINS; c++) a[c] = (float16)(seed + (float)c);
    const float16 m = (float16)(0.999f), k = (float16)(0.001f);
    for (int i = 0; i < iters; i++) {
        #pragma unroll
        for (int c = 0; c < FMA_CHAINS; c++) a[c] = fma(a[c], m, k);
    }
    float16 s = a[0];
    #pragma unroll
    for (int c = 1; c < FMA_CHAINS; c++) s += a[c];
    out[get_global_id(0)] = s.s0 + s.s1 + s.s2 + s.s3 + s.s4 + s.s5 + s.s6 + s.s7 + s.s8 +
                            s.s9 + s.sa + s.sb + s.sc + s.sd + s.se + s.sf;
}

/* One work-item copies one float4. */
kernel void copy_float4(global const float4 *src, global float4 *dst)
{
    size_t i = get_global_id(0);
    dst[i] = src[i];
}

/* One work-item stores one float: a launch with no work, so its time is
   the launch's own cost. */
kernel void empty_launch(global float *out)
{
    out[get_global_id(0)] = 0.0f;
}
