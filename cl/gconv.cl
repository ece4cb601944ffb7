/* Gather-convolution (docs/design.md 1.4): the column gather (im2col) for the
   fixed, separable and full-grid sampling kinds, the tap tables and the
   bias. The GEMM between columns and weights is ads_gemm; the direct
   depthwise kernels are in cl/gconv_depthwise.cl.

   Column layout, for a chunk of images b = 0..nb-1 (image n = n0 + b):
     col[((b*C + c)*kh + ky)*kw + kx][i*Wo + j]
   so the rows of group g are the contiguous block c in [g*C/G, (g+1)*C/G);
   the forward gather may write each (image, group) block in the GEMM's
   packed column tiles instead, and the weight gradient's gather the
   chunk's images side by side in every row (gc_col_seg). The gx and
   position-gradient kernels read the column gradient in the plain
   layout.

   Separable and full-grid positions first become tap tables (the two
   neighbours and the fraction of every tap, once per image, shared by
   all channels: gconv_sep_taps, gconv_grid_taps), so the gathers do no
   floor or range test per element. gx is gathered by one work-item per
   input row (for the fixed stride on GPUs, per input element), in a
   fixed order (no atomics).

   Every kernel takes the same geometry arguments (GC_GEOM) so the host
   sets them with one helper. kind: 0 fixed stride (integer reads, no
   interpolation), 1 separable (pa = py: N x Ho, pb = px: N x Wo),
   2 full grid (pa = grid: N x Ho x Wo x 2, pb unused). */
#include "gconv.clh"

/* The column kernels below come in two shapes, chosen per device class
   when the program is built (ads_gconv_item_pixel):
   - row shape (default; CPUs): one work-item per output row of one column
     row: output row i = get_global_id(0), tap t = ky*kw + kx =
     get_global_id(1), (image b, channel c) from get_global_id(2) = b*C + c.
     The work-item writes the Wo entries of output row i of column row
     (b, c, ky, kx) (contiguous, or in two or so pieces when packed; see
     gc_col_seg) in a loop the compiler vectorises, with the row's tap
     fixed, so the index divisions happen once per row (measured on PoCL:
     3-4x faster than one work-item per entry or per 8 entries).
   - pixel shape (-DGC_ITEM_PIXEL; GPUs): one work-item per column entry,
     output pixel p = i*Wo + j = get_global_id(0), t and b*C + c as above,
     so neighbouring work-items write neighbouring addresses and read
     neighbouring (stride sw) input columns: coalesced on a GPU, where a
     row per work-item puts a whole row between neighbours' addresses.
   Both run the same loop over the span [jb, je) of row i that
   gc_item_span hands the work-item, so their results are identical. */

/* The work-item's output row *i and columns [*jb, *je) (see above);
   false when it lies past the output (the grid is rounded up). */
static inline bool gc_item_span(int Ho, int Wo, int *i, int *jb, int *je)
{
#ifdef GC_ITEM_PIXEL
    long p = get_global_id(0);
    if (p >= (long)Ho * Wo) return false;
    *i = (int)(p / Wo);
    *jb = (int)(p - (long)*i * Wo);
    *je = *jb + 1;
#else
    *i = get_global_id(0);
    *jb = 0;
    *je = Wo;
#endif
    return *i < Ho;
}

/* Where the columns go. Plain (tn == 0): row r = b*C*kh*kw + c*kh*kw + t
   at col[r*P + p]. Packed for the GEMM (tn > 0, the GEMM's column tile,
   ads_gemm's b_packed layout): each (image, group) block of Kg = (C/G)*kh*kw
   rows is stored as column tiles of tn, tile q holding rows k = 0..Kg-1
   of tn floats at ((q*Kg + k)*tn), the block Kg*Ppad floats long (Ppad =
   P rounded up to tn; the padding columns are never stored by the GEMM,
   so they are left unwritten). gc_col_seg gives the address of output
   pixel p = i*Wo + j0 of column row (bc, t) and the number of pixels
   from there on that lie contiguously (to the end of the output row or
   of the column tile). Side by side (tn < 0, for the weight gradient's
   one product per chunk): the chunk's nb = -tn images share every row
   c*kh*kw + t, image b's pixels at columns b*P .. b*P + P-1 of rows
   nb*P floats long. */
static inline global float *gc_col_seg(global float *col, int bc, int t, int i, int j0, int C,
                                int Ho, int Wo, int taps, int G, int tn, int *len)
{
    long P = (long)Ho * Wo, p = (long)i * Wo + j0, r = (long)bc * taps + t;
    if (tn == 0) {
        *len = Wo - j0;
        return col + r * P + p;
    }
    if (tn < 0) {
        int b = bc / C, c = bc - b * C;
        *len = Wo - j0;
        return col + ((long)c * taps + t) * (-tn) * P + b * P + p;
    }
    int c = bc % C, Cg = C / G, k = (c % Cg) * taps + t, Kg = Cg * taps;
    long Ppad = (P + tn - 1) / tn * tn, q = p / tn;
    int off = (int)(p - q * tn);
    *len = min(Wo - j0, tn - off);
    return col + (r - k) * Ppad + (q * Kg + k) * tn + off;
}

/* Fixed stride: integer reads of one input row, no interpolation. The
   loads are unconditional, from clamped in-row addresses, and the zero
   halo is selected, so the loop has no branches. */
