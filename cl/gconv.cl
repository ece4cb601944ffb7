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
   - row shape (default; CPUs): one work-item per tap t = ky*kw + kx =
     get_global_id(1) of a block of up to GC_CB channels of one image and
     group (gc_item_channels: get_global_id(2) numbers the blocks), in
     work-groups of the kh*kw taps of one block, which read the same
     input planes. The work-item walks its column rows' output rows in
     order and writes them through one cursor (gc_cursor: contiguous, or
     in pieces at the packed column tiles' ends; the block's rows lie a
     fixed stride apart), so no index is divided per row or per entry,
     and what the channels share (the row's halo, a tap table entry and
     its clamped addresses) is worked out once for the block. Measured
     on PoCL (res forward, fixed stride): a work-item per output row of
     one channel took 7.8 ms, most of it the work-item's fixed cost and
     the divisions that placed each row; the whole column row 4.5 ms.
   - pixel shape (-DGC_ITEM_PIXEL; GPUs): one work-item per column entry,
     output pixel p = i*Wo + j = get_global_id(0), t and b*C + c as above,
     so neighbouring work-items write neighbouring addresses and read
     neighbouring (stride sw) input columns: coalesced on a GPU, where a
     row per work-item puts a whole row between neighbours' addresses.
   Both run the same loop over each span [jb, je) of row i that
   gc_item_rows hands the work-item, so their results are identical. */

#ifndef GC_CB
#define GC_CB 1
#endif

/* The work-item's channels (see above): image b's channel c0 as
   *bc = b*C + c0, and *nl channels from it, all in one group. */
static inline void gc_item_channels(int C, int G, int *bc, int *nl)
{
#ifdef GC_ITEM_PIXEL
    *bc = get_global_id(2);
    *nl = 1;
#else
    int Cg = C / G, per_group = (Cg + GC_CB - 1) / GC_CB;
    int e = get_global_id(2), b = e / (G * per_group), r = e - b * G * per_group;
    int g = r / per_group, k = r - g * per_group;
    *bc = b * C + g * Cg + k * GC_CB;
    *nl = min(GC_CB, Cg - k * GC_CB);
#endif
}

/* The work-item's output rows [*i, *iend) and columns [*jb, *je) of
   each (see above); false when it lies past the output (the pixel
   shape's range is rounded up). */
