/* Depthwise gather-convolution (groups = C = Cout), direct: no columns.
   Built per kernel size (-DKH=.. -DKW=..), so the tap loops unroll and
   the weights, row pointers and accumulators stay in registers. Geometry
   arguments and tap tables as in cl/gconv.cl; kh == KH and kw == KW
   always (the host builds the matching variant).

   The fixed and separable forward kernels and the weight-gradient
   kernels give one work-item one output row (i = get_global_id(0),
   b*C + c = get_global_id(1), n = n0 + b) and walk it in blocks of 8
   columns held in a float8: each tap's 8 samples are gathered by scalar
   loads from clamped addresses (absent neighbours weighted 0) and the
   arithmetic runs on the vector. Measured on PoCL (N=8, C=128, 56x56,
   3x3 stride 2): fixed 1.3-1.6x and separable 1.2x faster than a row
   loop adding one tap at a time into the output, and 4-6x faster than a
   loop-free kernel with one work-item per pixel, which PoCL did not
   vectorise.

   Separable positions on CPUs take the plane shape instead
   ("gconv.dw_plane" 1, its own section below): a work-item per plane,
   the bilinear reads split into a pass along rows and one along columns.

   GPUs get the pixel shape instead ("gconv.item_pixel" 1, the section
   at the end of this file): one work-item per output (forward) or input
   (gx) element, neighbouring work-items on neighbouring addresses, and
   the weight gradient as one work-group per (image, channel) plane that
   reduces its shares in local memory. */
#include "gconv.clh"

#ifndef KH
#define KH 3
#endif
#ifndef KW
#define KW 3
#endif
#define TAPS (KH * KW)
#define BLOCK 8

/* ------------------------------------------------------------ samples */

/* Fixed stride: the samples of tap column offset ox (= kx*dw - pw) for
   outputs j0..j0+7 of one input row (in_y: the row lies inside the
   plane; row is a valid row either way). */
static inline float8 dw_fixed8(global const float *row, bool in_y, int j0, int ox, int sw, int W)
{
    int x0 = j0 * sw + ox;
    if (sw == 1 && x0 >= 0 && x0 + BLOCK <= W) return in_y ? vload8(0, row + x0) : 0.0f;
    /* Stride 2 inside the row: one 16-wide load, every other lane. */
    if (sw == 2 && x0 >= 0 && x0 + 2 * BLOCK <= W) return in_y ? vload16(0, row + x0).even : 0.0f;
    float v[BLOCK];
    for (int k = 0; k < BLOCK; k++) {
        int xx = x0 + k * sw;
        float s = row[clamp(xx, 0, W - 1)];
        v[k] = in_y && xx >= 0 && xx < W ? s : 0.0f;
    }
    return vload8(0, v);
}

/* row[idx[k]] on the lanes where present (a negative idx is an absent
   neighbour: it reads the clamped column 0 and is selected away, so a
   non-finite pixel there never reaches the sum). */
static inline float8 dw_gather8(global const float *row, const int *idx)
{
    float v[BLOCK];
    for (int k = 0; k < BLOCK; k++) {
        float s = row[max(idx[k], 0)];
        v[k] = idx[k] >= 0 ? s : 0.0f;
    }
    return vload8(0, v);
}

/* Separable: one row tap (rows r0/r1, present when h0/h1, and fy) and
   one block's column taps (columns xa/xb, negative when absent, and fx),
   blended as bl_blend does. */
static inline float8 dw_sep8(global const float *r0, global const float *r1, bool h0, bool h1,
                      float fy, const int *xa, const int *xb, float8 fx)
{
    float8 top = (1.0f - fx) * dw_gather8(r0, xa) + fx * dw_gather8(r0, xb);
    float8 bot = (1.0f - fx) * dw_gather8(r1, xa) + fx * dw_gather8(r1, xb);
    return (1.0f - fy) * (h0 ? top : 0.0f) + fy * (h1 ? bot : 0.0f);
}

/* Full grid: the samples of one tap for outputs j0..j0+7 of the row
   whose table entries start at te (the last column repeated past Wo). */
static inline float8 dw_grid8(global const float *plane, global const int4 *te, int j0, int Wo, int H,
                       int W)
{
    float v[BLOCK];
    for (int k = 0; k < BLOCK; k++) v[k] = gc_grid_value(plane, H, W, te[min(j0 + k, Wo - 1)]);
    return vload8(0, v);
}

/* --------------------------------------------------------- row set-up */

/* The KH input rows of output row i (fixed stride). */
static inline void dw_fixed_rows(global const float *plane, int i, int sh, int dh, int ph, int H,
                          int W, global const float **rows, bool *in_y)
{
    for (int ky = 0; ky < KH; ky++) {
        int yy = i * sh + ky * dh - ph;
        in_y[ky] = yy >= 0 && yy < H;
        rows[ky] = plane + (long)clamp(yy, 0, H - 1) * W;
    }
}

/* The KH row taps of output row i from the separable table rt: the two
   rows (a valid row where absent), whether each is present, fy. */
typedef struct {
    global const float *r0[KH], *r1[KH];
    bool h0[KH], h1[KH];
    float fy[KH];
} dw_row_taps;

static inline void dw_sep_rows(global const float *plane, global const int4 *rt, int i, int W,
                        dw_row_taps *rows)
{
    for (int ky = 0; ky < KH; ky++) {
        int4 r = rt[i * KH + ky];
        rows->h0[ky] = r.s0 >= 0;
        rows->h1[ky] = r.s1 >= 0;
        rows->r0[ky] = plane + (long)max(r.s0, 0) * W;
        rows->r1[ky] = plane + (long)max(r.s1, 0) * W;
        rows->fy[ky] = as_float(r.s2);
    }
}

/* Column tap kx of outputs j0..j0+7 from the separable column table ct:
   the two columns (-1 where absent) and fx. */
static inline void dw_sep_cols(global const int4 *ct, int j0, int kx, int Wo, int *xa, int *xb,
                        float8 *fx)
{
    float f[BLOCK];
    for (int k = 0; k < BLOCK; k++) {
        int4 q = ct[min(j0 + k, Wo - 1) * KW + kx];
        xa[k] = q.s0;
        xb[k] = q.s1;
        f[k] = as_float(q.s2);
    }
    *fx = vload8(0, f);
}

/* The separable samples of tap (ky, kx) for the block whose column taps
   kx are xa, xb, fx. */
static inline float8 dw_sep_tap8(const dw_row_taps *rows, int ky, const int *xa, const int *xb,
                          float8 fx)
{
    return dw_sep8(rows->r0[ky], rows->r1[ky], rows->h0[ky], rows->h1[ky], rows->fy[ky], xa,
                   xb, fx);
}

/* ------------------------------------------------------------ forward */

/* Stores the first min(8, Wo - j0) lanes of a block. */
static inline void dw_store8(float8 acc, global float *out, int j0, int Wo)
{
    if (j0 + BLOCK <= Wo) {
        vstore8(acc, 0, out + j0);
        return;
    }
    float v[BLOCK];
    vstore8(acc, 0, v);
    for (int k = 0; j0 + k < Wo; k++) out[j0 + k] = v[k];
}

