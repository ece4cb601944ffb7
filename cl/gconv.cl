/* Gather-convolution (DESIGN.md 1.4): the column gather (im2col) for the
   fixed, separable and full-grid sampling kinds, bias, and the direct
   depthwise forward. The GEMM between columns and weights is ads_gemm.

   Column layout, for a chunk of images b = 0..nb-1 (image n = n0 + b):
     col[((b*C + c)*kh + ky)*kw + kx][i*Wo + j]
   so the rows of group g are the contiguous block c in [g*C/G, (g+1)*C/G).

   Every kernel takes the same geometry arguments (GC_GEOM) so the host
   sets them with one helper. kind: 0 fixed stride (integer reads, no
   interpolation), 1 separable (pa = py: N x Ho, pb = px: N x Wo),
   2 full grid (pa = grid: N x Ho x Wo x 2, pb unused). */
#include "bilinear.clh"

#define GC_FIXED 0
#define GC_SEPARABLE 1
#define GC_GRID 2

#define GC_GEOM                                                                          \
    int C, int H, int W, int Ho, int Wo, int kh, int kw, int sh, int sw, int ph, int pw,  \
        int dh, int dw, int kind

/* The position of tap (ky,kx) of output (i,j) of image n for the separable
   and grid kinds: the sampled position plus the integer tap offset, formed
   with one float rounding. .s0 is the row y, .s1 the column x. */
inline float2 gc_tap(int kind, global const float *pa, global const float *pb, long n, int i,
                     int j, int Ho, int Wo, int oy, int ox)
{
    float y, x;
    if (kind == GC_GRID) {
        long q = ((n * Ho + i) * Wo + j) * 2;
        y = pa[q];
        x = pa[q + 1];
    } else {
        y = pa[n * Ho + i];
        x = pb[n * Wo + j];
    }
    return (float2)(y + (float)oy, x + (float)ox);
}

/* The column kernels below give each work-item one output row of one
   column row: output row i = get_global_id(0), tap t = ky*kw + kx =
   get_global_id(1), (image b, channel c) from get_global_id(2) = b*C + c.
   The work-item writes the Wo entries col[b,c,ky,kx][i*Wo .. i*Wo+Wo-1]
   in a loop the compiler vectorises, with the row's tap fixed, so the
   index divisions happen once per row (measured on PoCL: 3-4x faster
   than one work-item per entry or per 8 entries). */

/* Fixed stride: integer reads of one input row, no interpolation; the
   zero-padding columns are found once per row, not tested per entry. */
kernel void gconv_im2col_fixed(global const float *x, global float *col, int n0, GC_GEOM)
{
    int i = get_global_id(0), t = get_global_id(1), bc = get_global_id(2);
    if (i >= Ho) return;
    int b = bc / C, c = bc - b * C, ky = t / kw, kx = t - ky * kw;
    global float *out = col + ((long)bc * kh * kw + t) * ((long)Ho * Wo) + (long)i * Wo;
    int yy = i * sh + ky * dh - ph, ox = kx * dw - pw;
    if (yy < 0 || yy >= H) {
        for (int j = 0; j < Wo; j++) out[j] = 0.0f;
        return;
    }
    global const float *row = x + ((((long)n0 + b) * C + c) * H + yy) * W;
    /* Columns j with 0 <= j*sw + ox < W: [jlo, jhi). */
    int jlo = ox >= 0 ? 0 : (-ox + sw - 1) / sw;
    int jhi = ox >= W ? 0 : (W - ox - 1) / sw + 1;
    jhi = min(jhi, Wo);
    jlo = min(jlo, jhi);
    for (int j = 0; j < jlo; j++) out[j] = 0.0f;
    for (int j = jlo; j < jhi; j++) out[j] = row[j * sw + ox];
    for (int j = jhi; j < Wo; j++) out[j] = 0.0f;
}

