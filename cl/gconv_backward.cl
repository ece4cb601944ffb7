/* Gather-convolution backward (docs/design.md 1.4) kernels: gx gathered from
   the column gradient by one work-item per input row (for the fixed
   stride and separable positions on GPUs, per input element:
   gconv_col2im_fixed_pixel, gconv_col2im_sep_pixel, which also takes
   the CPUs' separable rows too wide for local memory) in a fixed
   order (separable and full-grid positions through per-image indexes of
   the taps touching each row), the position gradients and gb. Column layout
   and geometry arguments as in cl/gconv.cl. */
#include "gconv.clh"

/* The column gradient of the chunk, gcol[((b*C + c)*kh*kw + t)*P + p].
   Built with -DGC_DEPTHWISE, the kernels read it as w[c,t] * gy[n,c,p]
   instead (the depthwise column gradient, never stored): their `gcol`
   argument is then gy and `wgt` the weights (unused otherwise). Needs
   P, n0 and the geometry in scope. */
#ifdef GC_DEPTHWISE
#define GCOL(bc, t, p) \
    (wgt[((bc) % C) * kh * kw + (t)] * gcol[((long)n0 * C + (bc)) * P + (p)])
#else
#define GCOL(bc, t, p) (gcol[((long)(bc) * kh * kw + (t)) * P + (p)])
#endif

/* The column gradient's row (bc, t) from pixel 0 and the factor of its
   entries, in GCOL's two layouts. */
#ifdef GC_DEPTHWISE
#define GCOL_ROW(bc, t) (gcol + ((long)n0 * C + (bc)) * P)
#define GCOL_SCALE(bc, t) (wgt[((bc) % C) * kh * kw + (t)])
#else
#define GCOL_ROW(bc, t) (gcol + ((long)(bc) * kh * kw + (t)) * P)
#define GCOL_SCALE(bc, t) 1.0f
#endif

/* The counting sort of one axis' separable reads by the input line they
   touch: pos holds the L output positions, k taps dil apart from -pad;
   each read (output l, tap kk, neighbour a) inside the lines becomes the
   entry (kk*tap_stride + l*line_stride, its bilinear weight's bits), in
   (l, kk, a) order, or in (kk, l, a) order when taps_outer. start gets
   lines + 1 bucket starts, the entries follow them. */
static inline void sep_line_index(global const float *pos, int lines, int L, int k, int dil,
                                  int pad, bool taps_outer, int tap_stride, int line_stride,
                                  global int *start)
{
    global int *ent = start + lines + 1;
    for (int t = 0; t <= lines; t++) start[t] = 0;
    for (int pass = 0; pass < 2; pass++) { /* count, then place */
        for (int q = 0; q < L * k; q++) {
            int l = taps_outer ? q % L : q / k, kk = taps_outer ? q / L : q % k;
            int i0;
            float f;
            if (!bl_axis(pos[l] + (float)(kk * dil - pad), lines, &i0, &f)) continue;
            for (int a = 0; a < 2; a++) {
                int t = i0 + a;
                if (t < 0 || t >= lines) continue;
                if (pass == 0) {
                    start[t]++;
                    continue;
                }
                int e = start[t]++;
                ent[2 * e] = kk * tap_stride + l * line_stride;
                ent[2 * e + 1] = as_int(bl_weight(f, a));
            }
        }
        if (pass == 0) {
            int total = 0;
            for (int t = 0; t < lines; t++) { /* exclusive prefix sum: start[t] = first slot */
                int cnt = start[t];
                start[t] = total;
                total += cnt;
            }
        }
    }
    /* Each start[t] now holds the end of line t: shift to the starts. */
    for (int t = lines; t > 0; t--) start[t] = start[t - 1];
    start[0] = 0;
}

/* Ints of one image's separable index: the rows', then the columns'. */
static inline long sep_index_stride(int H, int Ho, int kh, int W, int Wo, int kw)
{
    return ads_sep_index_size(H, Ho, kh) + ads_sep_index_size(W, Wo, kw);
}

/* One work-item builds the separable index of image b = get_global_id(0):
   the row index, a counting sort of the (output row i, tap ky, neighbour
   a) reads by the input row they touch, in (i, ky, a) order, entries
   ky*kw*P + i*Wo, so gathers over it run in a fixed order; then the
   column index after it, (kx, j, a) order, entries kx*Wo + j (the
   column tap's place in a row's taps): the order in which the col2im
   kernels add an element's column taps. */