/* Channel c's weights into wt, and its bias (0 without one). */
static inline float dw_weights(global const float *w, global const float *bias, int has_bias, int c,
                        float *wt)
{
    for (int t = 0; t < TAPS; t++) wt[t] = w[c * TAPS + t];
    return has_bias ? bias[c] : 0.0f;
}

/* Forward: y[n,c,i,:] = bias + sum over taps (row-major) of w[c,t] times
   the tap's samples. */
kernel void gconv_dw_fixed(global const float *x, global const float *w,
                           global const float *bias, int has_bias, global float *y, int n0,
                           GC_GEOM)
{
    int i = get_global_id(0), bc = get_global_id(1);
    if (i >= Ho) return;
    float wt[TAPS];
    float b0 = dw_weights(w, bias, has_bias, bc % C, wt);
    global const float *rows[KH];
    bool in_y[KH];
    dw_fixed_rows(x + ((long)n0 * C + bc) * (long)H * W, i, sh, dh, ph, H, W, rows, in_y);
    global float *out = y + (((long)n0 * C + bc) * Ho + i) * Wo;
    for (int j0 = 0; j0 < Wo; j0 += BLOCK) {
        float8 acc = b0;
        for (int ky = 0; ky < KH; ky++)
            for (int kx = 0; kx < KW; kx++)
                acc += wt[ky * KW + kx] * dw_fixed8(rows[ky], in_y[ky], j0, kx * dw - pw, sw, W);
        dw_store8(acc, out, j0, Wo);
    }
}

/* Separable positions, through gconv_sep_taps' table: the row taps once
   per work-item, each block's column taps once per kx (shared by the KH
   row taps). Same sum as above, in (kx, ky) order. */
kernel void gconv_dw_sep(global const float *x, global const int4 *tab, global const float *w,
                         global const float *bias, int has_bias, global float *y, int n0,
                         GC_GEOM)
{
    int i = get_global_id(0), bc = get_global_id(1);
    if (i >= Ho) return;
    int b = bc / C;
    float wt[TAPS];
    float b0 = dw_weights(w, bias, has_bias, bc - b * C, wt);
    global const int4 *rt = tab + (long)b * (Ho * KH + Wo * KW), *ct = rt + Ho * KH;
    dw_row_taps rows;
    dw_sep_rows(x + ((long)n0 * C + bc) * (long)H * W, rt, i, W, &rows);
    global float *out = y + (((long)n0 * C + bc) * Ho + i) * Wo;
    for (int j0 = 0; j0 < Wo; j0 += BLOCK) {
        float8 acc = b0;
        for (int kx = 0; kx < KW; kx++) {
            int xa[BLOCK], xb[BLOCK];
            float8 fx;
            dw_sep_cols(ct, j0, kx, Wo, xa, xb, &fx);
            for (int ky = 0; ky < KH; ky++)
                acc += wt[ky * KW + kx] * dw_sep_tap8(&rows, ky, xa, xb, fx);
        }
        dw_store8(acc, out, j0, Wo);
    }
}

/* Full grid: each tap's samples from gconv_grid_taps' table, added into
   the output row one tap at a time in a j loop the compiler vectorises
   (with gather loads): for the grid that beat the float8 blocks on PoCL
   (62 ms against 92 ms on the shape above). */
kernel void gconv_dw_grid(global const float *x, global const int4 *tab, global const float *w,
                          global const float *bias, int has_bias, global float *y, int n0,
                          GC_GEOM)
{
    int i = get_global_id(0), bc = get_global_id(1);
    if (i >= Ho) return;
    int b = bc / C;
    float wt[TAPS];
    float b0 = dw_weights(w, bias, has_bias, bc - b * C, wt);
    long P = (long)Ho * Wo;
    global const int4 *te = tab + (long)b * TAPS * P + (long)i * Wo;
    global const float *plane = x + ((long)n0 * C + bc) * (long)H * W;
    global float *out = y + (((long)n0 * C + bc) * Ho + i) * Wo;
    for (int j = 0; j < Wo; j++) out[j] = b0;
    for (int t = 0; t < TAPS; t++) {
        global const int4 *tt = te + t * P;
        for (int j = 0; j < Wo; j++) out[j] += wt[t] * gc_grid_value(plane, H, W, tt[j]);
    }
}

/* ---------------------------------------------------- weight gradient */

/* gy[n,c,i,j0..j0+7], lanes past Wo 0. */
static inline float8 dw_grad8(global const float *g, int j0, int Wo)
{
    if (j0 + BLOCK <= Wo) return vload8(0, g + j0);
    float v[BLOCK];
    for (int k = 0; k < BLOCK; k++) v[k] = j0 + k < Wo ? g[min(j0 + k, Wo - 1)] : 0.0f;
    return vload8(0, v);
}

/* Lanes past Wo hold samples of real pixels that no output reads; they
   are selected away, not multiplied by a zero gradient, so an infinite
   pixel there cannot turn the sum into NaN. */
static inline float8 dw_live(float8 v, int j0, int Wo)
{
    int8 lane = (int8)(0, 1, 2, 3, 4, 5, 6, 7);
    return select((float8)0.0f, v, j0 + lane < (int8)Wo);
}

static inline float dw_hsum8(float8 v)
{
    float4 a = v.lo + v.hi;
    float2 b = a.lo + a.hi;
    return b.s0 + b.s1;
}

/* The work-item's shares part[(b*C + c)*Ho + i][t] of gw[c,t]: output
   row i's gradient times each tap's samples, summed over the row; share
   TAPS is the row's gradient sum, gb's share (gb fused into this pass,
   which reads gy anyway). */
#define SHARES (TAPS + 1)
static inline void dw_store_shares(global float *part, int bc, int i, int Ho, const float8 *acc,
                            float8 gsum)
{
    global float *out = part + ((long)bc * Ho + i) * SHARES;
    for (int t = 0; t < TAPS; t++) out[t] = dw_hsum8(acc[t]);
    out[TAPS] = dw_hsum8(gsum);
}

/* Weight (and bias) gradient, pass 1 (per sampling kind): one work-item
   per output row, as the forward, writes its row's share of every tap's
   gradient and of the bias gradient (dw_store_shares). Pass 2
   (gconv_dw_gw_sum) adds the shares in order. */
kernel void gconv_dw_gw_fixed(global const float *x, global const float *gy, global float *part,
                              int n0, GC_GEOM)
{
    int i = get_global_id(0), bc = get_global_id(1);
    if (i >= Ho) return;
    global const float *rows[KH];
    bool in_y[KH];
    dw_fixed_rows(x + ((long)n0 * C + bc) * (long)H * W, i, sh, dh, ph, H, W, rows, in_y);
    global const float *g = gy + (((long)n0 * C + bc) * Ho + i) * Wo;
    float8 acc[TAPS], gsum = 0.0f;
    for (int t = 0; t < TAPS; t++) acc[t] = 0.0f;
    for (int j0 = 0; j0 < Wo; j0 += BLOCK) {
        float8 g8 = dw_grad8(g, j0, Wo);
        gsum += g8;
        for (int ky = 0; ky < KH; ky++)
            for (int kx = 0; kx < KW; kx++)
                acc[ky * KW + kx] += g8 * dw_live(dw_fixed8(rows[ky], in_y[ky], j0,
                                                            kx * dw - pw, sw, W), j0, Wo);
    }
    dw_store_shares(part, bc, i, Ho, acc, gsum);
}