/* One work-item turns one tap of one output line of image b =
   get_global_id(1) into its table entry: e = get_global_id(0) < Ho*kh is
   row tap (i, ky) = (e / kh, e % kh), the rest column taps (j, kx). An
   entry is (first neighbour, second neighbour, fraction bits, 0), a
   neighbour being its line index or -1 where it reads the zero halo, so
   the gather needs no floor and no range test per element (bl_axis). */
kernel void gconv_sep_taps(global const float *py, global const float *px, global int4 *tab,
                           int n0, GC_GEOM)
{
    int e = get_global_id(0), b = get_global_id(1);
    int rows = Ho * kh, E = rows + Wo * kw;
    if (e >= E) return;
    long n = (long)n0 + b;
    bool is_row = e < rows;
    int q = is_row ? e : e - rows, k = is_row ? kh : kw, lines = is_row ? H : W;
    int l = q / k, kk = q - l * k;
    float pos = is_row ? py[n * Ho + l] + (float)(kk * dh - ph)
                       : px[n * Wo + l] + (float)(kk * dw - pw);
    int i0 = 0;
    float f = 0.0f;
    int4 out = (int4)(-1, -1, 0, 0);
    if (bl_axis(pos, lines, &i0, &f)) {
        out.s0 = i0 >= 0 ? i0 : -1;
        out.s1 = i0 + 1 < lines ? i0 + 1 : -1;
        out.s2 = as_int(f);
    }
    tab[(long)b * E + e] = out;
}

/* Separable positions: the row tap (two input rows and fy) is fixed per
   work-item; each entry reads its column tap from the table, then four
   neighbours and the shared blend. */
kernel void gconv_im2col_sep(global const float *x, global const int4 *tab, global float *col,
                             int n0, GC_GEOM)
{
    int i = get_global_id(0), t = get_global_id(1), bc = get_global_id(2);
    if (i >= Ho) return;
    int b = bc / C, c = bc - b * C, ky = t / kw, kx = t - ky * kw;
    global float *out = col + ((long)bc * kh * kw + t) * ((long)Ho * Wo) + (long)i * Wo;
    global const int4 *rt = tab + (long)b * (Ho * kh + Wo * kw);
    global const int4 *ct = rt + Ho * kh + kx;
    int4 r = rt[i * kh + ky];
    global const float *plane = x + (((long)n0 + b) * C + c) * (long)H * W;
    bool h0 = r.s0 >= 0, h1 = r.s1 >= 0;
    global const float *row0 = plane + (long)(h0 ? r.s0 : 0) * W;
    global const float *row1 = plane + (long)(h1 ? r.s1 : 0) * W;
    float fy = as_float(r.s2);
    for (int j = 0; j < Wo; j++) {
        int4 q = ct[j * kw];
        bool c0 = q.s0 >= 0, c1 = q.s1 >= 0;
        int x0 = c0 ? q.s0 : 0, x1 = c1 ? q.s1 : 0;
        /* A tap that reads 0 has every neighbour -1, so nb is 0. */
        float4 nb = (float4)(h0 && c0 ? row0[x0] : 0.0f, h0 && c1 ? row0[x1] : 0.0f,
                             h1 && c0 ? row1[x0] : 0.0f, h1 && c1 ? row1[x1] : 0.0f);
        out[j] = bl_blend(nb, fy, as_float(q.s2));
    }
}

/* Full grid: the shared bilinear read at each tap of the row. */
kernel void gconv_im2col_grid(global const float *x, global const float *grid,
                              global float *col, int n0, GC_GEOM)
{
    int i = get_global_id(0), t = get_global_id(1), bc = get_global_id(2);
    if (i >= Ho) return;
    int b = bc / C, c = bc - b * C, ky = t / kw, kx = t - ky * kw;
    long n = (long)n0 + b;
    global float *out = col + ((long)bc * kh * kw + t) * ((long)Ho * Wo) + (long)i * Wo;
    global const float *plane = x + (n * C + c) * (long)H * W;
    global const float *g = grid + (n * Ho + i) * Wo * 2;
    float oy = (float)(ky * dh - ph), ox = (float)(kx * dw - pw);
    for (int j = 0; j < Wo; j++) out[j] = bl_value(plane, H, W, g[2 * j] + oy, g[2 * j + 1] + ox);
}