kernel void gconv_sep_index(global const float *pa, global const float *pb, global int *idx,
                            int n0, GC_GEOM)
{
    int b = get_global_id(0);
    long n = (long)n0 + b, P = (long)Ho * Wo;
    global int *rows = idx + b * sep_index_stride(H, Ho, kh, W, Wo, kw);
    sep_line_index(pa + n * Ho, H, Ho, kh, dh, ph, false, kw * (int)P, Wo, rows);
    sep_line_index(pb + n * Wo, W, Wo, kw, dw, pw, true, Wo, 1,
                   rows + ads_sep_index_size(H, Ho, kh));
}

/* One work-item owns the input row gx[n,c,yy,:] (yy = get_global_id(0),
   b*C + c = get_global_id(1)) for separable positions (CPUs, where a
   row's column taps fit in local memory: ads_gconv_col2im_sep_bytes):
   it first sums, for every column tap (kx, j), T over the (output row,
   row tap) entries touching yy in the index's order, each entry's weight
   times the column gradient there (contiguous runs of gcol: vector
   work), then gathers each element's column entries ((kx, j) order):
   weight times T, each element written once. A scatter of each tap's T
   to its two columns was a chain of read-modify-writes through memory,
   1.2-1.4x slower; this is the pixel kernel's order, so both shapes give
   the same bits. Deterministic, no atomics. */
kernel void gconv_col2im_sep(global const float *gcol, global const float *wgt,
                             global const int *idx, global float *gx, int n0, GC_GEOM,
                             local float *scratch)
{
    int yy = get_global_id(0), bc = get_global_id(1), taps = kw * Wo;
    local float *T = scratch + get_local_id(0) * taps;
    if (yy >= H) return;
    int b = bc / C;
    long P = (long)Ho * Wo;
    global const int *rows = idx + b * sep_index_stride(H, Ho, kh, W, Wo, kw);
    global const int *cols = rows + ads_sep_index_size(H, Ho, kh);
    global const int *rent = rows + H + 1, *cent = cols + W + 1;
    for (int m = 0; m < taps; m++) T[m] = 0.0f;
    for (int e = rows[yy]; e < rows[yy + 1]; e++) {
        /* The entry's offset ky*kw*P + l*Wo: row tap ky, output row l. */
        int ky = rent[2 * e] / (kw * P);
        long lo = rent[2 * e] - ky * kw * P;
        float wr = as_float(rent[2 * e + 1]);
        for (int kx = 0; kx < kw; kx++)
            for (int j = 0; j < Wo; j++) T[kx * Wo + j] += wr * GCOL(bc, ky * kw + kx, lo + j);
    }
    global float *row = gx + (((long)n0 * C + bc) * H + yy) * W;
    for (int xx = 0; xx < W; xx++) {
        float acc = 0.0f;
        for (int ec = cols[xx]; ec < cols[xx + 1]; ec++)
            acc += as_float(cent[2 * ec + 1]) * T[cent[2 * ec]];
        row[xx] = acc;
    }
}

/* Pixel shape of gconv_col2im_sep (GPUs, "gconv.item_pixel"; and CPUs
   where a row's column-tap sums do not fit in local memory): one
   work-item owns gx[n,c,yy,xx] (e = yy*W + xx = get_global_id(0), b*C +
   c = get_global_id(1)) and adds, for each row index entry of yy (in
   order) and each column index entry of xx (in (kx, j) order), both
   weights times the column gradient there: for each column entry the
   sum T over the row entries, then its weight times T, the row kernel's
   operations on this element in its order, so both shapes give the same
   bits. */