kernel void gconv_dw_gw_sep(global const float *x, global const int4 *tab, global const float *gy,
                            global float *part, int n0, GC_GEOM)
{
    int i = get_global_id(0), bc = get_global_id(1);
    if (i >= Ho) return;
    int b = bc / C;
    global const int4 *rt = tab + (long)b * (Ho * KH + Wo * KW), *ct = rt + Ho * KH;
    dw_row_taps rows;
    dw_sep_rows(x + ((long)n0 * C + bc) * (long)H * W, rt, i, W, &rows);
    global const float *g = gy + (((long)n0 * C + bc) * Ho + i) * Wo;
    float8 acc[TAPS], gsum = 0.0f;
    for (int t = 0; t < TAPS; t++) acc[t] = 0.0f;
    for (int j0 = 0; j0 < Wo; j0 += BLOCK) {
        float8 g8 = dw_grad8(g, j0, Wo);
        gsum += g8;
        for (int kx = 0; kx < KW; kx++) {
            int xa[BLOCK], xb[BLOCK];
            float8 fx;
            dw_sep_cols(ct, j0, kx, Wo, xa, xb, &fx);
            for (int ky = 0; ky < KH; ky++)
                acc[ky * KW + kx] += g8 * dw_live(dw_sep_tap8(&rows, ky, xa, xb, fx), j0, Wo);
        }
    }
    dw_store_shares(part, bc, i, Ho, acc, gsum);
}

kernel void gconv_dw_gw_grid(global const float *x, global const int4 *tab,
                             global const float *gy, global float *part, int n0, GC_GEOM)
{
    int i = get_global_id(0), bc = get_global_id(1);
    if (i >= Ho) return;
    int b = bc / C;
    long P = (long)Ho * Wo;
    global const int4 *te = tab + (long)b * TAPS * P + (long)i * Wo;
    global const float *plane = x + ((long)n0 * C + bc) * (long)H * W;
    global const float *g = gy + (((long)n0 * C + bc) * Ho + i) * Wo;
    float8 acc[TAPS], gsum = 0.0f;
    for (int t = 0; t < TAPS; t++) acc[t] = 0.0f;
    for (int j0 = 0; j0 < Wo; j0 += BLOCK) {
        float8 g8 = dw_grad8(g, j0, Wo);
        gsum += g8;
        for (int t = 0; t < TAPS; t++)
            acc[t] += g8 * dw_live(dw_grid8(plane, te + t * P, j0, Wo, H, W), j0, Wo);
    }
    dw_store_shares(part, bc, i, Ho, acc, gsum);
}

/* Pass 2: one work-item sums share t of channel c (t = get_global_id(0),
   c = get_global_id(1)) over the chunk's images and each plane's `rows`
   share rows (Ho from the row kernels, 1 from the pixel shape) in order,
   onto the earlier chunks' sum unless first: gw[c,t] for t < TAPS, gb[c]
   for t == TAPS when has_gb. */
kernel void gconv_dw_gw_sum(global const float *part, global float *gw, int first, int nb, int C,
                            int rows, global float *gb, int has_gb)
{
    int t = get_global_id(0), c = get_global_id(1);
    if (t > TAPS || (t == TAPS && !has_gb)) return;
    global float *out = t < TAPS ? gw + c * TAPS + t : gb + c;
    float s = first ? 0.0f : *out;
    for (int b = 0; b < nb; b++) {
        global const float *p = part + ((long)b * C + c) * rows * SHARES + t;
        for (int i = 0; i < rows; i++) s += p[i * SHARES];
    }
    *out = s;
}

/* ----------------------------------------------------- input gradient */

/* Fixed stride, gx without columns: one work-item owns the input row
   gx[n,c,yy,:] (yy = get_global_id(0), b*C + c = get_global_id(1)): it
   clears the row, then adds w[c,ky,kx] times gy's output row for each
   tap whose integer read lands on row yy, in tap order, over the output
   columns whose read lies inside the row. */
kernel void gconv_dw_gx_fixed(global const float *w, global const float *gy, global float *gx,
                              int n0, GC_GEOM)
{
    int yy = get_global_id(0), bc = get_global_id(1);
    if (yy >= H) return;
    global const float *wc = w + (bc % C) * TAPS;
    global const float *g = gy + ((long)n0 * C + bc) * (long)Ho * Wo;
    global float *row = gx + (((long)n0 * C + bc) * H + yy) * W;
    for (int xx = 0; xx < W; xx++) row[xx] = 0.0f;
    for (int ky = 0; ky < KH; ky++) {
        int ty = yy + ph - ky * dh;
        if (ty < 0 || ty % sh != 0 || ty / sh >= Ho) continue;
        global const float *gi = g + (long)(ty / sh) * Wo;
        for (int kx = 0; kx < KW; kx++) {
            float wt = wc[ky * KW + kx];
            int ox = kx * dw - pw;
            int jlo = ox >= 0 ? 0 : (-ox + sw - 1) / sw;
            int jhi = ox >= W ? 0 : (W - ox - 1) / sw + 1;
            jhi = min(jhi, Wo);
            for (int j = jlo; j < jhi; j++) row[j * sw + ox] += wt * gi[j];
        }
    }
}

/* ------------------------------------- plane shape (CPUs, separable) */

/* The separable kernels' plane shape ("gconv.dw_plane" 1, the CPU
   default): one work-item per (image, channel) plane, which walks the
   output rows. A separable bilinear read factors by axis, so each pass
   splits into a pass along rows, on whole input rows (contiguous vector
   arithmetic), and one along columns, the only gathers or scatters:
   - forward: the KH row taps of output row i blended with their weights
     into U_kx[x] = sum over ky of w[c,ky,kx]*((1-fy)*x[r0][x] +
     fy*x[r1][x]), a row per column tap kx; then y[i,j] = bias + sum over
     kx of (1-fx)*U_kx[xa] + fx*U_kx[xb]: 2*KW gathers per output, where
     the taps one at a time take 2*KH*KW;
   - backward: gy's row scattered at each column tap into V_kx (the
     transpose of that gather), whose dot products with the row taps'
     input rows give gw (and, differenced, gpy), whose weighted sums added
     into the row taps' rows give gx, and gy times U's column differences
     at the taps gives gpx. Every gradient of the plane in one launch, no
     atomics, the plane's gx written by its own work-item only.
   Absent neighbours (the zero halo) are selected away, never multiplied
   by 0. Local memory (a work-group of one work-item per plane, sized by
   ads_gconv_dw_plane_bytes): the column taps' first neighbours, second
   neighbours and fractions (KW*Wp each; Wp = Wo rounded up to BLOCK, the
   lanes past Wo repeating column Wo-1's taps), U (KW*W floats), and for
   the backward V (KW*W), the gpx row (Wp), a row for gx (W) and the
   sampled-column masks (KW*W ints: the dot products of V with input
   rows skip the columns no output reads, so that an Inf or NaN there
   stays out of gw and gpy as it does in the taps-one-at-a-time rule). */