/* One work-item sets y[n,o,p] = b[o], before a GEMM accumulates into y. */
kernel void gconv_bias_fill(global const float *bias, global float *y, int Cout, int P)
{
    int p = get_global_id(0), o = get_global_id(1);
    long n = get_global_id(2);
    if (p >= P) return;
    y[(n * Cout + o) * P + p] = bias[o];
}

/* Depthwise (groups = C = Cout), direct: one work-item computes one output
   row y[n,c,i,0..Wo-1] (i = get_global_id(0), b*C + c = get_global_id(1)),
   reading each input row it needs once per tap. The row is first set to
   the bias, then every tap (row-major (ky,kx) order) adds w[c,t] times its
   samples in a j loop the compiler vectorises, with the tap fixed, as the
   column gathers do; the row stays in cache between taps. */
inline global float *gc_dw_row(global float *y, int n0, int bc, int i, int C, int Ho, int Wo,
                               global const float *bias, int has_bias)
{
    global float *out = y + (((long)n0 * C + bc) * Ho + i) * Wo;
    float b0 = has_bias ? bias[bc % C] : 0.0f;
    for (int j = 0; j < Wo; j++) out[j] = b0;
    return out;
}

kernel void gconv_dw_fixed(global const float *x, global const float *w,
                           global const float *bias, int has_bias, global float *y, int n0,
                           GC_GEOM)
{
    int i = get_global_id(0), bc = get_global_id(1);
    if (i >= Ho) return;
    global float *out = gc_dw_row(y, n0, bc, i, C, Ho, Wo, bias, has_bias);
    global const float *plane = x + ((long)n0 * C + bc) * (long)H * W;
    global const float *wc = w + (long)(bc % C) * kh * kw;
    for (int ky = 0; ky < kh; ky++) {
        int yy = i * sh + ky * dh - ph;
        if (yy < 0 || yy >= H) continue; /* the zero halo adds nothing */
        global const float *row = plane + (long)yy * W;
        for (int kx = 0; kx < kw; kx++) {
            float wt = wc[ky * kw + kx];
            int ox = kx * dw - pw;
            int jlo = ox >= 0 ? 0 : (-ox + sw - 1) / sw;
            int jhi = ox >= W ? 0 : (W - ox - 1) / sw + 1;
            jhi = min(jhi, Wo);
            for (int j = jlo; j < jhi; j++) out[j] += wt * row[j * sw + ox];
        }
    }
}

/* Separable: the tap table of gconv_sep_taps gives each row tap's two
   input rows and each column tap's two columns, as in gconv_im2col_sep. */
kernel void gconv_dw_sep(global const float *x, global const int4 *tab, global const float *w,
                         global const float *bias, int has_bias, global float *y, int n0,
                         GC_GEOM)
{
    int i = get_global_id(0), bc = get_global_id(1);
    if (i >= Ho) return;
    global float *out = gc_dw_row(y, n0, bc, i, C, Ho, Wo, bias, has_bias);
    int b = bc / C;
    global const int4 *rt = tab + (long)b * (Ho * kh + Wo * kw);
    global const float *plane = x + ((long)n0 * C + bc) * (long)H * W;
    global const float *wc = w + (long)(bc % C) * kh * kw;
    for (int ky = 0; ky < kh; ky++) {
        int4 r = rt[i * kh + ky];
        bool h0 = r.s0 >= 0, h1 = r.s1 >= 0;
        global const float *row0 = plane + (long)(h0 ? r.s0 : 0) * W;
        global const float *row1 = plane + (long)(h1 ? r.s1 : 0) * W;
        float fy = as_float(r.s2);
        for (int kx = 0; kx < kw; kx++) {
            float wt = wc[ky * kw + kx];
            global const int4 *ct = rt + Ho * kh + kx;
            for (int j = 0; j < Wo; j++) {
                int4 q = ct[j * kw];
                bool c0 = q.s0 >= 0, c1 = q.s1 >= 0;
                int x0 = c0 ? q.s0 : 0, x1 = c1 ? q.s1 : 0;
                float4 nb = (float4)(h0 && c0 ? row0[x0] : 0.0f, h0 && c1 ? row0[x1] : 0.0f,
                                     h1 && c0 ? row1[x0] : 0.0f, h1 && c1 ? row1[x1] : 0.0f);
                out[j] += wt * bl_blend(nb, fy, as_float(q.s2));
            }
        }
    }
}