kernel void gconv_col2im_sep_pixel(global const float *gcol, global const float *wgt,
                                   global const int *idx, global float *gx, int n0, GC_GEOM)
{
    long e = get_global_id(0);
    int bc = get_global_id(1);
    if (e >= (long)H * W) return;
    int yy = (int)(e / W), xx = (int)(e - (long)yy * W), b = bc / C;
    long P = (long)Ho * Wo;
    global const int *rows = idx + b * sep_index_stride(H, Ho, kh, W, Wo, kw);
    global const int *cols = rows + ads_sep_index_size(H, Ho, kh);
    global const int *rent = rows + H + 1, *cent = cols + W + 1;
    float acc = 0.0f;
    for (int ec = cols[xx]; ec < cols[xx + 1]; ec++) {
        int kx = cent[2 * ec] / Wo, j = cent[2 * ec] - kx * Wo;
        float T = 0.0f;
        for (int er = rows[yy]; er < rows[yy + 1]; er++) {
            int ky = rent[2 * er] / (kw * P);
            long lo = rent[2 * er] - ky * kw * P;
            T += as_float(rent[2 * er + 1]) * GCOL(bc, ky * kw + kx, lo + j);
        }
        acc += as_float(cent[2 * ec + 1]) * T;
    }
    gx[((long)n0 * C + bc) * (long)H * W + e] = acc;
}

/* One work-item owns the input row gx[n,c,yy,:] (as above) for the fixed
   stride: it clears the row, then adds each tap (ky, kx) whose integer
   read lands on row yy, its output columns in a loop the compiler
   vectorises, the zero-padding columns found once per tap. */
kernel void gconv_col2im_fixed(global const float *gcol, global float *gx, int n0, GC_GEOM)
{
    int yy = get_global_id(0), bc = get_global_id(1);
    if (yy >= H) return;
    long P = (long)Ho * Wo;
    global const float *g = gcol + (long)bc * kh * kw * P;
    global float *row = gx + (((long)n0 * C + bc) * H + yy) * W;
    for (int xx = 0; xx < W; xx++) row[xx] = 0.0f;
    for (int ky = 0; ky < kh; ky++) {
        int ty = yy + ph - ky * dh;
        if (ty < 0 || ty % sh != 0 || ty / sh >= Ho) continue;
        global const float *gi = g + (long)(ty / sh) * Wo;
        for (int kx = 0; kx < kw; kx++) {
            int ox = kx * dw - pw;
            /* Columns j with 0 <= j*sw + ox < W: [jlo, jhi). */
            int jlo = ox >= 0 ? 0 : (-ox + sw - 1) / sw;
            int jhi = ox >= W ? 0 : (W - ox - 1) / sw + 1;
            jhi = min(jhi, Wo);
            global const float *gt = gi + (ky * kw + kx) * P;
            for (int j = jlo; j < jhi; j++) row[j * sw + ox] += gt[j];
        }
    }
}

/* Pixel shape of gconv_col2im_fixed (GPUs, ads_gconv_item_pixel): one
   work-item owns the input element gx[n,c,yy,xx] (yy*W + xx =
   get_global_id(0), b*C + c = get_global_id(1)) and sums the column
   entries that read it, in gconv_col2im_fixed's (ky, kx) order, so both
   shapes give the same bits. Neighbouring work-items write neighbouring
   gx and (for sw = 1) read neighbouring column entries: coalesced, where
   a row per work-item puts a row between neighbours' addresses. */
kernel void gconv_col2im_fixed_pixel(global const float *gcol, global float *gx, int n0,
                                     GC_GEOM)
{
    long e = get_global_id(0);
    int bc = get_global_id(1);
    if (e >= (long)H * W) return;
    int yy = (int)(e / W), xx = (int)(e - (long)yy * W);
    long P = (long)Ho * Wo;
    global const float *g = gcol + (long)bc * kh * kw * P;
    float s = 0.0f;
    for (int ky = 0; ky < kh; ky++) {
        int ty = yy + ph - ky * dh;
        if (ty < 0 || ty % sh != 0 || ty / sh >= Ho) continue;
        global const float *gi = g + (long)ky * kw * P + (long)(ty / sh) * Wo;
        for (int kx = 0; kx < kw; kx++) {
            int tx = xx + pw - kx * dw;
            if (tx < 0 || tx % sw != 0 || tx / sw >= Wo) continue;
            s += gi[kx * P + tx / sw];
        }
    }
    gx[((long)n0 * C + bc) * H * W + e] = s;
}

/* One work-item builds the full-grid index of image b = get_global_id(0)
   from its grid table: a counting sort of the valid taps (t, p) by their
   upper input row y0 in [-1, H-1] (bucket y0 + 1), in (t, p) order, so
   the row gathers below run in a fixed order. */