static inline int dwp_width(int Wo) { return (Wo + BLOCK - 1) / BLOCK * BLOCK; }

/* The plane kernels' local arrays, carved out of one allocation. */
typedef struct {
    local int *ca, *cb; /* column tap (j, kx)'s neighbours at kx*Wp + j, -1 absent */
    local float *cf;    /* and its fraction fx                                    */
    local float *U, *V; /* KW rows of W floats each                               */
    local float *px;    /* the plane's gpx share, Wp floats                       */
    local float *Z;     /* a row of W floats (dwp_add_gx)                         */
    local int *M;       /* KW rows of W: -1 where some output reads the column    */
} dwp_scratch;

static inline dwp_scratch dwp_carve(local float *s, int W, int Wp)
{
    dwp_scratch a;
    a.cf = s;
    a.ca = (local int *)(s + KW * Wp);
    a.cb = a.ca + KW * Wp;
    a.U = (local float *)(a.cb + KW * Wp);
    a.V = a.U + KW * W;
    a.px = a.V + KW * W;
    a.Z = a.px + Wp;
    a.M = (local int *)(a.Z + W);
    return a;
}

/* The column taps of image b's table ct into the local arrays. */
static inline void dwp_column_taps(global const int4 *ct, int Wo, int Wp, dwp_scratch a)
{
    for (int kx = 0; kx < KW; kx++)
        for (int j = 0; j < Wp; j++) {
            int4 q = ct[min(j, Wo - 1) * KW + kx];
            a.ca[kx * Wp + j] = q.s0;
            a.cb[kx * Wp + j] = q.s1;
            a.cf[kx * Wp + j] = as_float(q.s2);
        }
}

/* The row taps of output row i: the two rows (row 0 where absent),
   whether each is present, and the blend weights 1-fy and fy. */
typedef struct {
    int r0[KH], r1[KH];
    bool h0[KH], h1[KH];
    float wy0[KH], wy1[KH];
} dwp_rows;

static inline void dwp_row_taps(global const int4 *rt, int i, dwp_rows *rows)
{
    for (int ky = 0; ky < KH; ky++) {
        int4 r = rt[i * KH + ky];
        float fy = as_float(r.s2);
        rows->h0[ky] = r.s0 >= 0;
        rows->h1[ky] = r.s1 >= 0;
        rows->r0[ky] = max(r.s0, 0);
        rows->r1[ky] = max(r.s1, 0);
        rows->wy0[ky] = 1.0f - fy;
        rows->wy1[ky] = fy;
    }
}

/* U_kx (see above) of one output row, from its row taps. */
static inline void dwp_blend_rows(global const float *plane, const dwp_rows *rows,
                                  const float *wt, int W, local float *U)
{
    for (int e = 0; e < KW * W; e++) U[e] = 0.0f;
    for (int ky = 0; ky < KH; ky++) {
        global const float *x0 = plane + (long)rows->r0[ky] * W;
        global const float *x1 = plane + (long)rows->r1[ky] * W;
        bool h0 = rows->h0[ky], h1 = rows->h1[ky];
        float a0 = rows->wy0[ky], a1 = rows->wy1[ky];
        for (int kx = 0; kx < KW; kx++) {
            float wk = wt[ky * KW + kx];
            local float *u = U + kx * W;
            for (int xx = 0; xx < W; xx++)
                u[xx] += wk * ((h0 ? a0 * x0[xx] : 0.0f) + (h1 ? a1 * x1[xx] : 0.0f));
        }
    }
}

/* row[idx[k]] from local memory, absent (negative) lanes 0, as
   dw_gather8. */
static inline float8 dwp_gather8(local const float *row, local const int *idx)
{
    float v[BLOCK];
    for (int k = 0; k < BLOCK; k++) {
        float s = row[max(idx[k], 0)];
        v[k] = idx[k] >= 0 ? s : 0.0f;
    }
    return vload8(0, v);
}

/* Forward, plane shape: the work-item of plane b*C + c = get_global_id(0)
   (n = n0 + b) writes y[n,c,:,:] row by row through U (see above). */
kernel void gconv_dw_sep_plane(global const float *x, global const int4 *tab,
                               global const float *w, global const float *bias, int has_bias,
                               global float *y, int n0, GC_GEOM, local float *scratch)
{
    int bc = get_global_id(0), b = bc / C, Wp = dwp_width(Wo);
    float wt[TAPS];
    float b0 = dw_weights(w, bias, has_bias, bc - b * C, wt);
    global const int4 *rt = tab + (long)b * (Ho * KH + Wo * KW), *ct = rt + Ho * KH;
    dwp_scratch a = dwp_carve(scratch, W, Wp);
    dwp_column_taps(ct, Wo, Wp, a);
    global const float *plane = x + ((long)n0 * C + bc) * (long)H * W;
    global float *out = y + ((long)n0 * C + bc) * (long)Ho * Wo;
    for (int i = 0; i < Ho; i++, out += Wo) {
        dwp_rows rows;
        dwp_row_taps(rt, i, &rows);
        dwp_blend_rows(plane, &rows, wt, W, a.U);
        for (int j0 = 0; j0 < Wo; j0 += BLOCK) {
            float8 acc = b0;
            for (int kx = 0; kx < KW; kx++) {
                int at = kx * Wp + j0;
                float8 fx = vload8(0, a.cf + at);
                local const float *u = a.U + kx * W;
                acc += (1.0f - fx) * dwp_gather8(u, a.ca + at) + fx * dwp_gather8(u, a.cb + at);
            }
            dw_store8(acc, out, j0, Wo);
        }
    }
}

/* What gconv_dw_backward_plane computes (its `want`). */
#define DWP_GX 1  /* gx[n,c,:,:]                                        */
#define DWP_GW 2  /* part_w: the plane's share of gw[c,:] and gb[c]     */
#define DWP_POS 4 /* part_pos: the plane's share of gpy[n,:], gpx[n,:]  */

/* V_kx of output row g: gy scattered at the column taps, in j order. */
static inline void dwp_scatter_row(global const float *g, int W, int Wo, int Wp, dwp_scratch a)
{
    for (int e = 0; e < KW * W; e++) a.V[e] = 0.0f;
    for (int kx = 0; kx < KW; kx++) {
        local float *v = a.V + kx * W;
        local const int *ca = a.ca + kx * Wp, *cb = a.cb + kx * Wp;
        local const float *cf = a.cf + kx * Wp;
        for (int j = 0; j < Wo; j++) {
            if (ca[j] >= 0) v[ca[j]] += (1.0f - cf[j]) * g[j];
            if (cb[j] >= 0) v[cb[j]] += cf[j] * g[j];
        }
    }
}