/* Full grid: the shared bilinear read at each tap of the row. */
kernel void gconv_dw_grid(global const float *x, global const float *grid,
                          global const float *w, global const float *bias, int has_bias,
                          global float *y, int n0, GC_GEOM)
{
    int i = get_global_id(0), bc = get_global_id(1);
    if (i >= Ho) return;
    global float *out = gc_dw_row(y, n0, bc, i, C, Ho, Wo, bias, has_bias);
    long n = (long)n0 + bc / C;
    global const float *plane = x + ((long)n0 * C + bc) * (long)H * W;
    global const float *g = grid + (n * Ho + i) * Wo * 2;
    global const float *wc = w + (long)(bc % C) * kh * kw;
    for (int t = 0; t < kh * kw; t++) {
        float wt = wc[t];
        float oy = (float)((t / kw) * dh - ph), ox = (float)((t % kw) * dw - pw);
        for (int j = 0; j < Wo; j++)
            out[j] += wt * bl_value(plane, H, W, g[2 * j] + oy, g[2 * j + 1] + ox);
    }
}

/* ------------------------------------------------------------- backward */

/* Ints of the separable index of one image: for rows, H+1 offsets then
   2 ints (column offset ky*kw*P + i*Wo, weight bits) per entry, at most
   2*Ho*kh entries; then the same for columns (offset kx*P + j). An entry
   of each axis added give the gcol element, so the gather divides
   nothing. */
inline long gc_index_size(int H, int W, int Ho, int Wo, int kh, int kw)
{
    return (long)H + 1 + 4L * Ho * kh + W + 1 + 4L * Wo * kw;
}

/* One work-item builds one axis (get_global_id(1): 0 rows, 1 columns) of
   the separable index of image b = get_global_id(0): a counting sort of
   the (output l, tap k, neighbour a) reads by the input line they touch,
   in (l, k, a) order, so gathers over it run in a fixed order. */
kernel void gconv_sep_index(global const float *pa, global const float *pb, global int *idx,
                            int n0, GC_GEOM)
{
    int b = get_global_id(0), axis = get_global_id(1);
    long n = (long)n0 + b;
    global int *start = idx + b * gc_index_size(H, W, Ho, Wo, kh, kw);
    int lines = H, L = Ho, k = kh, dil = dh, pad = ph;
    global const float *pos = pa + n * Ho;
    if (axis) {
        start += H + 1 + 4L * Ho * kh;
        lines = W, L = Wo, k = kw, dil = dw, pad = pw;
        pos = pb + n * Wo;
    }
    global int *ent = start + lines + 1;
    for (int t = 0; t <= lines; t++) start[t] = 0;
    for (int l = 0; l < L; l++)
        for (int kk = 0; kk < k; kk++) {
            int i0;
            float f;
            if (!bl_axis(pos[l] + (float)(kk * dil - pad), lines, &i0, &f)) continue;
            for (int a = 0; a < 2; a++)
                if (i0 + a >= 0 && i0 + a < lines) start[i0 + a]++;
        }
    int total = 0;
    for (int t = 0; t < lines; t++) { /* exclusive prefix sum: start[t] = first slot */
        int cnt = start[t];
        start[t] = total;
        total += cnt;
    }
    for (int l = 0; l < L; l++)
        for (int kk = 0; kk < k; kk++) {
            int i0;
            float f;
            if (!bl_axis(pos[l] + (float)(kk * dil - pad), lines, &i0, &f)) continue;
            for (int a = 0; a < 2; a++) {
                int t = i0 + a;
                if (t < 0 || t >= lines) continue;
                int e = start[t]++;
                ent[2 * e] = axis ? kk * Ho * Wo + l : kk * kw * Ho * Wo + l * Wo;
                ent[2 * e + 1] = as_int(bl_weight(f, a));
            }
        }
    /* Each start[t] now holds the end of line t: shift to the starts. */
    for (int t = lines; t > 0; t--) start[t] = start[t - 1];
    start[0] = 0;
}