kernel void gconv_grid_index(global const int4 *tab, global int *idx, GC_GEOM)
{
    int b = get_global_id(0);
    long E = (long)kh * kw * Ho * Wo;
    global const int4 *te = tab + (long)b * E;
    global int *start = idx + b * ads_grid_index_size(H, Ho, Wo, kh, kw);
    global int *ent = start + H + 2;
    for (int r = 0; r <= H + 1; r++) start[r] = 0;
    for (long e = 0; e < E; e++) {
        int y0 = te[e].s0;
        if (y0 >= -1) start[y0 + 1]++;
    }
    int total = 0;
    for (int r = 0; r <= H; r++) { /* exclusive prefix sum: start[r] = first slot */
        int cnt = start[r];
        start[r] = total;
        total += cnt;
    }
    for (long e = 0; e < E; e++) {
        int y0 = te[e].s0;
        if (y0 >= -1) ent[start[y0 + 1]++] = (int)e;
    }
    /* Each start[r] now holds the end of bucket r: shift to the starts. */
    for (int r = H + 1; r > 0; r--) start[r] = start[r - 1];
    start[0] = 0;
}

/* Column gradient entry e = t*P + p of column row block bc (image b,
   channel c): GCOL(bc, t, p), which in the plain layout is one read at
   bc*kh*kw*P + e, with no division. */
#ifdef GC_DEPTHWISE
#define GCOL_AT(bc, e) GCOL(bc, (e) / P, (e) % P)
#else
#define GCOL_AT(bc, e) (gcol[(long)(bc) * kh * kw * P + (e)])
#endif

/* One work-item owns the input rows gx[n,c,yy,:] of cb channels c0 ..
   c0 + cb - 1 of image b (yy = get_global_id(0), the block
   get_global_id(1) = b*ceil(C/cb) + c0/cb; cb = 1 on GPUs, the tuning's
   col_channels on CPUs) for a full grid: it clears the rows, then adds
   every tap whose sample touches them, in the index's fixed order:
   taps with y0 = yy (weight 1-fy), then those with y0 = yy-1 (weight
   fy). Each tap's index and table entries are read once for the block's
   channels. Deterministic, no atomics. */
kernel void gconv_col2im_grid(global const float *gcol, global const float *wgt,
                              global const int4 *tab, global const int *idx, global float *gx,
                              int n0, GC_GEOM, int cb)
{
    int yy = get_global_id(0), blocks = (C + cb - 1) / cb, blk = get_global_id(1);
    if (yy >= H) return;
    int b = blk / blocks, c0 = (blk - b * blocks) * cb, nl = min(cb, C - c0), bc = b * C + c0;
    long E = (long)kh * kw * Ho * Wo, HW = (long)H * W;
    global const int4 *te = tab + (long)b * E;
    global const int *start = idx + b * ads_grid_index_size(H, Ho, Wo, kh, kw);
    global const int *ent = start + H + 2;
    long P = (long)Ho * Wo;
    global float *rows = gx + ((long)n0 * C + bc) * HW + (long)yy * W;
    for (int l = 0; l < nl; l++)
        for (int xx = 0; xx < W; xx++) rows[l * HW + xx] = 0.0f;
    for (int a = 0; a < 2; a++) {
        int bucket = yy + 1 - a; /* y0 + 1 with y0 = yy - a */
        for (int k = start[bucket]; k < start[bucket + 1]; k++) {
            int e = ent[k];
            int4 q = te[e];
            float wy = bl_weight(as_float(q.s2), a), fx = as_float(q.s3);
            int x0 = q.s1;
            bool left = x0 >= 0, right = x0 + 1 < W;
            for (int l = 0; l < nl; l++) {
                float v = wy * GCOL_AT(bc + l, e);
                global float *row = rows + l * HW;
                if (left) row[x0] += bl_weight(fx, 0) * v;
                if (right) row[x0 + 1] += bl_weight(fx, 1) * v;
            }
        }
    }
}

/* Separable position gradients, pass 1: one work-item takes one column
   row (image b, channel c, tap t: get_global_id(0) = (b*C + c)*kh*kw + t)
   of gcol and the input rows its taps read (through the tap table), and
   writes its share of gpy (Ho sums over j) and of gpx (Wo sums over i) to
   part[e*(Ho+Wo) ..]. The derivatives come from the same four neighbours
   as the forward blend (rows first, gc_sep_mix): dX~/dx = the difference
   of the two columns' row mixes at fy, dX~/dy = the two columns' row
   differences mixed at fx (a tap that reads 0 has all neighbours 0, so
   both vanish). Each sum is a chain of FMAs in index order, written out,
   so that gconv_grad_sep_part_rows gives the same bits. */