/* The backward's masks M_kx: -1 at the columns some output's tap kx
   reads, 0 elsewhere (after dwp_column_taps). */
static inline void dwp_column_masks(int W, int Wo, int Wp, dwp_scratch a)
{
    for (int e = 0; e < KW * W; e++) a.M[e] = 0;
    for (int kx = 0; kx < KW; kx++) {
        local int *m = a.M + kx * W;
        local const int *ca = a.ca + kx * Wp, *cb = a.cb + kx * Wp;
        for (int j = 0; j < Wo; j++) {
            if (ca[j] >= 0) m[ca[j]] = -1;
            if (cb[j] >= 0) m[cb[j]] = -1;
        }
    }
}

/* sum over xx < W of v[xx]*x[xx], by 8 lanes then the tail. */
static inline float dwp_dot(local const float *v, global const float *x, int W)
{
    float8 s = 0.0f;
    int xx = 0;
    for (; xx + BLOCK <= W; xx += BLOCK) s += vload8(0, v + xx) * vload8(0, x + xx);
    float t = dw_hsum8(s);
    for (; xx < W; xx++) t += v[xx] * x[xx];
    return t;
}

/* As dwp_dot over the sampled columns only (m[xx] set): the others are
   selected away rather than multiplied by v's 0, so a non-finite pixel
   no output reads changes nothing. */
static inline float dwp_dot_sampled(local const float *v, local const int *m,
                                    global const float *x, int W)
{
    float8 s = 0.0f;
    int xx = 0;
    for (; xx + BLOCK <= W; xx += BLOCK)
        s += select((float8)0.0f, vload8(0, v + xx) * vload8(0, x + xx), vload8(0, m + xx));
    float t = dw_hsum8(s);
    for (; xx < W; xx++) t += m[xx] ? v[xx] * x[xx] : 0.0f;
    return t;
}

/* The dot products of output row i's V_kx with its row taps' input rows
   (0 for an absent row): d0 with the first rows, d1 the second. With
   every input finite they are dwp_dot's; where one is not finite the
   row's products are taken again over the sampled columns only (the
   masked pass on every row cost a tenth of the kernel's time). */
static inline void dwp_row_dots(global const float *plane, const dwp_rows *rows, int W,
                                dwp_scratch a, float *d0, float *d1)
{
    bool finite = true;
    for (int ky = 0; ky < KH; ky++)
        for (int kx = 0; kx < KW; kx++) {
            local const float *v = a.V + kx * W;
            int t = ky * KW + kx;
            d0[t] = rows->h0[ky] ? dwp_dot(v, plane + (long)rows->r0[ky] * W, W) : 0.0f;
            d1[t] = rows->h1[ky] ? dwp_dot(v, plane + (long)rows->r1[ky] * W, W) : 0.0f;
            finite = finite && isfinite(d0[t]) && isfinite(d1[t]);
        }
    if (finite) return;
    for (int ky = 0; ky < KH; ky++)
        for (int kx = 0; kx < KW; kx++) {
            local const float *v = a.V + kx * W;
            local const int *m = a.M + kx * W;
            int t = ky * KW + kx;
            global const float *x0 = plane + (long)rows->r0[ky] * W;
            global const float *x1 = plane + (long)rows->r1[ky] * W;
            d0[t] = rows->h0[ky] ? dwp_dot_sampled(v, m, x0, W) : 0.0f;
            d1[t] = rows->h1[ky] ? dwp_dot_sampled(v, m, x1, W) : 0.0f;
        }
}

/* y[xx] += a*z[xx] for xx < W, by 8 lanes then the tail. */
static inline void dwp_axpy(global float *y, float a, local const float *z, int W)
{
    int xx = 0;
    for (; xx + BLOCK <= W; xx += BLOCK)
        vstore8(vload8(0, y + xx) + a * vload8(0, z + xx), 0, y + xx);
    for (; xx < W; xx++) y[xx] += a * z[xx];
}

/* Adds the row taps' share of gx: rows r0 and r1 of each tap ky take
   (1-fy), resp. fy, times Z = sum over kx of w[c,ky,kx]*V_kx. */
static inline void dwp_add_gx(const dwp_rows *rows, const float *wt, int W, dwp_scratch a,
                              global float *gxp)
{
    for (int ky = 0; ky < KH; ky++) {
        for (int xx = 0; xx < W; xx++) a.Z[xx] = 0.0f;
        for (int kx = 0; kx < KW; kx++) {
            float wk = wt[ky * KW + kx];
            local const float *v = a.V + kx * W;
            for (int xx = 0; xx < W; xx++) a.Z[xx] += wk * v[xx];
        }
        if (rows->h0[ky]) dwp_axpy(gxp + (long)rows->r0[ky] * W, rows->wy0[ky], a.Z, W);
        if (rows->h1[ky]) dwp_axpy(gxp + (long)rows->r1[ky] * W, rows->wy1[ky], a.Z, W);
    }
}

/* Backward, plane shape: the work-item of plane b*C + c =
   get_global_id(0) writes what `want` asks for: gx of the plane; its
   shares part_w[(b*C + c)*SHARES + t] of gw[c,t] and (t = TAPS) of gb[c],
   which gconv_dw_gw_sum adds with one share row per plane; its shares
   part_pos[(b*C + c)*(Ho + Wo) + l] of gpy[n,l] (l < Ho) and gpx[n,l-Ho],
   which gconv_grad_sep_sum adds with C shares per image. The position
   derivatives are bl_value_grad's rule on the same neighbours: dX~/dy =
   the bottom row's column blend less the top one's, dX~/dx = the rows'
   column differences blended at fy. */