/* One work-item gathers gx[n,c,y,x] (x = get_global_id(0), y = 1, b*C + c
   = 2) from the column gradient of separable positions: the rows touching
   y times the columns touching x, in the index's fixed order. */
kernel void gconv_col2im_sep(global const float *gcol, global const int *idx,
                             global float *gx, int n0, GC_GEOM)
{
    int xx = get_global_id(0), yy = get_global_id(1), bc = get_global_id(2);
    if (xx >= W) return;
    int b = bc / C;
    long P = (long)Ho * Wo;
    global const int *rows = idx + b * gc_index_size(H, W, Ho, Wo, kh, kw);
    global const int *cols = rows + H + 1 + 4L * Ho * kh;
    global const int *rent = rows + H + 1, *cent = cols + W + 1;
    global const float *g = gcol + (long)bc * kh * kw * P;
    float s = 0.0f;
    int f0 = cols[xx], f1 = cols[xx + 1];
    for (int e = rows[yy]; e < rows[yy + 1]; e++) {
        global const float *gr = g + rent[2 * e];
        float r = 0.0f;
        for (int f = f0; f < f1; f++) r += as_float(cent[2 * f + 1]) * gr[cent[2 * f]];
        s += as_float(rent[2 * e + 1]) * r;
    }
    gx[(((long)n0 * C + bc) * H + yy) * W + xx] = s;
}

/* One work-item gathers gx[n,c,y,x] (as above) for the fixed stride: the
   taps whose integer read lands on (y, x). */
kernel void gconv_col2im_fixed(global const float *gcol, global float *gx, int n0, GC_GEOM)
{
    int xx = get_global_id(0), yy = get_global_id(1), bc = get_global_id(2);
    if (xx >= W) return;
    long P = (long)Ho * Wo;
    global const float *g = gcol + (long)bc * kh * kw * P;
    float s = 0.0f;
    for (int ky = 0; ky < kh; ky++) {
        int ty = yy + ph - ky * dh;
        if (ty < 0 || ty % sh != 0 || ty / sh >= Ho) continue;
        for (int kx = 0; kx < kw; kx++) {
            int tx = xx + pw - kx * dw;
            if (tx < 0 || tx % sw != 0 || tx / sw >= Wo) continue;
            s += g[(ky * kw + kx) * P + (long)(ty / sh) * Wo + tx / sw];
        }
    }
    gx[(((long)n0 * C + bc) * H + yy) * W + xx] = s;
}

/* One work-item owns the plane gx[n,c] (b*C + c = get_global_id(0)) for a
   full grid: it clears it, then scatters every tap's gradient to its four
   neighbours serially in (ky, kx, i, j) order. Deterministic, no atomics. */