kernel void gconv_grad_sep_part(global const float *x, global const float *gcol,
                                global const float *wgt, global const int4 *tab,
                                global float *part, int nb, int n0, GC_GEOM)
{
    long e = get_global_id(0);
    int taps = kh * kw;
    if (e >= (long)nb * C * taps) return;
    int bc = (int)(e / taps), t = (int)(e - (long)bc * taps), b = bc / C;
    int ky = t / kw, kx = t - ky * kw;
    global const int4 *rt = tab + (long)b * (Ho * kh + Wo * kw);
    global const int4 *ct = rt + Ho * kh + kx;
    global const float *plane = x + ((long)n0 * C + bc) * (long)H * W;
    long P = (long)Ho * Wo;
    global float *gpy = part + e * (Ho + Wo), *gpx = gpy + Ho;
    for (int j = 0; j < Wo; j++) gpx[j] = 0.0f;
    for (int i = 0; i < Ho; i++) {
        int4 r = rt[i * kh + ky];
        bool h0 = r.s0 >= 0, h1 = r.s1 >= 0;
        global const float *row0 = plane + (long)(h0 ? r.s0 : 0) * W;
        global const float *row1 = plane + (long)(h1 ? r.s1 : 0) * W;
        float fy = as_float(r.s2), s = 0.0f;
        for (int j = 0; j < Wo; j++) {
            int4 q = ct[j * kw];
            float4 v = gc_sep_corners(row0, row1, h0, h1, q);
            float fx = as_float(q.s2);
            float dy = fma(fx, v.s3 - v.s1, (1.0f - fx) * (v.s2 - v.s0));
            float dx = gc_sep_mix(v.s1, v.s3, fy) - gc_sep_mix(v.s0, v.s2, fy);
            float g = GCOL(bc, t, (long)i * Wo + j);
            s = fma(g, dy, s);
            gpx[j] = fma(g, dx, gpx[j]);
        }
        gpy[i] = s;
    }
}

/* Pass 1 on CPUs: gconv_grad_sep_part, GSP_ROWS output rows at a time.
   The work-item (of a group of 16) first decodes its column taps for kx
   into local memory, as gconv_im2col_sep_rows does: the column a of the
   first neighbour in a row padded with zeros (the second is a + 1),
   stored as its offset 2a in the interleaved row below, and fx. Per block of rows it then builds each row's mix R (the two tap rows
   mixed at fy, as the forward blend) and difference D (second tap row
   minus first), interleaved in one padded local row (RD[2(x+1)] = R at
   column x, RD[2(x+1)+1] = D; a tap whose neighbours are both absent
   reads the zeros past the row; ads_gconv_grad_sep_rows_bytes), and
   walks the columns: one float4 read per entry gives R and D at both
   neighbours, so dX~/dx = R[a+1] - R[a] and dX~/dy = D mixed at fx. On
   AVX2 a gather of 16 lanes was 16 loads and inserts after extracting
   each index, for each of the four neighbours. The block's rows side by
   side keep GSP_ROWS chains of gpy sums (each in column order) in flight
   and add to a column's gpx share in row order: the sums of
   gconv_grad_sep_part in its order, so the shapes give equal bits. */
#define GSP_ROWS 4 /* as in ads_gconv_grad_sep_rows_bytes */

/* The column walk of gconv_grad_sep_part_rows over nr <= GSP_ROWS rows:
   gpy of the block's rows (one chain each) and the block's additions to
   gpx, rows in order within each column. */
static inline void sep_part_block(int nr, int Wo, int pitch, local const int *ca,
                                  local const float *cf, local const float *rd,
                                  global const float *g0, float scale, global float *gpx,
                                  global float *gpy)
{
    float s[GSP_ROWS];
    #pragma unroll
    for (int r = 0; r < GSP_ROWS; r++) s[r] = 0.0f;
    for (int j = 0; j < Wo; j++) {
        int a = ca[j];
        float f = cf[j], acc = gpx[j];
        #pragma unroll
        for (int r = 0; r < GSP_ROWS; r++)
            if (r < nr) {
                float4 v = vload4(0, rd + r * pitch + a); /* R[a], D[a], R[a+1], D[a+1] */
                float g = g0[(long)r * Wo + j] * scale;
                s[r] = fma(g, fma(f, v.s3, (1.0f - f) * v.s1), s[r]);
                acc = fma(g, v.s2 - v.s0, acc);
            }
        gpx[j] = acc;
    }
    for (int r = 0; r < nr; r++) gpy[r] = s[r];
}