kernel void gconv_dw_backward_plane(global const float *x, global const int4 *tab,
                                    global const float *w, global const float *gy,
                                    global float *gx, global float *part_w,
                                    global float *part_pos, int want, int n0, GC_GEOM,
                                    local float *scratch)
{
    int bc = get_global_id(0), b = bc / C, Wp = dwp_width(Wo);
    bool want_gx = want & DWP_GX, want_gw = want & DWP_GW, want_pos = want & DWP_POS;
    float wt[TAPS];
    dw_weights(w, w, 0, bc - b * C, wt);
    global const int4 *rt = tab + (long)b * (Ho * KH + Wo * KW), *ct = rt + Ho * KH;
    dwp_scratch a = dwp_carve(scratch, W, Wp);
    dwp_column_taps(ct, Wo, Wp, a);
    dwp_column_masks(W, Wo, Wp, a);
    long at = ((long)n0 * C + bc) * (long)H * W;
    global const float *plane = x + at;
    global float *gxp = gx + at;
    if (want_gx)
        for (long e = 0; e < (long)H * W; e++) gxp[e] = 0.0f;
    if (want_pos)
        for (int j = 0; j < Wp; j++) a.px[j] = 0.0f;
    float acc[TAPS], gsum = 0.0f;
    for (int t = 0; t < TAPS; t++) acc[t] = 0.0f;
    global const float *g = gy + ((long)n0 * C + bc) * (long)Ho * Wo;
    global float *pos = part_pos + (long)bc * (Ho + Wo);
    for (int i = 0; i < Ho; i++, g += Wo) {
        dwp_rows rows;
        dwp_row_taps(rt, i, &rows);
        dwp_scatter_row(g, W, Wo, Wp, a);
        for (int j = 0; j < Wo; j++) gsum += g[j];
        if (want_gw || want_pos) {
            float dy = 0.0f, d0[TAPS], d1[TAPS];
            dwp_row_dots(plane, &rows, W, a, d0, d1);
            for (int ky = 0; ky < KH; ky++)
                for (int kx = 0; kx < KW; kx++) {
                    int t = ky * KW + kx;
                    acc[t] += rows.wy0[ky] * d0[t] + rows.wy1[ky] * d1[t];
                    dy += wt[t] * (d1[t] - d0[t]);
                }
            if (want_pos) pos[i] = dy;
        }
        if (want_gx) dwp_add_gx(&rows, wt, W, a, gxp);
        if (want_pos) {
            dwp_blend_rows(plane, &rows, wt, W, a.U);
            for (int j0 = 0; j0 < Wp; j0 += BLOCK) {
                float8 d = 0.0f;
                for (int kx = 0; kx < KW; kx++) {
                    local const float *u = a.U + kx * W;
                    int at = kx * Wp + j0;
                    d += dwp_gather8(u, a.cb + at) - dwp_gather8(u, a.ca + at);
                }
                vstore8(vload8(0, a.px + j0) + dw_grad8(g, j0, Wo) * d, 0, a.px + j0);
            }
        }
    }
    if (want_pos)
        for (int j = 0; j < Wo; j++) pos[Ho + j] = a.px[j];
    if (want_gw) {
        global float *out = part_w + (long)bc * SHARES;
        for (int t = 0; t < TAPS; t++) out[t] = acc[t];
        out[TAPS] = gsum;
    }
}

/* ------------------------------- channel-blocked shape (CPUs, grid) */

/* The full grid's kernels on CPUs ("gconv.dw_plane" 1, as the separable
   plane shape): the positions are shared by every channel of an image,
   so 16 channels go through each tap together. The chunk's x is first
   copied into channel blocks (gconv_dw_block_channels: xb[b][k][yy][xx]
   holds channels 16k .. 16k+15 of pixel (yy, xx) side by side, 0 past
   C), so a neighbour of a tap is one 16-wide load for 16 channels, and
   the table entry, its tests and the blend weights are worked out once
   for them, where the row kernels gather each channel's four
   neighbours by scalar loads. Absent neighbours (the same for the 16
   channels) are read from clamped addresses and selected away. */
#define CB 16

static inline int dwb_blocks(int C) { return (C + CB - 1) / CB; }

/* One work-item copies input row yy = get_global_id(0) of channel block
   k of image b (get_global_id(1) = b*nblk + k) into xb. */
kernel void gconv_dw_block_channels(global const float *x, global float *xb, int n0, GC_GEOM)
{
    int yy = get_global_id(0), bk = get_global_id(1);
    if (yy >= H) return;
    int nblk = dwb_blocks(C), b = bk / nblk, k = bk - b * nblk;
    global float *out = xb + ((long)bk * H + yy) * W * CB;
    global const float *row = x + ((((long)n0 + b) * C + k * CB) * H + yy) * W;
    long plane = (long)H * W;
    int lanes = min(CB, C - k * CB);
    /* 16 reads along 16 rows, one 16-wide store: the stores stay whole. */
    for (int xx = 0; xx < W; xx++) {
        float v[CB];
        for (int l = 0; l < CB; l++) v[l] = l < lanes ? row[min(l, lanes - 1) * plane + xx] : 0.0f;
        vstore16(vload16(0, v), xx, out);
    }
}

/* a[c*stride + t] of the block's 16 channels c = 16k + l (0 past C):
   a weight (stride TAPS) or the bias (stride 1, t = 0). */
static inline float16 dwb_lanes(global const float *a, int stride, int k, int C, int t)
{
    float v[CB];
    for (int l = 0; l < CB; l++) {
        int c = k * CB + l;
        v[l] = c < C ? a[min(c, C - 1) * stride + t] : 0.0f;
    }
    return vload16(0, v);
}

static inline float dwb_hsum16(float16 v) { return dw_hsum8(v.lo + v.hi); }

/* The four neighbours (bl_corners' order) of grid table entry q in a
   channel block, as gc_grid_corners reads them for one channel. */
static inline void dwb_corners(global const float *blk, int H, int W, int4 q, float16 *v)
{
    int y0 = q.s0, x0 = q.s1;
    bool h0 = y0 >= 0, h1 = y0 >= -1 && y0 < H - 1, c0 = x0 >= 0, c1 = x0 >= -1 && x0 < W - 1;
    long r0 = (long)max(y0, 0) * W, r1 = (long)clamp(y0 + 1, 0, H - 1) * W;
    int xa = max(x0, 0), xb = clamp(x0 + 1, 0, W - 1);
    float16 a = vload16(0, blk + (r0 + xa) * CB), b = vload16(0, blk + (r0 + xb) * CB);
    float16 c = vload16(0, blk + (r1 + xa) * CB), d = vload16(0, blk + (r1 + xb) * CB);
    v[0] = h0 && c0 ? a : 0.0f;
    v[1] = h0 && c1 ? b : 0.0f;
    v[2] = h1 && c0 ? c : 0.0f;
    v[3] = h1 && c1 ? d : 0.0f;
}

static inline float16 dwb_blend(const float16 *v, float fy, float fx)
{
    return (1.0f - fy) * ((1.0f - fx) * v[0] + fx * v[1]) + fy * ((1.0f - fx) * v[2] + fx * v[3]);
}

/* Forward, channel-blocked: one work-item computes output row i =
   get_global_id(0) of the 16 channels of block k of image b
   (get_global_id(1) = b*nblk + k): y = bias + the taps in order, as
   gconv_dw_grid. */
kernel void gconv_dw_grid_blocked(global const float *xb, global const int4 *tab,
                                  global const float *w, global const float *bias, int has_bias,
                                  global float *y, int n0, GC_GEOM)
{
    int i = get_global_id(0), bk = get_global_id(1);
    if (i >= Ho) return;
    int nblk = dwb_blocks(C), b = bk / nblk, k = bk - b * nblk;
    float16 wt[TAPS];
    for (int t = 0; t < TAPS; t++) wt[t] = dwb_lanes(w, TAPS, k, C, t);
    float16 b0 = has_bias ? dwb_lanes(bias, 1, k, C, 0) : 0.0f;
    long P = (long)Ho * Wo;
    global const int4 *te = tab + (long)b * TAPS * P + (long)i * Wo;
    global const float *blk = xb + (long)bk * H * W * CB;
    global float *out = y + (((long)n0 + b) * C + k * CB) * P + (long)i * Wo;
    int lanes = min(CB, C - k * CB);
    for (int j = 0; j < Wo; j++) {
        float16 acc = b0, v[4];
        for (int t = 0; t < TAPS; t++) {
            int4 q = te[t * P + j];
            dwb_corners(blk, H, W, q, v);
            acc += wt[t] * dwb_blend(v, as_float(q.s2), as_float(q.s3));
        }
        float a[CB];
        vstore16(acc, 0, a);
        for (int l = 0; l < lanes; l++) out[l * P + j] = a[l];
    }
}