kernel void gconv_col2im_grid(global const float *gcol, global const float *pa,
                              global float *gx, int n0, GC_GEOM)
{
    int bc = get_global_id(0);
    long n = (long)n0 + bc / C;
    long P = (long)Ho * Wo;
    global float *plane = gx + ((long)n0 * C + bc) * H * W;
    global const float *g = gcol + (long)bc * kh * kw * P;
    for (long q = 0; q < (long)H * W; q++) plane[q] = 0.0f;
    for (int t = 0; t < kh * kw; t++)
        for (long p = 0; p < P; p++) {
            float2 pos = gc_tap(GC_GRID, pa, pa, n, p / Wo, p % Wo, Ho, Wo,
                                (t / kw) * dh - ph, (t % kw) * dw - pw);
            int y0, x0;
            float fy, fx;
            if (!bl_axis(pos.s0, H, &y0, &fy) || !bl_axis(pos.s1, W, &x0, &fx)) continue;
            float v = g[t * P + p];
            for (int a = 0; a < 2; a++)
                for (int c2 = 0; c2 < 2; c2++) {
                    int yy = y0 + a, xx = x0 + c2;
                    if (yy >= 0 && yy < H && xx >= 0 && xx < W)
                        plane[(long)yy * W + xx] += bl_weight(fy, a) * bl_weight(fx, c2) * v;
                }
        }
}

/* Separable position gradients, pass 1: one work-item takes one column
   row (image b, channel c, tap t: get_global_id(0) = (b*C + c)*kh*kw + t)
   of gcol and the input rows its taps read (through the tap table), and
   writes its share of gpy (Ho sums over j) and of gpx (Wo sums over i) to
   part[e*(Ho+Wo) ..]. The derivatives come from the same four neighbours
   as the forward blend, through bl_blend with one fraction 0: dX~/dy =
   blend of the column differences at fx, dX~/dx = of the row
   differences at fy (bl_value_grad's rule; a tap that reads 0 has all
   neighbours 0, so both vanish). */
kernel void gconv_grad_sep_part(global const float *x, global const float *gcol,
                                global const int4 *tab, global float *part, int nb, int n0,
                                GC_GEOM)
{
    long e = get_global_id(0);
    int taps = kh * kw;
    if (e >= (long)nb * C * taps) return;
    int bc = (int)(e / taps), t = (int)(e - (long)bc * taps), b = bc / C;
    int ky = t / kw, kx = t - ky * kw;
    global const int4 *rt = tab + (long)b * (Ho * kh + Wo * kw);
    global const int4 *ct = rt + Ho * kh + kx;
    global const float *plane = x + ((long)n0 * C + bc) * (long)H * W;
    global const float *g = gcol + e * ((long)Ho * Wo);
    global float *gpy = part + e * (Ho + Wo), *gpx = gpy + Ho;
    for (int j = 0; j < Wo; j++) gpx[j] = 0.0f;
    for (int i = 0; i < Ho; i++) {
        int4 r = rt[i * kh + ky];
        bool h0 = r.s0 >= 0, h1 = r.s1 >= 0;
        global const float *row0 = plane + (long)(h0 ? r.s0 : 0) * W;
        global const float *row1 = plane + (long)(h1 ? r.s1 : 0) * W;
        float fy = as_float(r.s2), s = 0.0f;
        global const float *gi = g + (long)i * Wo;
        for (int j = 0; j < Wo; j++) {
            int4 q = ct[j * kw];
            bool c0 = q.s0 >= 0, c1 = q.s1 >= 0;
            int x0 = c0 ? q.s0 : 0, x1 = c1 ? q.s1 : 0;
            float4 v = (float4)(h0 && c0 ? row0[x0] : 0.0f, h0 && c1 ? row0[x1] : 0.0f,
                                h1 && c0 ? row1[x0] : 0.0f, h1 && c1 ? row1[x1] : 0.0f);
            float dy = bl_blend((float4)(v.s2 - v.s0, v.s3 - v.s1, 0.0f, 0.0f), 0.0f,
                                as_float(q.s2));
            float dx = bl_blend((float4)(v.s1 - v.s0, 0.0f, v.s3 - v.s2, 0.0f), fy, 0.0f);
            s += gi[j] * dy;
            gpx[j] += gi[j] * dx;
        }
        gpy[i] = s;
    }
}

/* Pass 2: one work-item sums one position gradient over the chunk's
   (channel, tap) shares in order: l = get_global_id(0) < Ho gives
   gpy[n,l] (when want & 1), the rest gpx[n,l-Ho] (when want & 2);
   b = get_global_id(1). */
