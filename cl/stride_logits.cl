/* Stride logits from features (docs/design.md 1.2), and back.

   Both axes share these kernels. A plane of x (H x W) is seen as P lines
   of Q elements: the rows axis has P = H, Q = W, line stride sp = W and
   element stride sq = 1; the columns axis has P = W, Q = H, sp = 1,
   sq = W. phi is the mean over a line of x ("linear") or of
   |x(next line) - x| ("variation", 0 on the last line); the profile is
   prof[n,p] = sum_c v[c] * phi[n,c,p] and the logits are its adaptive
   average over L bins, bin i = lines [floor(i*P/L), ceil((i+1)*P/L)). */

/* The term of phi at plane offset `off` on line p. */
static inline float phi_term(global const float *plane, long off, int p, int P, int sp, int variation)
{
    float v = plane[off];
    if (!variation) return v;
    return p + 1 < P ? fabs(plane[off + sp] - v) : 0.0f;
}

/* d(phi line sums)/dx at plane offset `off` on line p, weighted by the
   line gradients gl[0..P-1]. The derivative of |.| at 0 is 0 (sign(0)
   is 0). */
static inline float phi_grad(global const float *plane, long off, int p, int P, int sp, int variation,
                      global const float *gl)
{
    if (!variation) return gl[p];
    float v = plane[off], d = 0.0f;
    if (p + 1 < P) d -= sign(plane[off + sp] - v) * gl[p];
    if (p > 0) d += sign(v - plane[off - sp]) * gl[p - 1];
    return d;
}

/* One work-item: prof[n,p] for one image n and line p. */
kernel void stride_profile(global const float *x, global const float *v, global float *prof,
                           int N, int C, int P, int Q, int sp, int sq, int variation)
{
    int p = get_global_id(0), n = get_global_id(1);
    if (p >= P || n >= N) return;
    long plane = (long)P * Q;
    float r = 0.0f;
    for (int c = 0; c < C; c++) {
        global const float *xc = x + ((long)n * C + c) * plane;
        float s = 0.0f;
        for (int q = 0; q < Q; q++)
            s += phi_term(xc, (long)p * sp + (long)q * sq, p, P, sp, variation);
        r += v[c] * (s / (float)Q);
    }
    prof[(long)n * P + p] = r;
}

/* GPU shape of stride_profile along the rows (GPUs, "stride.item_pixel",
   where a line's elements are contiguous, sq == 1): one work-group per
   line, prof[n,p] with p = get_group_id(0) and n = get_global_id(1).
   Work-item k sums the terms k, k + group size, ... of the C*Q (channel,
   element) pairs in memory order, so a wavefront reads consecutive
   addresses, where one work-item per line puts a whole row between
   neighbours; the group then adds the partial sums in a fixed tree. buf
   holds the group size (a power of two) of floats. */
kernel void stride_profile_group(global const float *x, global const float *v,
                                 global float *prof, int N, int C, int P, int Q, int sp, int sq,
                                 int variation, local float *buf)
{
    int p = get_group_id(0), n = get_global_id(1), lid = get_local_id(0);
    int nl = get_local_size(0);
    long plane = (long)P * Q, terms = (long)C * Q;
    float r = 0.0f;
    for (long k = lid; k < terms; k += nl) {
        int c = (int)(k / Q), q = (int)(k - (long)c * Q);
        global const float *xc = x + ((long)n * C + c) * plane;
        r += v[c] * phi_term(xc, (long)p * sp + (long)q * sq, p, P, sp, variation);
    }
    buf[lid] = r;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = nl / 2; s > 0; s >>= 1) {
        if (lid < s) buf[lid] += buf[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) prof[(long)n * P + p] = buf[0] / (float)Q;
}

/* One work-item: a[n,i], the mean of prof[n, .] over bin i. Bins of
   neighbouring i overlap when P is not a multiple of L and repeat lines
   when L > P. */
kernel void stride_bins(global const float *prof, global float *a, int N, int P, int L)
{
    int i = get_global_id(0), n = get_global_id(1);
    if (i >= L || n >= N) return;
    long lo = (long)i * P / L, hi = ((long)(i + 1) * P + L - 1) / L;
    global const float *r = prof + (long)n * P;
    float s = 0.0f;
    for (long k = lo; k < hi; k++) s += r[k];
    a[(long)n * L + i] = s / (float)(hi - lo);
}

/* One work-item: gprof[n,p] = sum of ga[n,i] / |bin i| over the bins i
   that hold line p: i from floor(p*L/P) to ceil((p+1)*L/P) - 1. */
kernel void stride_bins_backward(global const float *ga, global float *gprof, int N, int P, int L)
{
    int p = get_global_id(0), n = get_global_id(1);
    if (p >= P || n >= N) return;
    long first = (long)p * L / P, last = ((long)(p + 1) * L + P - 1) / P - 1;
    if (last > L - 1) last = L - 1;
    global const float *g = ga + (long)n * L;
    float s = 0.0f;
    for (long i = first; i <= last; i++) {
        long lo = i * P / L, hi = ((i + 1) * P + L - 1) / L;
        s += g[i] / (float)(hi - lo);
    }
    gprof[(long)n * P + p] = s;
}