/* Adds wg times the bilinear weight of each present neighbour of a
   valid tap (y0 in [-1, H-1], x0 in [-1, W-1]) into the block's gx. */
static inline void dwb_add(local float *gxb, long pixel, float16 v)
{
    local float *e = gxb + pixel * CB;
    vstore16(vload16(0, e) + v, 0, e);
}

static inline void dwb_scatter(local float *gxb, int H, int W, int y0, int x0, float fy, float fx,
                               float16 wg)
{
    float16 top = (1.0f - fy) * wg, bot = fy * wg;
    bool c0 = x0 >= 0, c1 = x0 < W - 1;
    if (y0 >= 0) {
        long r = (long)y0 * W;
        if (c0) dwb_add(gxb, r + x0, (1.0f - fx) * top);
        if (c1) dwb_add(gxb, r + x0 + 1, fx * top);
    }
    if (y0 < H - 1) {
        long r = (long)(y0 + 1) * W;
        if (c0) dwb_add(gxb, r + x0, (1.0f - fx) * bot);
        if (c1) dwb_add(gxb, r + x0 + 1, fx * bot);
    }
}

/* Backward, channel-blocked: the work-item of channel block k of image
   b (get_global_id(0) = b*nblk + k) walks the image's outputs and writes
   what `want` asks for (DWP_GX, DWP_GW, DWP_POS): gx of its 16 planes,
   summed in local memory (gxb: H*W*16 floats, the block's own, so no
   atomics) and stored at the end; its channels' shares
   part_w[(b*C + c)*SHARES + t] of gw and gb, which gconv_dw_gw_sum adds
   with one share row per plane; its share part_pos[((b*nblk + k)*P +
   p)*2 + a] of ggrid[n,p,a], which gconv_dw_grid_pos_sum adds over the
   blocks. The derivatives are bl_value_grad's rule, as gconv_grad_grid. */
kernel void gconv_dw_grid_blocked_backward(global const float *xb, global const int4 *tab,
                                           global const float *w, global const float *gy,
                                           global float *gx, global float *part_w,
                                           global float *part_pos, int want, int n0, GC_GEOM,
                                           local float *gxb)
{
    int bk = get_global_id(0), nblk = dwb_blocks(C), b = bk / nblk, k = bk - b * nblk;
    bool want_gx = want & DWP_GX, want_gw = want & DWP_GW, want_pos = want & DWP_POS;
    bool read_x = want_gw || want_pos;
    float16 wt[TAPS], acc[TAPS], gsum = 0.0f;
    for (int t = 0; t < TAPS; t++) {
        wt[t] = dwb_lanes(w, TAPS, k, C, t);
        acc[t] = 0.0f;
    }
    if (want_gx)
        for (long e = 0; e < (long)H * W * CB; e++) gxb[e] = 0.0f;
    long P = (long)Ho * Wo;
    int lanes = min(CB, C - k * CB);
    global const int4 *te = tab + (long)b * TAPS * P;
    global const float *blk = xb + (long)bk * H * W * CB;
    global const float *g = gy + (((long)n0 + b) * C + k * CB) * P;
    for (long p = 0; p < P; p++) {
        float gl[CB];
        for (int l = 0; l < CB; l++) gl[l] = l < lanes ? g[min(l, lanes - 1) * P + p] : 0.0f;
        float16 g16 = vload16(0, gl), dy = 0.0f, dx = 0.0f, v[4];
        gsum += g16;
        for (int t = 0; t < TAPS; t++) {
            int4 q = te[t * P + p];
            float fy = as_float(q.s2), fx = as_float(q.s3);
            float16 wg = wt[t] * g16;
            if (read_x) {
                dwb_corners(blk, H, W, q, v);
                acc[t] += g16 * dwb_blend(v, fy, fx);
                dy += wg * ((1.0f - fx) * (v[2] - v[0]) + fx * (v[3] - v[1]));
                dx += wg * ((1.0f - fy) * (v[1] - v[0]) + fy * (v[3] - v[2]));
            }
            if (want_gx && q.s0 >= -1) /* y0 = -2: the tap reads 0 */
                dwb_scatter(gxb, H, W, q.s0, q.s1, fy, fx, wg);
        }
        if (want_pos) {
            global float *pos = part_pos + ((long)bk * P + p) * 2;
            pos[0] = dwb_hsum16(dy);
            pos[1] = dwb_hsum16(dx);
        }
    }
    if (want_gw) {
        float a[CB];
        for (int t = 0; t <= TAPS; t++) {
            vstore16(t < TAPS ? acc[t] : gsum, 0, a);
            for (int l = 0; l < lanes; l++) part_w[((long)b * C + k * CB + l) * SHARES + t] = a[l];
        }
    }
    if (want_gx) {
        global float *out = gx + (((long)n0 + b) * C + k * CB) * (long)H * W;
        for (long e = 0; e < (long)H * W; e++)
            for (int l = 0; l < lanes; l++) out[l * (long)H * W + e] = gxb[e * CB + l];
    }
}

/* One work-item sums ggrid[n, p, :] (p = get_global_id(0), image b =
   get_global_id(1)) over the image's channel-block shares in order. */
kernel void gconv_dw_grid_pos_sum(global const float *part, global float *ggrid, int n0, GC_GEOM)
{
    long P = (long)Ho * Wo, p = get_global_id(0);
    int b = get_global_id(1), nblk = dwb_blocks(C);
    if (p >= P) return;
    float sy = 0.0f, sx = 0.0f;
    for (int k = 0; k < nblk; k++) {
        global const float *s = part + (((long)b * nblk + k) * P + p) * 2;
        sy += s[0];
        sx += s[1];
    }
    ggrid[(((long)n0 + b) * P + p) * 2] = sy;
    ggrid[(((long)n0 + b) * P + p) * 2 + 1] = sx;
}

/* ------------------------------------------------- pixel shape (GPUs) */

/* One kernel per pass for the three sampling kinds: `kind` is the same
   for every work-item of a launch, so the branch costs no divergence, and
   the tap loop is written once. */

/* Fixed stride: the sample of tap (ky, kx) of output (i, j), read from a
   clamped in-plane address and selected away outside (no branch; a
   non-finite pixel there never counts). */
static inline float dw_fixed_at(global const float *plane, int i, int j, int ky, int kx, int H,
                                int W, int sh, int sw, int ph, int pw, int dh, int dw)
{
    int yy = i * sh + ky * dh - ph, xx = j * sw + kx * dw - pw;
    float v = plane[(long)clamp(yy, 0, H - 1) * W + clamp(xx, 0, W - 1)];
    return yy >= 0 && yy < H && xx >= 0 && xx < W ? v : 0.0f;
}