kernel void gconv_grad_sep_part_rows(global const float *x, global const float *gcol,
                                     global const float *wgt, global const int4 *tab,
                                     global float *part, int nb, int n0, GC_GEOM,
                                     local float *scratch)
{
    long e = get_global_id(0);
    int taps = kh * kw, pitch = 2 * (W + 3);
    local float *cf = scratch + get_local_id(0) * (2 * Wo + GSP_ROWS * pitch);
    local int *ca = (local int *)(cf + Wo);
    local float *rd = (local float *)(ca + Wo);
    if (e >= (long)nb * C * taps) return;
    int bc = (int)(e / taps), t = (int)(e - (long)bc * taps), b = bc / C;
    int ky = t / kw, kx = t - ky * kw;
    global const int4 *rt = tab + (long)b * (Ho * kh + Wo * kw);
    global const int4 *ct = rt + Ho * kh + kx;
    global const float *plane = x + ((long)n0 * C + bc) * (long)H * W;
    long P = (long)Ho * Wo;
    global float *gpy = part + e * (Ho + Wo), *gpx = gpy + Ho;
    for (int j = 0; j < Wo; j++) {
        int4 q = ct[j * kw];
        ca[j] = 2 * gc_sep_padded_column(q, W);
        cf[j] = as_float(q.s2);
        gpx[j] = 0.0f;
    }
    for (int r = 0; r < GSP_ROWS; r++) {
        local float *RD = rd + r * pitch;
        RD[0] = RD[1] = 0.0f;
        for (int k = 2 * (W + 1); k < pitch; k++) RD[k] = 0.0f;
    }
    float scale = GCOL_SCALE(bc, t);
    global const float *grow = GCOL_ROW(bc, t);
    for (int i0 = 0; i0 < Ho; i0 += GSP_ROWS) {
        int nr = min(GSP_ROWS, Ho - i0);
        for (int r = 0; r < nr; r++) {
            int4 q = rt[(i0 + r) * kh + ky];
            bool h0 = q.s0 >= 0, h1 = q.s1 >= 0;
            global const float *row0 = plane + (long)(h0 ? q.s0 : 0) * W;
            global const float *row1 = plane + (long)(h1 ? q.s1 : 0) * W;
            float fy = as_float(q.s2);
            local float *RD = rd + r * pitch + 2;
            for (int xx = 0; xx < W; xx++) {
                float v0 = h0 ? row0[xx] : 0.0f, v1 = h1 ? row1[xx] : 0.0f;
                RD[2 * xx] = gc_sep_mix(v0, v1, fy);
                RD[2 * xx + 1] = v1 - v0;
            }
        }
        global const float *g0 = grow + (long)i0 * Wo;
        /* a full block with its row count a constant: no test per row */
        if (nr == GSP_ROWS)
            sep_part_block(GSP_ROWS, Wo, pitch, ca, cf, rd, g0, scale, gpx, gpy + i0);
        else
            sep_part_block(nr, Wo, pitch, ca, cf, rd, g0, scale, gpx, gpy + i0);
    }
}

/* Pass 2: one work-item sums one position gradient over image b's
   `shares` shares (b = get_global_id(1); C*kh*kw (channel, tap) shares
   from pass 1, C plane shares from gconv_dw_backward_plane) in order:
   l = get_global_id(0) < Ho gives gpy[n,l] (when want & 1), the rest
   gpx[n,l-Ho] (when want & 2). */
kernel void gconv_grad_sep_sum(global const float *part, global float *gpy, global float *gpx,
                               int want, int n0, long shares, GC_GEOM)
{
    int l = get_global_id(0), b = get_global_id(1);
    if (l >= Ho + Wo) return;
    bool is_y = l < Ho;
    if (!(want & (is_y ? 1 : 2))) return;
    long E = shares, stride = Ho + Wo;
    global const float *p = part + (long)b * E * stride + l;
    float s = 0.0f;
    for (long e = 0; e < E; e++) s += p[e * stride];
    long n = (long)n0 + b;
    if (is_y)
        gpy[n * Ho + l] = s;
    else
        gpx[n * Wo + l - Ho] = s;
}

