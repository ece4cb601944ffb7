/* Stride logits -> sampling positions (docs/design.md 1.1), and back.

   One work-group per row of the N x L logits. Work-item k of the group
   owns the contiguous chunk [k*chunk, (k+1)*chunk) of the row, so L in
   the thousands runs in one launch: each pass walks the chunk, then the
   group combines the chunk results in local memory.

   The softmax is written with unit strides u_j = (L * e_j) / sum_e,
   e_j = exp((a_j - max a) / t), so that s_j = S * u_j and the prefix sums
   c_i = sum_{j<i} u_j give p_i = origin + S * c_i. For all-zero logits
   every e_j is 1, sum_e is L, u_j is exactly 1 and c_i exactly i (sums of
   integers below 2^24 are exact in any order), so p_i is bit for bit the
   float expression origin + S * (float)i. Contraction is off so that no
   fused multiply-add changes that rounding. */
#pragma OPENCL FP_CONTRACT OFF

#include "reduce.clh"

/* The exclusive scan of the chunk sums, in work-item order (reverse = 0)
   or reverse order (reverse = 1). One work-item adds them in sequence:
   base[k+1] = base[k] + v[k] is then exactly the rounded sum the chunk
   itself reaches, so positions stay monotone across chunk borders (a tree
   scan rounds differently and can step back by an ulp). The group size
   is small (64), so this costs next to nothing. */
static inline float group_exclusive_scan(local float *buf, float v, int reverse)
{
    int lid = get_local_id(0), n = get_local_size(0);
    int slot = reverse ? n - 1 - lid : lid;
    barrier(CLK_LOCAL_MEM_FENCE);
    buf[slot] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (lid == 0) {
        float run = 0.0f;
        for (int k = 0; k < n; k++) {
            float next = run + buf[k];
            buf[k] = run;
            run = next;
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    return buf[slot];
}

/* u_j = (L * e_j) / sum_e: the stride of j in units of the nominal stride. */
static inline float unit_stride(float a, float amax, float t, float fl, float sum_e)
{
    return fl * exp((a - amax) / t) / sum_e;
}

/* Max and sum of exponentials of one row; each work-item covers [lo, hi).
   (a - max) / t never overflows for finite logits: the difference is at
   most 0 and at least -2 * FLT_MAX, which exp sends to 0. */
static inline void row_softmax_stats(global const float *a, int lo, int hi, float t, local float *buf,
                              float *amax, float *sum_e)
{
    float m = -INFINITY;
    for (int j = lo; j < hi; j++) m = fmax(m, a[j]);
    m = group_max(buf, m);
    float s = 0.0f;
    for (int j = lo; j < hi; j++) s += exp((a[j] - m) / t);
    *amax = m;
    *sum_e = group_sum(buf, s);
}

/* One work-group: one row of positions. Work-item k writes its chunk. */
kernel void stride_positions(global const float *logits, global float *pos, int L, float stride,
                             float origin, float t, local float *buf)
{
    int lid = get_local_id(0), n = get_local_size(0);
    int chunk = (int)(((long)L + n - 1) / n); /* L + n may exceed 2^31 */
    int lo = (int)min((long)L, (long)lid * chunk), hi = (int)min((long)L, (long)lo + chunk);
    long row = (long)get_group_id(0) * L;
    global const float *a = logits + row;
    float fl = (float)L, amax, sum_e;
    row_softmax_stats(a, lo, hi, t, buf, &amax, &sum_e);

    float part = 0.0f;
    for (int j = lo; j < hi; j++) part += unit_stride(a[j], amax, t, fl, sum_e);
    float base = group_exclusive_scan(buf, part, 0);
    /* c = base + (the chunk's own running sum): monotone within the chunk
       and at most base + part, the next chunk's base. Each a[j] is read
       before pos[j] is written, so pos may be the logits themselves. */
    float run = 0.0f;
    for (int j = lo; j < hi; j++) {
        float u = unit_stride(a[j], amax, t, fl, sum_e);
        float c = base + run;
        pos[row + j] = origin + stride * c;
        run += u;
    }
}

/* One work-group: one row of logit gradients. With g_s[j] = sum_{i>j}
   g_p[i] and D = sum_j sigma_j g_s[j] = sum_j u_j g_s[j] / L, the design's
   g_a[k] = (s_k g_s[k] - sigma_k sum_j s_j g_s[j]) / t becomes
   g_a[k] = S * u_k * (g_s[k] - D) / t. glog holds g_s between passes;
   every work-item reads back only what it wrote itself. */
kernel void stride_positions_backward(global const float *logits, global const float *gpos,
                                      global float *glog, int L, float stride, float t,
                                      local float *buf)
{
    int lid = get_local_id(0), n = get_local_size(0);
    int chunk = (int)(((long)L + n - 1) / n); /* L + n may exceed 2^31 */
    int lo = (int)min((long)L, (long)lid * chunk), hi = (int)min((long)L, (long)lo + chunk);
    long row = (long)get_group_id(0) * L;
    global const float *a = logits + row;
    global const float *gp = gpos + row;
    global float *ga = glog + row;
    float fl = (float)L, amax, sum_e;
    row_softmax_stats(a, lo, hi, t, buf, &amax, &sum_e);

    /* Suffix sums: the chunks after this one, then this chunk backwards. */
    float part = 0.0f;
    for (int j = lo; j < hi; j++) part += gp[j];
    float after = group_exclusive_scan(buf, part, 1);
    float dot = 0.0f;
    for (int j = hi - 1; j >= lo; j--) {
        float gs = after;
        after += gp[j];
        ga[j] = gs;
        dot += unit_stride(a[j], amax, t, fl, sum_e) * gs;
    }
    float d = group_sum(buf, dot) / fl;
    for (int j = lo; j < hi; j++) {
        float u = unit_stride(a[j], amax, t, fl, sum_e);
        ga[j] = stride * u * (ga[j] - d) / t;
    }
}