/* Separable: from row tap r and column tap q of gconv_sep_taps' table. */
static inline float dw_sep_at(global const float *plane, int W, int4 r, int4 q)
{
    global const float *row0 = plane + (long)max(r.s0, 0) * W;
    global const float *row1 = plane + (long)max(r.s1, 0) * W;
    float4 v = gc_sep_corners(row0, row1, r.s0 >= 0, r.s1 >= 0, q);
    return bl_blend(v, as_float(r.s2), as_float(q.s2));
}

/* The geometry the samples need, and the image's tap table tb (the
   separable rows then columns, or the grid's taps; unread when fixed). */
#define DW_AT_ARGS                                                                        \
    global const int4 *tb, int H, int W, int Ho, int Wo, int sh, int sw, int ph, int pw,  \
        int dh, int dw, int kind
#define DW_AT(tb) tb, H, W, Ho, Wo, sh, sw, ph, pw, dh, dw, kind

/* The sample of tap (ky, kx) of output (i, j) of one plane, by kind. */
static inline float dw_sample(global const float *plane, int i, int j, int ky, int kx,
                              DW_AT_ARGS)
{
    if (kind == ADS_SAMPLING_FIXED)
        return dw_fixed_at(plane, i, j, ky, kx, H, W, sh, sw, ph, pw, dh, dw);
    if (kind == ADS_SAMPLING_SEPARABLE)
        return dw_sep_at(plane, W, tb[i * KH + ky], tb[Ho * KH + j * KW + kx]);
    return gc_grid_value(plane, H, W, tb[((long)(ky * KW + kx) * Ho + i) * Wo + j]);
}

/* Image b's tap table in the chunk's (ads_gconv_taps_size ints each). */
static inline global const int4 *dw_table(global const int4 *tab, int b, int Ho, int Wo, int kind)
{
    long size = kind == ADS_SAMPLING_SEPARABLE ? (long)Ho * KH + (long)Wo * KW
                                               : (long)TAPS * Ho * Wo;
    return kind == ADS_SAMPLING_FIXED ? tab : tab + b * size;
}

/* Forward, pixel shape: one work-item computes y[n,c,i,j] (o = i*Wo + j
   = get_global_id(0), b*C + c = get_global_id(1), n = n0 + b) = bias +
   the taps in (ky, kx) order. */
kernel void gconv_dw_pixel(global const float *x, global const int4 *tab, global const float *w,
                           global const float *bias, int has_bias, global float *y, int n0,
                           GC_GEOM)
{
    long P = (long)Ho * Wo, o = get_global_id(0);
    if (o >= P) return;
    int bc = get_global_id(1), b = bc / C, i = (int)(o / Wo), j = (int)(o - (long)i * Wo);
    float wt[TAPS];
    float acc = dw_weights(w, bias, has_bias, bc - b * C, wt);
    global const int4 *tb = dw_table(tab, b, Ho, Wo, kind);
    global const float *plane = x + ((long)n0 * C + bc) * (long)H * W;
    /* Unrolled, so wt stays in registers (no per-thread stack on nvptx). */
#pragma unroll
    for (int ky = 0; ky < KH; ky++)
#pragma unroll
        for (int kx = 0; kx < KW; kx++)
            acc += wt[ky * KW + kx] * dw_sample(plane, i, j, ky, kx, DW_AT(tb));
    y[((long)n0 * C + bc) * P + o] = acc;
}

/* Weight (and bias) gradient, pixel shape, pass 1: the work-group of
   plane b*C + c = get_global_id(1) (dimension 0 is exactly one
   work-group, L = get_local_size(0) work-items, a power of two) strides
   over the plane's outputs; each work-item sums gy times every tap's
   sample, and gy itself, in registers. The group then reduces all SHARES
   shares at once in a fixed tree over `red` (SHARES*L floats, share t's
   at t*L): one barrier per level, not per share, and the share loops
   hold no barrier, so they unroll (acc stays in registers) without
   multiplying the barrier regions a CPU driver compiles. Work-item 0
   writes the plane's shares to part[(b*C + c)*SHARES + t], which
   gconv_dw_gw_sum adds with one share row per plane. */
kernel void gconv_dw_gw_pixel(global const float *x, global const int4 *tab,
                              global const float *gy, global float *part, int n0, GC_GEOM,
                              local float *red)
{
    int bc = get_global_id(1), lid = get_local_id(0), L = get_local_size(0);
    long P = (long)Ho * Wo;
    global const int4 *tb = dw_table(tab, bc / C, Ho, Wo, kind);
    global const float *plane = x + ((long)n0 * C + bc) * (long)H * W;
    global const float *g = gy + ((long)n0 * C + bc) * P;
    /* Every loop over the taps is unrolled, so acc stays in registers. */
    float acc[TAPS], gsum = 0.0f;
#pragma unroll
    for (int t = 0; t < TAPS; t++) acc[t] = 0.0f;
    for (long o = lid; o < P; o += L) {
        int i = (int)(o / Wo), j = (int)(o - (long)i * Wo);
        float go = g[o];
        gsum += go;
#pragma unroll
        for (int ky = 0; ky < KH; ky++)
#pragma unroll
            for (int kx = 0; kx < KW; kx++)
                acc[ky * KW + kx] += go * dw_sample(plane, i, j, ky, kx, DW_AT(tb));
    }
#pragma unroll
    for (int t = 0; t < TAPS; t++) red[t * L + lid] = acc[t];
    red[TAPS * L + lid] = gsum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = L / 2; s > 0; s >>= 1) {
        if (lid < s) {
#pragma unroll
            for (int t = 0; t < SHARES; t++) red[t * L + lid] += red[t * L + lid + s];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0)
        for (int t = 0; t < SHARES; t++) part[(long)bc * SHARES + t] = red[t * L];
}

/* Input gradient at the fixed stride, pixel shape: one work-item owns
   gx[n,c,yy,xx] (e = yy*W + xx = get_global_id(0), b*C + c =
   get_global_id(1)) and sums w[c,ky,kx] * gy over the taps whose integer
   read lands on it, in the row kernel's (ky, kx) order. */
kernel void gconv_dw_gx_fixed_pixel(global const float *w, global const float *gy,
                                    global float *gx, int n0, GC_GEOM)
{
    long e = get_global_id(0);
    int bc = get_global_id(1);
    if (e >= (long)H * W) return;
    int yy = (int)(e / W), xx = (int)(e - (long)yy * W);
    global const float *wc = w + (bc % C) * TAPS;
    global const float *g = gy + ((long)n0 * C + bc) * (long)Ho * Wo;
    float acc = 0.0f;
    for (int ky = 0; ky < KH; ky++) {
        int ty = yy + ph - ky * dh;
        if (ty < 0 || ty % sh != 0 || ty / sh >= Ho) continue;
        for (int kx = 0; kx < KW; kx++) {
            int tx = xx + pw - kx * dw;
            if (tx < 0 || tx % sw != 0 || tx / sw >= Wo) continue;
            acc += wc[ky * KW + kx] * g[(long)(ty / sh) * Wo + tx / sw];
        }
    }
    gx[((long)n0 * C + bc) * (long)H * W + e] = acc;
}