/* The grid gradient of output p of image b (both ggrid[n,p,0] (y) and
   [1] (x)): over the taps, then the channels, gcol times the
   derivatives of the tap's blend from its four neighbours by
   bl_value_grad's rule (dX~/dy the column differences at fx, dX~/dx the
   row differences at fy). */
static inline float2 gc_grad_grid_at(global const float *x, global const float *gcol,
                                     global const float *wgt, global const int4 *tab, int n0,
                                     int b, long p, int C, int H, int W, int Ho, int Wo, int kh,
                                     int kw)
{
    long P = (long)Ho * Wo, taps = (long)kh * kw, n = (long)n0 + b;
    float sy = 0.0f, sx = 0.0f;
    for (int t = 0; t < taps; t++) {
        int4 q = tab[(b * taps + t) * P + p];
        float fy = as_float(q.s2), fx = as_float(q.s3);
        for (int c = 0; c < C; c++) {
            float4 v = gc_grid_corners(x + (n * C + c) * (long)H * W, H, W, q);
            float gv = GCOL(b * C + c, t, p);
            sy += gv * ((1.0f - fx) * (v.s2 - v.s0) + fx * (v.s3 - v.s1));
            sx += gv * ((1.0f - fy) * (v.s1 - v.s0) + fy * (v.s3 - v.s2));
        }
    }
    return (float2)(sy, sx);
}

/* One work-item sums the grid gradient of output p = get_global_id(0) of
   image b = get_global_id(1) (gc_grad_grid_at). Each tap's table entry
   is read once and serves every channel. The GPU shape; CPUs take
   gconv_grad_grid16. */
kernel void gconv_grad_grid(global const float *x, global const float *gcol,
                            global const float *wgt, global const int4 *tab,
                            global float *ggrid, int n0, GC_GEOM)
{
    int p = get_global_id(0), b = get_global_id(1);
    long P = (long)Ho * Wo;
    if (p >= P) return;
    vstore2(gc_grad_grid_at(x, gcol, wgt, tab, n0, b, p, C, H, W, Ho, Wo, kh, kw), 0,
            ggrid + (((long)n0 + b) * P + p) * 2);
}

/* CPUs: one work-item sums the grid gradient of the 16 outputs from
   p0 = 16 * get_global_id(0) of image b = get_global_id(1), one output
   per vector lane: each tap's 16 table entries are decoded once in
   vectors (as gc_grid_corners: clamped offsets, absent neighbours
   selected to 0), then every channel costs four gathers and a few
   vector multiply-adds (plane offsets in ints: the host takes this
   kernel only where H*W fits one). The sums run in gc_grad_grid_at's
   order, which the last, partial block of an image uses lane by lane. */