kernel void gconv_im2col_fixed(global const float *x, global float *col, int n0, int G,
                               int tn, GC_GEOM)
{
    int i, jb, je, t = get_global_id(1), bc = get_global_id(2);
    if (!gc_item_span(Ho, Wo, &i, &jb, &je)) return;
    int b = bc / C, c = bc - b * C, ky = t / kw, kx = t - ky * kw;
    int yy = i * sh + ky * dh - ph, ox = kx * dw - pw;
    bool inside = yy >= 0 && yy < H;
    global const float *row = x + ((((long)n0 + b) * C + c) * H + (inside ? yy : 0)) * W;
    for (int j0 = jb, len; j0 < je; j0 += len) {
        global float *out = gc_col_seg(col, bc, t, i, j0, C, Ho, Wo, kh * kw, G, tn, &len);
        len = min(len, je - j0);
        for (int j = 0; j < len; j++) {
            int xx = (j0 + j) * sw + ox;
            float v = row[clamp(xx, 0, W - 1)];
            out[j] = inside && xx >= 0 && xx < W ? v : 0.0f;
        }
    }
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
                             int n0, int G, int tn, GC_GEOM)
{
    int i, jb, je, t = get_global_id(1), bc = get_global_id(2);
    if (!gc_item_span(Ho, Wo, &i, &jb, &je)) return;
    int b = bc / C, c = bc - b * C, ky = t / kw, kx = t - ky * kw;
    global const int4 *rt = tab + (long)b * (Ho * kh + Wo * kw);
    global const int4 *ct = rt + Ho * kh + kx;
    int4 r = rt[i * kh + ky];
    global const float *plane = x + (((long)n0 + b) * C + c) * (long)H * W;
    bool h0 = r.s0 >= 0, h1 = r.s1 >= 0;
    global const float *row0 = plane + (long)(h0 ? r.s0 : 0) * W;
    global const float *row1 = plane + (long)(h1 ? r.s1 : 0) * W;
    float fy = as_float(r.s2);
    for (int j0 = jb, len; j0 < je; j0 += len) {
        global float *out = gc_col_seg(col, bc, t, i, j0, C, Ho, Wo, kh * kw, G, tn, &len);
        len = min(len, je - j0);
        for (int j = 0; j < len; j++) {
            int4 q = ct[(j0 + j) * kw];
            float4 nb = gc_sep_corners(row0, row1, h0, h1, q);
            out[j] = bl_blend(nb, fy, as_float(q.s2));
        }
    }
}

/* One work-item turns tap t = get_global_id(1) of output p =
   get_global_id(0) of image b = get_global_id(2) of a full grid into its
   table entry tab[(b*kh*kw + t)*P + p] = (y0, x0, fy bits, fx bits), with
   y0 = x0 = -2 where the tap reads 0, so every neighbour falls outside
   the plane. The table is shared by all channels of the image: the
   floors and range tests happen once per (tap, output), not per channel. */
kernel void gconv_grid_taps(global const float *grid, global int4 *tab, int n0, GC_GEOM)
{
    int p = get_global_id(0), t = get_global_id(1), b = get_global_id(2);
    long P = (long)Ho * Wo;
    if (p >= P) return;
    long q = (((long)n0 + b) * P + p) * 2;
    float y = grid[q] + (float)((t / kw) * dh - ph), x = grid[q + 1] + (float)((t % kw) * dw - pw);
    int y0 = 0, x0 = 0;
    float fy = 0.0f, fx = 0.0f;
    int4 out = (int4)(-2, -2, 0, 0);
    if (bl_axis(y, H, &y0, &fy) && bl_axis(x, W, &x0, &fx))
        out = (int4)(y0, x0, as_int(fy), as_int(fx));
    tab[((long)b * kh * kw + t) * P + p] = out;
}

/* Full grid: each entry reads its tap from the grid table. */
kernel void gconv_im2col_grid(global const float *x, global const int4 *tab,
                              global float *col, int n0, int G, int tn, GC_GEOM)
{
    int i, jb, je, t = get_global_id(1), bc = get_global_id(2);
    if (!gc_item_span(Ho, Wo, &i, &jb, &je)) return;
    int b = bc / C;
    long P = (long)Ho * Wo;
    global const float *plane = x + ((long)n0 * C + bc) * (long)H * W;
    global const int4 *te = tab + ((long)b * kh * kw + t) * P + (long)i * Wo;
    for (int j0 = jb, len; j0 < je; j0 += len) {
        global float *out = gc_col_seg(col, bc, t, i, j0, C, Ho, Wo, kh * kw, G, tn, &len);
        len = min(len, je - j0);
        for (int j = 0; j < len; j++) out[j] = gc_grid_value(plane, H, W, te[j0 + j]);
    }
}

/* One work-item sets the row y[n,o,:] = b[o] (o = get_global_id(0),
   n = get_global_id(1)), before a GEMM accumulates into y. A row per
   work-item, not a pixel: on PoCL a launch of one small group per few
   pixels cost 7x more than the copy itself. */
kernel void gconv_bias_fill(global const float *bias, global float *y, int Cout, int P)
{
    int o = get_global_id(0);
    long n = get_global_id(1);
    if (o >= Cout) return;
    global float *row = y + (n * Cout + o) * P;
    float b = bias[o];
    for (int p = 0; p < P; p++) row[p] = b;
}
