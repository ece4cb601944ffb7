/* Kernels that measure a device's own limits for the benchmark. */

/* One work-item runs `iters` rounds of 8 independent float16 FMA chains
   (explicit vectors: PoCL reaches peak only with them) and stores their
   sum so the compiler cannot drop the work. FLOPs: iters * 8 * 16 * 2. */
kernel void fma_peak(global float *out, int iters, float seed)
{
    float16 a0 = (float16)(seed), a1 = a0 + 1.0f, a2 = a0 + 2.0f, a3 = a0 + 3.0f;
    float16 a4 = a0 + 4.0f, a5 = a0 + 5.0f, a6 = a0 + 6.0f, a7 = a0 + 7.0f;
    const float16 m = (float16)(0.999f), c = (float16)(0.001f);
    for (int i = 0; i < iters; i++) {
        a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
        a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    }
    float16 s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
    out[get_global_id(0)] = s.s0 + s.s1 + s.s2 + s.s3 + s.s4 + s.s5 + s.s6 + s.s7 + s.s8 +
                            s.s9 + s.sa + s.sb + s.sc + s.sd + s.se + s.sf;
}

/* One work-item copies one float4. */
kernel void copy_float4(global const float4 *src, global float4 *dst)
{
    size_t i = get_global_id(0);
    dst[i] = src[i];
}