static inline bool gc_item_rows(int Ho, int Wo, int *i, int *iend, int *jb, int *je)
{
#ifdef GC_ITEM_PIXEL
    long p = get_global_id(0);
    if (p >= (long)Ho * Wo) return false;
    *i = (int)(p / Wo);
    *iend = *i + 1;
    *jb = (int)(p - (long)*i * Wo);
    *je = *jb + 1;
#else
    *i = 0;
    *iend = Ho;
    *jb = 0;
    *je = Wo;
#endif
    return true;
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

/* Where a work-item writes its entries of column row (bc, t), span by
   span in the order of gc_item_rows. Row shape: a cursor walking the
   column row from pixel 0: `at` is the next pixel's address, `left` the
   pixels that follow it contiguously (to the end of a packed column
   tile), after which the next tile's row lies `jump` floats on (the
   plain and side-by-side layouts are contiguous: no end). Pixel shape:
   gc_col_seg's address of the work-item's one pixel. */
typedef struct {
    global float *at;
    int left, tn;
    long jump;
} gc_cursor;

static inline gc_cursor gc_col_cursor(global float *col, int bc, int t, int C, int Ho, int Wo,
                                      int taps, int G, int tn)
{
    gc_cursor k = {col, 0, 0, 0};
#ifndef GC_ITEM_PIXEL
    int unused;
    k.at = gc_col_seg(col, bc, t, 0, 0, C, Ho, Wo, taps, G, tn, &unused);
    k.tn = k.left = tn > 0 ? tn : INT_MAX;
    k.jump = tn > 0 ? (long)(C / G * taps - 1) * tn : 0;
#endif
    return k;
}

/* How far apart the column rows of channels c and c + 1 of one group
   lie (tap and pixel the same): in the layouts of gc_col_seg, taps
   rows of P, of the chunk's -tn images side by side, or of one tile. */
static inline long gc_channel_pitch(int taps, long P, int tn)
{
    return tn > 0 ? (long)taps * tn : (long)taps * (tn < 0 ? -tn : 1) * P;
}

/* Row shape: the address of the cursor's next pixel and in *len how
   many of the next `want` follow it contiguously; the cursor moves past
   them. */
static inline global float *gc_cursor_run(gc_cursor *k, int want, int *len)
{
    global float *out = k->at;
    *len = min(k->left, want);
    k->at += *len;
    k->left -= *len;
    if (k->left == 0) {
        k->at += k->jump;
        k->left = k->tn;
    }
    return out;
}

/* The address of pixel (i, j0) and in *len how many of [j0, je) follow
   it contiguously; the cursor moves past them. */
static inline global float *gc_cursor_take(gc_cursor *k, int bc, int t, int i, int j0, int je,
                                           int C, int Ho, int Wo, int taps, int G, int tn,
                                           int *len)
{
#ifdef GC_ITEM_PIXEL
    global float *out = gc_col_seg(k->at, bc, t, i, j0, C, Ho, Wo, taps, G, tn, len);
    *len = min(*len, je - j0);
    return out;
#else
    return gc_cursor_run(k, je - j0, len);
#endif
}

/* Fixed stride: integer reads of one input row, no interpolation. Each
   span is written in three runs: the zero halo before, the entries
   inside the row (a strided copy, with the common strides 1 and 2
   spelled out so the compiler vectorises them as shuffles, not
   gathers), the zero halo after; the runs' bounds serve every channel. */
kernel void gconv_im2col_fixed(global const float *x, global float *col, int n0, int G,
                               int tn, GC_GEOM)
{
    int i, iend, jb, je, bc, nl, t = get_global_id(1), taps = kh * kw;
    if (!gc_item_rows(Ho, Wo, &i, &iend, &jb, &je)) return;
    gc_item_channels(C, G, &bc, &nl);
    int b = bc / C, c = bc - b * C, ky = t / kw, kx = t - ky * kw, ox = kx * dw - pw;
    long HW = (long)H * W, cp = gc_channel_pitch(taps, (long)Ho * Wo, tn);
    global const float *plane = x + (((long)n0 + b) * C + c) * HW;
    gc_cursor cur = gc_col_cursor(col, bc, t, C, Ho, Wo, taps, G, tn);
    for (; i < iend; i++) {
        int yy = i * sh + ky * dh - ph;
        bool inside = yy >= 0 && yy < H;
        global const float *row = plane + (long)(inside ? yy : 0) * W;
        for (int j0 = jb, len; j0 < je; j0 += len) {
            global float *first =
                gc_cursor_take(&cur, bc, t, i, j0, je, C, Ho, Wo, taps, G, tn, &len);
            /* [lo, hi): the entries that read inside the row */
            int lo = 0, hi = inside ? len : 0;
            while (lo < hi && (j0 + lo) * sw + ox < 0) lo++;
            while (hi > lo && (j0 + hi - 1) * sw + ox >= W) hi--;
            for (int l = 0; l < nl; l++) {
                global float *out = first + l * cp;
                global const float *src = row + l * HW + j0 * sw + ox;
                for (int j = 0; j < lo; j++) out[j] = 0.0f;
                if (sw == 1)
                    for (int j = lo; j < hi; j++) out[j] = src[j];
                else if (sw == 2)
                    for (int j = lo; j < hi; j++) out[j] = src[2 * j];
                else
                    for (int j = lo; j < hi; j++) out[j] = src[j * sw];
                for (int j = hi; j < len; j++) out[j] = 0.0f;
            }
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
   output row; each entry reads its column tap from the table once for
   the block, then each channel's four neighbours and the shared blend.
   (On CPUs gconv_im2col_sep_rows takes its place where its local rows
   fit.) */
kernel void gconv_im2col_sep(global const float *x, global const int4 *tab, global float *col,
                             int n0, int G, int tn, GC_GEOM)
{
    int i, iend, jb, je, bc, nl, t = get_global_id(1), taps = kh * kw;
    if (!gc_item_rows(Ho, Wo, &i, &iend, &jb, &je)) return;
    gc_item_channels(C, G, &bc, &nl);
    int b = bc / C, c = bc - b * C, ky = t / kw, kx = t - ky * kw;
    global const int4 *rt = tab + (long)b * (Ho * kh + Wo * kw);
    global const int4 *ct = rt + Ho * kh + kx;
    long HW = (long)H * W, cp = gc_channel_pitch(taps, (long)Ho * Wo, tn);
    global const float *plane = x + (((long)n0 + b) * C + c) * HW;
    gc_cursor cur = gc_col_cursor(col, bc, t, C, Ho, Wo, taps, G, tn);
    for (; i < iend; i++) {
        int4 r = rt[i * kh + ky];
        bool h0 = r.s0 >= 0, h1 = r.s1 >= 0;
        global const float *row0 = plane + (long)(h0 ? r.s0 : 0) * W;
        global const float *row1 = plane + (long)(h1 ? r.s1 : 0) * W;
        float fy = as_float(r.s2);
        for (int j0 = jb, len; j0 < je; j0 += len) {
            global float *out = gc_cursor_take(&cur, bc, t, i, j0, je, C, Ho, Wo, taps, G, tn, &len);
            for (int j = 0; j < len; j++) {
                int4 q = ct[(j0 + j) * kw];
                for (int l = 0; l < nl; l++) {
                    float4 nb = gc_sep_corners(row0 + l * HW, row1 + l * HW, h0, h1, q);
                    out[l * cp + j] = gc_sep_mix(gc_sep_mix(nb.s0, nb.s2, fy),
                                                 gc_sep_mix(nb.s1, nb.s3, fy), as_float(q.s2));
                }
            }
        }
    }
}

#ifndef GC_ITEM_PIXEL
/* Separable positions on CPUs (row shape): the work-item of tap (ky, kx)
   and a block of channels (as gconv_im2col_sep) keeps in local memory
   its column taps for kx (fx and the index a of the first neighbour in
   R below, the second being a + 1: Wp = Wo rounded up to 16 each) and
   one blended input row R with a zero at each end and one more past the
   right one (R[x + 1] is column x; W + 3 floats;
   ads_gconv_local_rows_bytes): per output row and channel, R = the two
   tap rows' values mixed at fy (a vector pass over the row), then each
   entry mixes R at a and a + 1: four reads per entry (a, fx and the two
   values) and no branch; a tap whose neighbours are both absent reads
   the two zeros past the row. The same arithmetic as gc_sep_mix's,
   in the same order. */
kernel void gconv_im2col_sep_rows(global const float *x, global const int4 *tab,
                                  global float *col, int n0, int G, int tn, GC_GEOM,
                                  local float *scratch)
{
    int i, iend, jb, je, bc, nl, t = get_global_id(1), taps = kh * kw;
    if (!gc_item_rows(Ho, Wo, &i, &iend, &jb, &je)) return;
    gc_item_channels(C, G, &bc, &nl);
    int b = bc / C, c = bc - b * C, ky = t / kw, kx = t - ky * kw, Wp = (Wo + 15) / 16 * 16;
    local float *R = scratch + get_local_id(1) * (W + 3 + 2 * Wp), *cf = R + W + 3;
    local int *ca = (local int *)(cf + Wp);
    global const int4 *rt = tab + (long)b * (Ho * kh + Wo * kw);
    global const int4 *ct = rt + Ho * kh + kx;
    for (int j = 0; j < Wo; j++) {
        int4 q = ct[j * kw];
        /* The table's second neighbour is the first plus one where both
           are present; the zero ends stand for an absent one. */
        ca[j] = gc_sep_padded_column(q, W);
        cf[j] = as_float(q.s2);
    }
    R[0] = R[W + 1] = R[W + 2] = 0.0f;
    long HW = (long)H * W, cp = gc_channel_pitch(taps, (long)Ho * Wo, tn);
    global const float *plane = x + (((long)n0 + b) * C + c) * HW;
    gc_cursor cur = gc_col_cursor(col, bc, t, C, Ho, Wo, taps, G, tn);
    for (; i < iend; i++) {
        int4 r = rt[i * kh + ky];
        bool h0 = r.s0 >= 0, h1 = r.s1 >= 0;
        float fy = as_float(r.s2);
        gc_cursor row_start = cur;
        for (int l = 0; l < nl; l++) {
            global const float *row0 = plane + l * HW + (long)(h0 ? r.s0 : 0) * W;
            global const float *row1 = plane + l * HW + (long)(h1 ? r.s1 : 0) * W;
            for (int xx = 0; xx < W; xx++)
                R[xx + 1] = gc_sep_mix(h0 ? row0[xx] : 0.0f, h1 ? row1[xx] : 0.0f, fy);
            cur = row_start;
            for (int j0 = jb, len; j0 < je; j0 += len) {
                global float *out =
                    gc_cursor_take(&cur, bc, t, i, j0, je, C, Ho, Wo, taps, G, tn, &len) + l * cp;
                local const int *a = ca + j0;
                local const float *f = cf + j0;
                for (int j = 0; j < len; j++)
                    out[j] = fma(f[j], R[a[j] + 1], (1.0f - f[j]) * R[a[j]]);
            }
        }
    }
}
#endif

/* The grid table entry of tap t of output p of image n0 + b:
   (y0, x0, fy bits, fx bits), or y0 = x0 = -2 where the tap reads 0, so
   every neighbour falls outside the plane. */
static inline int4 gc_grid_tap(global const float *grid, int n0, int b, int t, long p, int H,
                               int W, int Ho, int Wo, int kw, int ph, int pw, int dh, int dw)
{
    long q = (((long)n0 + b) * Ho * Wo + p) * 2;
    float y = grid[q] + (float)((t / kw) * dh - ph), x = grid[q + 1] + (float)((t % kw) * dw - pw);
    int y0 = 0, x0 = 0;
    float fy = 0.0f, fx = 0.0f;
    if (bl_axis(y, H, &y0, &fy) && bl_axis(x, W, &x0, &fx))
        return (int4)(y0, x0, as_int(fy), as_int(fx));
    return (int4)(-2, -2, 0, 0);
}

/* One work-item turns tap t = get_global_id(1) of output p =
   get_global_id(0) of image b = get_global_id(2) of a full grid into its
   table entry tab[(b*kh*kw + t)*P + p] (gc_grid_tap). The table is
   shared by all channels of the image: the floors and range tests
   happen once per (tap, output), not per channel. (CPUs take
   gconv_grid_taps16.) */
kernel void gconv_grid_taps(global const float *grid, global int4 *tab, int n0, GC_GEOM)
{
    int p = get_global_id(0), t = get_global_id(1), b = get_global_id(2);
    long P = (long)Ho * Wo;
    if (p >= P) return;
    tab[((long)b * kh * kw + t) * P + p] =
        gc_grid_tap(grid, n0, b, t, p, H, W, Ho, Wo, kw, ph, pw, dh, dw);
}

#ifndef GC_ITEM_PIXEL
/* CPUs: gconv_grid_taps for the 16 outputs from p0 = 16 *
   get_global_id(0), one per vector lane: bl_axis's tests and floors in
   vectors (the same operations, so the same entries), where one
   work-item per entry ran scalar and branching on PoCL. The last,
   partial block of an image goes entry by entry. */
kernel void gconv_grid_taps16(global const float *grid, global int4 *tab, int n0, GC_GEOM)
{
    long p0 = (long)get_global_id(0) * 16, P = (long)Ho * Wo;
    int t = get_global_id(1), b = get_global_id(2);
    if (p0 >= P) return;
    global int4 *out = tab + ((long)b * kh * kw + t) * P + p0;
    if (p0 + 16 > P) {
        for (long p = p0; p < P; p++)
            out[p - p0] = gc_grid_tap(grid, n0, b, t, p, H, W, Ho, Wo, kw, ph, pw, dh, dw);
        return;
    }
    global const float *g = grid + (((long)n0 + b) * P + p0) * 2;
    float16 lo = vload16(0, g), hi = vload16(1, g);
    float16 y = (float16)(lo.even, hi.even) + (float)((t / kw) * dh - ph);
    float16 x = (float16)(lo.odd, hi.odd) + (float)((t % kw) * dw - pw);
    int16 inside = y > -1.0f && y < (float)H && x > -1.0f && x < (float)W;
    float16 fly = floor(y), flx = floor(x);
    int16 none = (int16)(0), y0 = select((int16)(-2), convert_int16_sat(fly), inside);
    int16 x0 = select((int16)(-2), convert_int16_sat(flx), inside);
    int16 fy = select(none, as_int16(y - fly), inside), fx = select(none, as_int16(x - flx), inside);
    int ys[16], xs[16], fys[16], fxs[16]; /* to the table's (y0, x0, fy, fx) entries */
    vstore16(y0, 0, ys);
    vstore16(x0, 0, xs);
    vstore16(fy, 0, fys);
    vstore16(fx, 0, fxs);
    for (int k = 0; k < 16; k++) out[k] = (int4)(ys[k], xs[k], fys[k], fxs[k]);
}
#endif

/* Full grid: each entry reads its tap from the grid table, once for the
   block's channels. */
kernel void gconv_im2col_grid(global const float *x, global const int4 *tab,
                              global float *col, int n0, int G, int tn, GC_GEOM)
{
    int i, iend, jb, je, bc, nl, t = get_global_id(1), taps = kh * kw;
    if (!gc_item_rows(Ho, Wo, &i, &iend, &jb, &je)) return;
    gc_item_channels(C, G, &bc, &nl);
    int b = bc / C;
    long P = (long)Ho * Wo, HW = (long)H * W, cp = gc_channel_pitch(taps, P, tn);
    global const float *plane = x + ((long)n0 * C + bc) * HW;
    gc_cursor cur = gc_col_cursor(col, bc, t, C, Ho, Wo, taps, G, tn);
    for (; i < iend; i++) {
        global const int4 *te = tab + ((long)b * kh * kw + t) * P + (long)i * Wo;
        for (int j0 = jb, len; j0 < je; j0 += len) {
            global float *out = gc_cursor_take(&cur, bc, t, i, j0, je, C, Ho, Wo, taps, G, tn, &len);
            for (int j = 0; j < len; j++) {
                int4 q = te[j0 + j];
                for (int l = 0; l < nl; l++) out[l * cp + j] = gc_grid_value(plane + l * HW, H, W, q);
            }
        }
    }
}

#ifndef GC_ITEM_PIXEL
/* Pixels per pass of gconv_im2col_grid_rows (ads_gconv_local_rows_bytes). */
#define GC_GRID_CHUNK 64

/* gc_grid_value of the 16 decoded entries k.. k+15 (see below), in
   vectors: bl_blend's expression, absent neighbours selected to 0. */
static inline float16 gc_grid_values16(global const float *p, int k, local const int *oa,
                                       local const int *ob, local const int *oc,
                                       local const int *od, local const int *mask,
                                       local const float *fy, local const float *fx)
{
    const int16 m = vload16(0, mask + k), zero = (int16)(0);
    const float16 none = (float16)(0.0f);
    float16 a = select(none, gc_gather16(p, vload16(0, oa + k)), (m & (int16)(1)) != zero);
    float16 b = select(none, gc_gather16(p, vload16(0, ob + k)), (m & (int16)(2)) != zero);
    float16 c = select(none, gc_gather16(p, vload16(0, oc + k)), (m & (int16)(4)) != zero);
    float16 d = select(none, gc_gather16(p, vload16(0, od + k)), (m & (int16)(8)) != zero);
    float16 y = vload16(0, fy + k), x = vload16(0, fx + k);
    return (1.0f - y) * ((1.0f - x) * a + x * b) + y * ((1.0f - x) * c + x * d);
}

/* Full grid on CPUs (row shape): the work-item of tap t and a block of
   channels (as gconv_im2col_grid) takes its column rows GC_GRID_CHUNK
   pixels at a time: it decodes the chunk's table entries once into
   local memory (the four neighbours' clamped plane offsets, the mask of
   the present ones, fy and fx), then writes every channel's entries
   from them 16 at a time (gc_grid_values16: four gathers and the blend
   in vectors, no table reads, clamps or branches; a run's tail one by
   one). Chunks run across output rows (the table and the row shape's
   column rows are contiguous in the pixel), so a narrow output still
   gives full vectors. The same neighbours and blend as gc_grid_value.
   Small grid forward on PoCL: 2.1 -> 1.3 ms for this gather. */
kernel void gconv_im2col_grid_rows(global const float *restrict x,
                                   global const int4 *restrict tab, global float *restrict col,
                                   int n0, int G, int tn, GC_GEOM, local int *restrict scratch)
{
    int bc, nl, t = get_global_id(1), taps = kh * kw;
    gc_item_channels(C, G, &bc, &nl);
    int b = bc / C;
    local int *oa = scratch + get_local_id(1) * 7 * GC_GRID_CHUNK, *ob = oa + GC_GRID_CHUNK,
              *oc = ob + GC_GRID_CHUNK, *od = oc + GC_GRID_CHUNK, *mask = od + GC_GRID_CHUNK;
    local float *fy = (local float *)(mask + GC_GRID_CHUNK), *fx = fy + GC_GRID_CHUNK;
    long P = (long)Ho * Wo, HW = (long)H * W, cp = gc_channel_pitch(taps, P, tn);
    global const float *plane = x + ((long)n0 * C + bc) * HW;
    global const int4 *te = tab + ((long)b * taps + t) * P;
    gc_cursor cur = gc_col_cursor(col, bc, t, C, Ho, Wo, taps, G, tn);
    for (long p0 = 0; p0 < P; p0 += GC_GRID_CHUNK) {
        int n = (int)min((long)GC_GRID_CHUNK, P - p0);
        for (int k = 0; k < n; k++) {
            int4 q = te[p0 + k], off;
            mask[k] = gc_grid_offsets(q, H, W, &off);
            oa[k] = off.s0;
            ob[k] = off.s1;
            oc[k] = off.s2;
            od[k] = off.s3;
            fy[k] = as_float(q.s2);
            fx[k] = as_float(q.s3);
        }
        gc_cursor chunk_start = cur;
        for (int l = 0; l < nl; l++) {
            global const float *pl = plane + l * HW;
            cur = chunk_start;
            for (int k0 = 0, len; k0 < n; k0 += len) {
                global float *out = gc_cursor_run(&cur, n - k0, &len) + l * cp;
                int j = 0;
                for (; j + 16 <= len; j += 16) vstore16(gc_grid_values16(pl, k0 + j, oa, ob, oc, od, mask, fy, fx), 0, out + j);
                for (; j < len; j++) {
                    int k = k0 + j, m = mask[k];
                    float4 v = (float4)((m & 1) ? pl[oa[k]] : 0.0f, (m & 2) ? pl[ob[k]] : 0.0f,
                                        (m & 4) ? pl[oc[k]] : 0.0f, (m & 8) ? pl[od[k]] : 0.0f);
                    out[j] = bl_blend(v, fy[k], fx[k]);
                }
            }
        }
    }
}
#endif

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