/* One work-group: gv[c] = sum_{n,p,q} gprof[n,p] * phi-term(n,c,p,q) / Q.
   Work-item k sums the elements k, k + group size, ... of each plane in
   memory order, then the group adds the partial sums in a fixed tree:
   deterministic, no atomics. buf holds the group size (a power of two)
   of floats. */
kernel void stride_profile_gv(global const float *x, global const float *gprof,
                              global float *gv, int N, int C, int P, int Q, int sp,
                              int variation, local float *buf)
{
    int c = get_group_id(0), lid = get_local_id(0), nl = get_local_size(0);
    long plane = (long)P * Q;
    /* Element m of the plane is (row r, column k) of a plane `width`
       wide, tracked as m advances by nl (no division per element); its
       line is k on the columns axis (sp == 1), r on the rows axis. */
    int width = sp == 1 ? P : Q, dr = nl / width, dk = nl % width;
    float acc = 0.0f;
    for (int n = 0; n < N; n++) {
        global const float *xc = x + ((long)n * C + c) * plane;
        global const float *gl = gprof + (long)n * P;
        int r = lid / width, k = lid % width;
        for (long m = lid; m < plane; m += nl) {
            int p = sp == 1 ? k : r;
            acc += gl[p] * phi_term(xc, m, p, P, sp, variation);
            r += dr;
            k += dk;
            if (k >= width) {
                k -= width;
                r++;
            }
        }
    }
    buf[lid] = acc;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = nl / 2; s > 0; s >>= 1) {
        if (lid < s) buf[lid] += buf[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) gv[c] = buf[0] / (float)Q;
}

/* The derivative of both profiles at element off = h*W + w of plane
   n*C + c (xc), as stride_profile_gx adds it. */
static inline float profile_gx_at(global const float *xc, long off, int n, int c, int h, int w,
                                  global const float *v_rows, global const float *grow,
                                  global const float *v_cols, global const float *gcol, int H,
                                  int W, int variation, int use_rows, int use_cols)
{
    float g = 0.0f;
    if (use_rows)
        g += v_rows[c] * (phi_grad(xc, off, h, H, W, variation, grow + (long)n * H) / (float)W);
    if (use_cols)
        g += v_cols[c] * (phi_grad(xc, off, w, W, 1, variation, gcol + (long)n * W) / (float)H);
    return g;
}

/* One work-item: the row gx[n,c,h,:] (h = get_global_id(0), n*C + c =
   get_global_id(1)); each element gets += the derivative of both
   profiles there, v_rows[c] * d(rows phi)/dx + v_cols[c] * d(cols
   phi)/dx, with the line gradients grow (N x H) and gcol (N x W). An axis
   with use_* 0 is skipped (its buffers are then placeholders). A row per
   work-item: one per element spent most of its time in PoCL's
   per-group overhead. */
kernel void stride_profile_gx(global const float *x, global float *gx,
                              global const float *v_rows, global const float *grow,
                              global const float *v_cols, global const float *gcol, int N, int C,
                              int H, int W, int variation, int use_rows, int use_cols)
{
    int h = get_global_id(0);
    long nc = get_global_id(1); /* N*C may exceed 2^31 */
    if (h >= H || nc >= (long)N * C) return;
    int n = (int)(nc / C), c = (int)(nc % C);
    long plane_at = (long)nc * H * W;
    global const float *xc = x + plane_at;
    for (int w = 0; w < W; w++) {
        long off = (long)h * W + w;
        gx[plane_at + off] += profile_gx_at(xc, off, n, c, h, w, v_rows, grow, v_cols, gcol, H, W,
                                            variation, use_rows, use_cols);
    }
}

/* Pixel shape of stride_profile_gx (GPUs, "stride.item_pixel"): one
   work-item adds to the element off = h*W + w = get_global_id(0) of
   plane n*C + c = get_global_id(1), so neighbouring work-items touch
   neighbouring addresses; the same sum as the row kernel's. */
kernel void stride_profile_gx_pixel(global const float *x, global float *gx,
                                    global const float *v_rows, global const float *grow,
                                    global const float *v_cols, global const float *gcol, int N,
                                    int C, int H, int W, int variation, int use_rows, int use_cols)
{
    long off = get_global_id(0), nc = get_global_id(1);
    if (off >= (long)H * W || nc >= (long)N * C) return;
    int n = (int)(nc / C), c = (int)(nc % C), h = (int)(off / W), w = (int)(off - (long)h * W);
    long at = nc * H * W + off;
    gx[at] += profile_gx_at(x + nc * H * W, off, n, c, h, w, v_rows, grow, v_cols, gcol, H, W,
                            variation, use_rows, use_cols);
}