kernel void gconv_grad_sep_sum(global const float *part, global float *gpy, global float *gpx,
                               int want, int n0, GC_GEOM)
{
    int l = get_global_id(0), b = get_global_id(1);
    if (l >= Ho + Wo) return;
    bool is_y = l < Ho;
    if (!(want & (is_y ? 1 : 2))) return;
    long E = (long)C * kh * kw, stride = Ho + Wo;
    global const float *p = part + (long)b * E * stride + l;
    float s = 0.0f;
    for (long e = 0; e < E; e++) s += p[e * stride];
    long n = (long)n0 + b;
    if (is_y)
        gpy[n * Ho + l] = s;
    else
        gpx[n * Wo + l - Ho] = s;
}

/* One work-item sums the grid gradient of output p = get_global_id(0) of
   image b = get_global_id(1): both ggrid[n,i,j,0] (y) and [1] (x). */
kernel void gconv_grad_grid(global const float *x, global const float *gcol,
                            global const float *pa, global float *ggrid, int n0, GC_GEOM)
{
    int p = get_global_id(0), b = get_global_id(1);
    long P = (long)Ho * Wo;
    if (p >= P) return;
    long n = (long)n0 + b;
    float sy = 0.0f, sx = 0.0f;
    for (int c = 0; c < C; c++) {
        global const float *plane = x + (n * C + c) * (long)H * W;
        global const float *g = gcol + ((long)b * C + c) * kh * kw * P;
        for (int t = 0; t < kh * kw; t++) {
            float2 pos = gc_tap(GC_GRID, pa, pa, n, p / Wo, p % Wo, Ho, Wo,
                                (t / kw) * dh - ph, (t % kw) * dw - pw);
            float dy, dx;
            bl_value_grad(plane, H, W, pos.s0, pos.s1, &dy, &dx);
            sy += g[t * P + p] * dy;
            sx += g[t * P + p] * dx;
        }
    }
    ggrid[(n * P + p) * 2] = sy;
    ggrid[(n * P + p) * 2 + 1] = sx;
}

/* One work-item sums gb[o] (o = get_global_id(0)) over images and pixels
   in order. */
kernel void gconv_grad_bias(global const float *gy, global float *gb, int N, int Cout, int P)
{
    int o = get_global_id(0);
    if (o >= Cout) return;
    float s = 0.0f;
    for (long n = 0; n < N; n++)
        for (long p = 0; p < P; p++) s += gy[(n * Cout + o) * P + p];
    gb[o] = s;
}

/* Depthwise: one work-item writes one column-gradient entry
   gcol[b,c,t,p] = w[c,t] * gy[n,c,p] (p = get_global_id(0), t = 1,
   b*C + c = 2), the product the GEMM forms for dense groups. */
kernel void gconv_depthwise_gcol(global const float *w, global const float *gy,
                                 global float *gcol, int n0, int C, int P, int taps)
{
    int p = get_global_id(0), t = get_global_id(1), bc = get_global_id(2);
    if (p >= P) return;
    int c = bc % C;
    gcol[((long)bc * taps + t) * P + p] =
        w[(long)c * taps + t] * gy[((long)n0 * C + bc) * P + p];
}

/* Depthwise: one work-item sums gw[c,t] (t = get_global_id(0), c = 1)
   over the chunk's images and pixels in order, adding to the earlier
   chunks' sum unless first. */
kernel void gconv_depthwise_gw(global const float *gy, global const float *col, global float *gw,
                               int first, int n0, int nb, int C, int P, int taps)
{
    int t = get_global_id(0), c = get_global_id(1);
    if (t >= taps) return;
    long at = (long)c * taps + t;
    float s = first ? 0.0f : gw[at];
    for (long b = 0; b < nb; b++) {
        global const float *g = gy + ((n0 + b) * C + c) * P;
        global const float *v = col + ((b * C + c) * taps + t) * P;
        for (long p = 0; p < P; p++) s += g[p] * v[p];
    }
    gw[at] = s;
}