kernel void gconv_grad_grid16(global const float *x, global const float *gcol,
                              global const float *wgt, global const int4 *tab,
                              global float *ggrid, int n0, GC_GEOM)
{
    long p0 = (long)get_global_id(0) * 16, P = (long)Ho * Wo, taps = (long)kh * kw;
    int b = get_global_id(1);
    long n = (long)n0 + b;
    if (p0 >= P) return;
    global float *out = ggrid + (n * P + p0) * 2;
    if (p0 + 16 > P) {
        for (long p = p0; p < P; p++)
            vstore2(gc_grad_grid_at(x, gcol, wgt, tab, n0, b, p, C, H, W, Ho, Wo, kh, kw), 0,
                    out + (p - p0) * 2);
        return;
    }
    const int16 zero = (int16)(0), one = (int16)(1), Hm1 = (int16)(H - 1), Wm1 = (int16)(W - 1);
    const float16 none = (float16)(0.0f);
    float16 sy = none, sx = none;
    for (int t = 0; t < taps; t++) {
        global const int *te = (global const int *)(tab + (b * taps + t) * P + p0);
        int16 e0 = vload16(0, te), e1 = vload16(1, te), e2 = vload16(2, te), e3 = vload16(3, te);
        int16 y0 = (int16)(e0.s048c, e1.s048c, e2.s048c, e3.s048c);
        int16 x0 = (int16)(e0.s159d, e1.s159d, e2.s159d, e3.s159d);
        float16 fy = as_float16((int16)(e0.s26ae, e1.s26ae, e2.s26ae, e3.s26ae));
        float16 fx = as_float16((int16)(e0.s37bf, e1.s37bf, e2.s37bf, e3.s37bf));
        int16 h0 = y0 >= zero, h1 = y0 >= -one && y0 < Hm1;
        int16 c0 = x0 >= zero, c1 = x0 >= -one && x0 < Wm1;
        int16 ra = max(y0, zero) * W, rb = clamp(y0 + one, zero, Hm1) * W;
        int16 xa = max(x0, zero), xb = clamp(x0 + one, zero, Wm1);
        for (int c = 0; c < C; c++) {
            global const float *pl = x + (n * C + c) * (long)H * W;
            float16 a = select(none, gc_gather16(pl, ra + xa), h0 & c0);
            float16 bb = select(none, gc_gather16(pl, ra + xb), h0 & c1);
            float16 cc = select(none, gc_gather16(pl, rb + xa), h1 & c0);
            float16 d = select(none, gc_gather16(pl, rb + xb), h1 & c1);
            float16 gv = GCOL_SCALE(b * C + c, t) * vload16(0, GCOL_ROW(b * C + c, t) + p0);
            sy += gv * ((1.0f - fx) * (cc - a) + fx * (d - bb));
            sx += gv * ((1.0f - fy) * (bb - a) + fy * (d - cc));
        }
    }
    vstore16(shuffle2(sy, sx, (uint16)(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)), 0,
             out);
    vstore16(shuffle2(sy, sx, (uint16)(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15,
                                       31)),
             0, out + 16);
}

/* One work-item copies the row gy[n0+b, o, :] to gys[(o*nb + b)*P ..]
   (o = get_global_id(0), b = get_global_id(1)): the chunk's output
   gradient with its images side by side in every channel's row, the
   layout of the columns gathered for the weight gradient (gc_col_seg,
   tn < 0), so that gw is one product per chunk with the chunk's pixels
   as the inner dimension. A row per work-item: on PoCL one per pixel ran
   7x slower, in small groups' overhead. */
kernel void gconv_gy_side_by_side(global const float *gy, global float *gys, int n0, int nb,
                                  int Cout, int P)
{
    int o = get_global_id(0), b = get_global_id(1);
    if (o >= Cout) return;
    global const float *src = gy + (((long)n0 + b) * Cout + o) * P;
    global float *dst = gys + ((long)o * nb + b) * P;
    for (int p = 0; p < P; p++) dst[p] = src[p];
}

/* gb[o] = the sum of gy[n,o,:] over images and pixels, for o =
   get_group_id(0): each of the group's GB_LOCAL work-items sums its own
   contiguous slice of every image's row (float16 partial sums), then
   work-item 0 adds the GB_LOCAL shares in order. A fixed order:
   deterministic, no atomics; Cout*GB_LOCAL work-items keep every core
   busy where one per output channel serialised N*P adds. */
#define GB_LOCAL 16
kernel __attribute__((reqd_work_group_size(GB_LOCAL, 1, 1))) void
gconv_grad_bias(global const float *gy, global float *gb, int N, int Cout, int P)
{
    local float share[GB_LOCAL];
    int o = get_group_id(0), l = get_local_id(0);
    int per = (P / 16 + GB_LOCAL - 1) / GB_LOCAL; /* float16 blocks per work-item */
    int q0 = min(l * per, P / 16), q1 = min(q0 + per, P / 16);
    float16 acc = 0.0f;
    float tail = 0.0f;
    for (long n = 0; n < N; n++) {
        global const float *row = gy + (n * Cout + o) * P;
        for (int q = q0; q < q1; q++) acc += vload16(q, row);
        for (int p = (P / 16) * 16 + l; p < P; p += GB_LOCAL) tail += row[p];
    }
    float8 a8 = acc.lo + acc.hi;
    float4 a4 = a8.lo + a8.hi;
    float2 a2 = a4.lo + a4.hi;
    share[l] = a2.s0 + a2.s1 + tail;
    barrier(CLK_LOCAL_MEM_FENCE);
    if (l == 0) {
        float s = 0.0f;
        for (int k = 0; k < GB_LOCAL; k++) s += share[k];
        gb[o] = s;
    }
}
