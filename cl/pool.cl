/* Adaptive pooling (docs/design.md 1.5): max, average and average excluding
   padding, forward and backward, at fixed, separable and grid positions.

   Tap (ky, kx) of output (i, j) sits at (yb + ky*dh - ph, xb + kx*dw - pw)
   where (yb, xb) is the output's base position: (sh*i, sw*j) on the fixed
   grid, (py[n,i], px[n,j]) when separable, grid[n,i,j,:] otherwise. A tap
   is inside when it lies in [0,H-1] x [0,W-1]; insideness is separable
   (row test and column test), so the divisor of AVG_EXCL is always
   count_rows * count_cols. Nothing here uses atomics: every sum runs in a
   fixed order in one work-item, so results are bit-reproducible.

   Which kernels run for which sampling is decided in one place each:
   ads_pool_enqueue_forward (lib/pool/pool_common.c) and run_backward
   (lib/pool/pool_backward.c). In the row shape (CPUs) the fixed and
   separable paths are vectorised over VW output columns and, where
   positions are separable, work an input row at a time (the row cache),
   so each input row is read about once per work-item; the grid path, and
   every path in the pixel shape (GPUs, "pool.item_pixel": the *_pixel
   kernels), keep one output or input element per work-item. */
#include "pool.clh"

/* -------------------------------------------------------------- forward */

/* The fixed and separable forward kernels work on VW consecutive outputs
   of one output row at a time, as explicit vectors (PoCL vectorises
   explicit vector code well and loops of scalar code poorly). The rows of
   a tap are the same for every lane, so the row rule runs once per tap
   row; the columns come per lane. Sums run in (ky, kx) order in every
   path, so the fixed grid and uniform positions agree bit for bit. */
#define VW 16
typedef float16 floatv;
typedef int16 intv;
#define vloadf vload16
#define vloadi vload16
#define convert_floatv convert_float16
#define LANES ((intv)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))

/* clamp and max of intv take vector bounds, never scalar ones: oclgrind
   21.10 (the second OpenCL implementation in CI) returns zeros for
   clamp(int16, int, int) and junk for max(int16, int), forms the
   standard allows and PoCL computes right. */
#define clamp_iv(v, lo, hi) clamp((v), (intv)(lo), (intv)(hi))
#define max_iv(v, lo) max((v), (intv)(lo))

/* row[idx] per lane (idx in range). */
static inline floatv pool_gather(global const float *row, intv idx)
{
    return (floatv)(row[idx.s0], row[idx.s1], row[idx.s2], row[idx.s3], row[idx.s4],
                    row[idx.s5], row[idx.s6], row[idx.s7], row[idx.s8], row[idx.s9],
                    row[idx.sa], row[idx.sb], row[idx.sc], row[idx.sd], row[idx.se],
                    row[idx.sf]);
}

/* The running max / sum of VW outputs. */
typedef struct {
    floatv acc, best;
    intv win;
} pool_lanes;

static inline void pool_lanes_init(pool_lanes *s)
{
    s->acc = (floatv)(0.0f);
    s->best = (floatv)(0.0f);
    s->win = (intv)(-1);
}

/* Adds tap t's values v on the lanes where it counts (ins: inside lanes,
   as a vector mask), with pool_better's rule for max. */
static inline void pool_lanes_add(pool_lanes *s, int mode, floatv v, intv ins, int t)
{
    if (mode == MODE_MAX) {
        intv upd = ins & ((s->win < 0) | (v > s->best) | (isnan(v) & ~isnan(s->best)));
        s->best = select(s->best, v, upd);
        s->win = select(s->win, (intv)(t), upd);
    } else if (mode == MODE_AVG) {
        s->acc += v;
    } else {
        s->acc = select(s->acc, s->acc + v, ins);
    }
}

/* The outputs of the lanes (cx: inside columns per lane, cy: inside rows)
   and their stores; lanes past Wo are dropped. */
static inline void pool_lanes_store(const pool_lanes *s, int mode, int kh, int kw, int cy, intv cx,
                             global float *y, global float *argmax, long o, int n_valid,
                             int want_y, int want_arg)
{
    floatv v = mode == MODE_MAX ? select((floatv)(0.0f), s->best, s->win >= 0)
               : mode == MODE_AVG ? s->acc / (float)(kh * kw)
                                  : s->acc / convert_floatv(max_iv(cy * cx, 1));
    floatv a = convert_floatv(s->win);
    if (n_valid >= VW) {
        if (want_y) vstore16(v, 0, y + o);
        if (want_arg) vstore16(a, 0, argmax + o);
        return;
    }
    float tv[VW], ta[VW];
    vstore16(v, 0, tv);
    vstore16(a, 0, ta);
    for (int l = 0; l < n_valid; l++) pool_store(y, argmax, o + l, tv[l], (int)ta[l], want_y, want_arg);
}

/* One work-item pools VW outputs (n,c,i,j0..j0+VW-1) of the fixed grid
   with integer taps, as PyTorch's max_pool2d / avg_pool2d (ceil_mode
   false). */
kernel void pool_fixed_forward(global const float *x, POOL_GEOMETRY, global float *y,
                               global float *argmax, int want_y, int want_arg)
{
    int nb = (Wo + VW - 1) / VW;
    long id = get_global_id(0);
    if (id >= (long)N * C * Ho * nb) return;
    int j0 = (int)(id % nb) * VW;
    long row = id / nb; /* (n*C + c)*Ho + i */
    int i = (int)(row % Ho);
    global const float *plane = x + (row / Ho) * H * W;
    intv xb = (j0 + LANES) * sw - pw;
    pool_lanes s;
    pool_lanes_init(&s);
    int cy = 0;
    for (int ky = 0; ky < kh; ky++) {
        int yy = i * sh - ph + ky * dh;
        if (yy < 0 || yy >= H) continue; /* every mode adds nothing here */
        cy++;
        global const float *r = plane + (long)yy * W;
        for (int kx = 0; kx < kw; kx++) {
            intv xx = xb + kx * dw, ins = xx >= 0 & xx < W;
            floatv v = select((floatv)(0.0f), pool_gather(r, clamp_iv(xx, 0, W - 1)), ins);
            pool_lanes_add(&s, mode, v, ins, ky * kw + kx);
        }
    }
    intv cx = 0;
    for (int kx = 0; kx < kw; kx++) cx -= (xb + kx * dw >= 0) & (xb + kx * dw < W);
    pool_lanes_store(&s, mode, kh, kw, cy, cx, y, argmax, row * Wo + j0, Wo - j0, want_y,
                     want_arg);
}

/* Pixel shape of pool_fixed_forward (GPUs, "pool.item_pixel"): one
   work-item pools one output o = ((n*C + c)*Ho + i)*Wo + j =
   get_global_id(0), so neighbouring work-items read neighbouring input
   columns (stride sw) and write neighbouring outputs, where the vector
   kernel puts VW outputs between them. The same taps, the same (ky, kx)
   order and the same operations as one lane of pool_fixed_forward
   (zeros added for the average's outside columns included), so both
   shapes give the same bits. */
kernel void pool_fixed_forward_pixel(global const float *x, POOL_GEOMETRY, global float *y,
                                     global float *argmax, int want_y, int want_arg)
{
    long o = get_global_id(0);
    if (o >= (long)N * C * Ho * Wo) return;
    long row = o / Wo; /* (n*C + c)*Ho + i */
    int j = (int)(o - row * Wo), i = (int)(row % Ho);
    global const float *plane = x + (row / Ho) * H * W;
    int xb = j * sw - pw, cy = 0, cx = 0, win = -1;
    float acc = 0.0f, best = 0.0f;
    for (int ky = 0; ky < kh; ky++) {
        int yy = i * sh - ph + ky * dh;
        if (yy < 0 || yy >= H) continue; /* every mode adds nothing here */
        cy++;
        global const float *r = plane + (long)yy * W;
        for (int kx = 0; kx < kw; kx++) {
            int xx = xb + kx * dw;
            bool ins = xx >= 0 && xx < W;
            float v = ins ? r[xx] : 0.0f;
            if (mode == MODE_MAX) {
                if (ins && pool_better(v, best, win)) {
                    best = v;
                    win = ky * kw + kx;
                }
            } else if (mode == MODE_AVG || ins) {
                acc += v;
            }
        }
    }
    for (int kx = 0; kx < kw; kx++) cx += xb + kx * dw >= 0 && xb + kx * dw < W ? 1 : 0;
    float v = mode == MODE_MAX ? (win >= 0 ? best : 0.0f)
              : mode == MODE_AVG ? acc / (float)(kh * kw)
                                 : acc / (float)max(cy * cx, 1);
    pool_store(y, argmax, o, v, win, want_y, want_arg);
}

/* The column table of separable sampling, three planes of N*kw*Wp ints:
   x0 (the left neighbour of the tap, -2 when the tap reads 0), the
   fraction (float bits) and 1 when the tap is inside. Columns Wo..Wp-1
   pad the rows to whole vectors and read 0. fixed_sw > 0 builds it for
   the fixed grid (column j at fixed_sw * j; px unused). One work-item:
   column tap kx of output column j of image n. */
kernel void pool_sep_col_table(global const float *px, int fixed_sw, int N, int W, int Wo,
                               int Wp, int kw, int dw, int pw, global int *tab)
{
    long id = get_global_id(0), P = (long)N * kw * Wp;
    if (id >= P) return;
    int j = (int)(id % Wp), kx = (int)((id / Wp) % kw), n = (int)(id / ((long)Wp * kw));
    int x0 = -2, in = 0;
    float f = 0.0f;
    if (j < Wo) {
        float xb = fixed_sw ? (float)(j * fixed_sw) : px[(long)n * Wo + j];
        float t = pool_tap(xb, kx, dw, pw);
        int i0;
        float fr;
        if (bl_axis(t, W, &i0, &fr)) {
            x0 = i0;
            f = fr;
        }
        in = pool_inside(t, W) ? 1 : 0;
    }
    tab[id] = x0;
    tab[P + id] = as_int(f);
    tab[2 * P + id] = in;
}

/* Row y0 + a of a plane (clamped), and whether it is inside. */
static inline global const float *pool_row(global const float *plane, int H, int W, int yy, bool *ok)
{
    *ok = yy >= 0 && yy < H;
    return plane + (long)clamp(yy, 0, H - 1) * W;
}

/* One work-item pools VW outputs (n,c,i,j0..j0+VW-1) at separable
   positions: the tap rows from py once per tap row (bl_axis), the tap
   columns from the table (pool_sep_col_table), blended per lane in
   bl_blend's order. */
kernel void pool_sep_forward(global const float *x, global const float *py,
                             global const int *tab, int Wp, POOL_GEOMETRY, global float *y,
                             global float *argmax, int want_y, int want_arg)
{
    int nb = Wp / VW;
    long id = get_global_id(0);
    if (id >= (long)N * C * Ho * nb) return;
    int j0 = (int)(id % nb) * VW;
    long row = id / nb;
    int i = (int)(row % Ho);
    long nc = row / Ho, P = (long)N * kw * Wp;
    int n = (int)(nc / C);
    global const float *plane = x + nc * H * W;
    global const int *t0 = tab + (long)n * kw * Wp + j0;
    global const float *tf = (global const float *)(tab + P) + (long)n * kw * Wp + j0;
    global const int *tin = tab + 2 * P + (long)n * kw * Wp + j0;
    float yb = py[(long)n * Ho + i];
    pool_lanes s;
    pool_lanes_init(&s);
    int cy = 0;
    for (int ky = 0; ky < kh; ky++) {
        float ty = pool_tap(yb, ky, dh, ph);
        bool in_y = pool_inside(ty, H);
        cy += in_y ? 1 : 0;
        int y0;
        float fy;
        /* A tap that reads 0 adds nothing to any mode (acc + 0 == acc). */
        if ((mode != MODE_AVG && !in_y) || !bl_axis(ty, H, &y0, &fy)) continue;
        bool ok0, ok1;
        global const float *r0 = pool_row(plane, H, W, y0, &ok0);
        global const float *r1 = pool_row(plane, H, W, y0 + 1, &ok1);
        for (int kx = 0; kx < kw; kx++) {
            intv x0 = vloadi(0, t0 + kx * Wp), ins = -vloadi(0, tin + kx * Wp);
            floatv fx = vloadf(0, tf + kx * Wp);
            intv m0 = x0 >= 0, m1 = x0 >= -1 & x0 + 1 < W;
            intv c0 = clamp_iv(x0, 0, W - 1), c1 = clamp_iv(x0 + 1, 0, W - 1);
            floatv z = (floatv)(0.0f), v00 = z, v01 = z, v10 = z, v11 = z;
            if (ok0) {
                v00 = select(z, pool_gather(r0, c0), m0);
                v01 = select(z, pool_gather(r0, c1), m1);
            }
            if (ok1) {
                v10 = select(z, pool_gather(r1, c0), m0);
                v11 = select(z, pool_gather(r1, c1), m1);
            }
            /* bl_blend, lane by lane. */
            floatv v = (1.0f - fy) * ((1.0f - fx) * v00 + fx * v01) +
                       fy * ((1.0f - fx) * v10 + fx * v11);
            pool_lanes_add(&s, mode, v, ins, ky * kw + kx);
        }
    }
    intv cx = 0;
    for (int kx = 0; kx < kw; kx++) cx += vloadi(0, tin + kx * Wp);
    pool_lanes_store(&s, mode, kh, kw, cy, cx, y, argmax, row * Wo + j0, Wo - j0, want_y,
                     want_arg);
}

/* The row-cached separable forward. A tap's value is bl_blend's column
   part on its two input rows, then their row blend; the column part of an
   input row depends on nothing but the row, so each work-item keeps the
   column parts of the last POOL_SLOTS input rows it used (slot yy mod
   POOL_SLOTS) and reads every needed input row about once for all its
   output rows, instead of four corners per tap. */
#define POOL_SLOTS 8
#define POOL_ROWS 8

/* Where the row caches live: local memory by default, one share per
   work-item of the group; built with -DPOOL_SCRATCH_GLOBAL, a global
   workspace with one share per work-item of the launch, for shapes whose
   cache does not fit the device's local memory (a 32 KiB device holds
   the position-gradient cache of no more than about Wo = 112 columns). */
#ifdef POOL_SCRATCH_GLOBAL
#define scratch_space global
#define SCRATCH_SHARE get_global_id(0)
#else
#define scratch_space local
#define SCRATCH_SHARE get_local_id(0)
#endif

/* dst[kx*Wp + j] = the column part of input row r at column tap (j, kx):
   (1 - fx) * r[x0] + fx * r[x0 + 1], zero outside the row. With parts == 2
   also its x-derivative r[x0 + 1] - r[x0] at dst[(kw + kx)*Wp + j]. */
static inline void pool_blend_row(global const float *r, int W, int kw, int Wp, global const int *t0,
                           global const float *tf, int parts, scratch_space float *dst)
{
    for (int e = 0; e < kw * Wp; e += VW) {
        intv x0 = vloadi(0, t0 + e);
        floatv fx = vloadf(0, tf + e), z = (floatv)(0.0f);
        floatv v0 = select(z, pool_gather(r, clamp_iv(x0, 0, W - 1)), x0 >= 0);
        floatv v1 = select(z, pool_gather(r, clamp_iv(x0 + 1, 0, W - 1)), x0 >= -1 & x0 + 1 < W);
        vstore16((1.0f - fx) * v0 + fx * v1, 0, dst + e);
        if (parts == 2) vstore16(v1 - v0, 0, dst + kw * Wp + e);
    }
}

/* The column parts of input row yy (inside the plane), from the cache or
   computed into it; a slot holds parts*kw*Wp floats. */
static inline scratch_space const float *pool_cached_row(global const float *plane, int yy, int W,
                                                        int kw, int Wp, global const int *t0,
                                                        global const float *tf, int parts,
                                                        scratch_space float *cache, int *tag)
{
    int slot = yy & (POOL_SLOTS - 1);
    scratch_space float *dst = cache + slot * parts * kw * Wp;
    if (tag[slot] != yy) {
        pool_blend_row(plane + (long)yy * W, W, kw, Wp, t0, tf, parts, dst);
        tag[slot] = yy;
    }
    return dst;
}

/* One work-item pools POOL_ROWS output rows (n,c,i0..i0+POOL_ROWS-1), all
   columns, at separable positions. Its share of `scratch`: the row cache
   (POOL_SLOTS*kw*Wp floats), then the running max/sum and winners of the
   current output row (Wp floats, Wp ints). */
kernel void pool_sep_forward_rows(global const float *x, global const float *py,
                                  global const int *tab, int Wp, POOL_GEOMETRY,
                                  global float *y, global float *argmax, int want_y,
                                  int want_arg, scratch_space float *scratch)
{
    int nrb = (Ho + POOL_ROWS - 1) / POOL_ROWS;
    long id = get_global_id(0);
    if (id >= (long)N * C * nrb) return;
    int i0 = (int)(id % nrb) * POOL_ROWS;
    long nc = id / nrb, P = (long)N * kw * Wp;
    int n = (int)(nc / C);
    global const float *plane = x + nc * H * W;
    global const int *t0 = tab + (long)n * kw * Wp;
    global const float *tf = (global const float *)(tab + P) + (long)n * kw * Wp;
    global const int *tin = tab + 2 * P + (long)n * kw * Wp;
    scratch_space float *cache = scratch + SCRATCH_SHARE * (long)(POOL_SLOTS * kw + 2) * Wp;
    scratch_space float *run = cache + POOL_SLOTS * kw * Wp;
    scratch_space int *wins = (scratch_space int *)(run + Wp);
    int tag[POOL_SLOTS];
    for (int k = 0; k < POOL_SLOTS; k++) tag[k] = -1;
    for (int i = i0; i < min(i0 + POOL_ROWS, Ho); i++) {
        for (int j0 = 0; j0 < Wp; j0 += VW) {
            vstore16((floatv)(0.0f), 0, run + j0);
            vstore16((intv)(-1), 0, wins + j0);
        }
        float yb = py[(long)n * Ho + i];
        int cy = 0;
        for (int ky = 0; ky < kh; ky++) {
            float ty = pool_tap(yb, ky, dh, ph);
            bool in_y = pool_inside(ty, H);
            cy += in_y ? 1 : 0;
            int y0;
            float fy;
            if ((mode != MODE_AVG && !in_y) || !bl_axis(ty, H, &y0, &fy)) continue;
            bool ok0 = y0 >= 0, ok1 = y0 + 1 < H;
            scratch_space const float *h0 =
                ok0 ? pool_cached_row(plane, y0, W, kw, Wp, t0, tf, 1, cache, tag) : run;
            scratch_space const float *h1 =
                ok1 ? pool_cached_row(plane, y0 + 1, W, kw, Wp, t0, tf, 1, cache, tag) : run;
            for (int j0 = 0; j0 < Wp; j0 += VW) {
                pool_lanes s;
                s.acc = s.best = vloadf(0, run + j0);
                s.win = vloadi(0, wins + j0);
                for (int kx = 0; kx < kw; kx++) {
                    floatv z = (floatv)(0.0f);
                    floatv a = ok0 ? vloadf(0, h0 + kx * Wp + j0) : z;
                    floatv b = ok1 ? vloadf(0, h1 + kx * Wp + j0) : z;
                    intv ins = -vloadi(0, tin + kx * Wp + j0);
                    pool_lanes_add(&s, mode, (1.0f - fy) * a + fy * b, ins, ky * kw + kx);
                }
                vstore16(mode == MODE_MAX ? s.best : s.acc, 0, run + j0);
                vstore16(s.win, 0, wins + j0);
            }
        }
        for (int j0 = 0; j0 < Wp; j0 += VW) {
            pool_lanes s;
            s.acc = s.best = vloadf(0, run + j0);
            s.win = vloadi(0, wins + j0);
            intv cx = 0;
            for (int kx = 0; kx < kw; kx++) cx += vloadi(0, tin + kx * Wp + j0);
            pool_lanes_store(&s, mode, kh, kw, cy, cx, y, argmax, (nc * Ho + i) * Wo + j0,
                             Wo - j0, want_y, want_arg);
        }
    }
}

/* Pixel shape of the separable forward (GPUs, "pool.item_pixel"): one
   work-item pools one output o = ((n*C + c)*Ho + i)*Wo + j =
   get_global_id(0) at (py[n,i], px[n,j]), as pool_grid_forward does at a
   grid position: neighbouring work-items read neighbouring columns and
   write neighbouring outputs, with one output's registers each where
   the row shape holds VW lanes and a row cache. */
kernel void pool_sep_forward_pixel(global const float *x, global const float *py,
                                   global const float *px, POOL_GEOMETRY, global float *y,
                                   global float *argmax, int want_y, int want_arg)
{
    long o = get_global_id(0);
    if (o >= (long)N * C * Ho * Wo) return;
    long row = o / Wo, nc = row / Ho;
    int j = (int)(o - row * Wo), i = (int)(row - nc * Ho), n = (int)(nc / C);
    int win;
    float v = pool_window(x + nc * H * W, H, W, py[(long)n * Ho + i], px[(long)n * Wo + j], mode,
                          kh, kw, ph, pw, dh, dw, &win);
    pool_store(y, argmax, o, v, win, want_y, want_arg);
}

/* One work-item pools one output (n,c,i,j) at grid[n,i,j] = (y, x). */
kernel void pool_grid_forward(global const float *x, global const float *grid, POOL_GEOMETRY,
                              global float *y, global float *argmax, int want_y, int want_arg)
{
    long o = get_global_id(0);
    if (o >= (long)N * C * Ho * Wo) return;
    long ij = o % ((long)Ho * Wo), nc = o / ((long)Ho * Wo);
    global const float *at = grid + ((nc / C) * Ho * Wo + ij) * 2;
    int win;
    float v = pool_window(x + nc * H * W, H, W, at[0], at[1], mode, kh, kw, ph, pw, dh, dw, &win);
    pool_store(y, argmax, o, v, win, want_y, want_arg);
}

/* --------------------------------------- backward: fixed and separable */

/* dst[w] += a * t[w] over one row. */
static inline void pool_add_row(global float *dst, global const float *t, float a, int W)
{
    int w = 0;
    for (; w + VW <= W; w += VW) vstore16(vloadf(0, dst + w) + a * vloadf(0, t + w), 0, dst + w);
    for (; w < W; w++) dst[w] += a * t[w];
}

static inline void pool_zero(global float *p, long n)
{
    long q = 0;
    for (; q + VW <= n; q += VW) vstore16((floatv)(0.0f), 0, p + q);
    for (; q < n; q++) p[q] = 0.0f;
}

/* t[x0] += g * (1 - fx), t[x0 + 1] += g * fx for column tap e of the
   table (x0 == -2: the tap reads 0). */
static inline void pool_add_col(global float *t, global const int *t0, global const float *tf, int e,
                         int W, float g)
{
    int x0 = t0[e];
    float fx = tf[e];
    if (x0 >= 0) t[x0] += g * bl_weight(fx, 0);
    if (x0 >= -1 && x0 + 1 < W) t[x0 + 1] += g * bl_weight(fx, 1);
}

/* One work-item owns g_x of plane (n,c), on the fixed grid (fixed != 0:
   row i at sh*i, column j at sw*j) or at separable positions: it zeroes
   the plane, then adds each output row's gradient, rows in order, in two
   separable steps. First the column adjoint of the row: t (this plane's
   share of trow: kh rows of W floats for max, one row for the averages)
   gathers each output's g through the column table (pool_sep_col_table);
   max puts it in the winner's tap row and column only. Then each tap row
   ky adds its t row to its two neighbour rows of g_x, contiguously: work
   per output row (Wo*kw + kh*W) instead of per tap and pixel. Serial per
   plane, hence deterministic without atomics. */
kernel void pool_rows_backward_gx(global const float *py, global const int *tab, int Wp,
                                  int fixed, global const float *gy, global const float *argmax,
                                  POOL_GEOMETRY, global float *trow, global float *gx)
{
    long nc = get_global_id(0);
    if (nc >= (long)N * C) return;
    int n = (int)(nc / C), nt = mode == MODE_MAX ? kh : 1;
    long P = (long)N * kw * Wp;
    global const int *t0 = tab + (long)n * kw * Wp;
    global const float *tf = (global const float *)(tab + P) + (long)n * kw * Wp;
    global const int *tin = tab + 2 * P + (long)n * kw * Wp;
    global float *gp = gx + nc * H * W, *t = trow + nc * nt * W;
    pool_zero(gp, (long)H * W);
    for (int i = 0; i < Ho; i++) {
        float yb = fixed ? (float)(i * sh) : py[(long)n * Ho + i];
        long o = (nc * Ho + i) * Wo;
        int cy = pool_axis_count(yb, kh, dh, ph, H);
        pool_zero(t, (long)nt * W);
        for (int j = 0; j < Wo; j++) {
            if (mode == MODE_MAX) {
                int win = pool_winner(argmax[o + j], kh * kw);
                if (win >= 0) pool_add_col(t + (win / kw) * W, t0, tf, (win % kw) * Wp + j, W, gy[o + j]);
                continue;
            }
            int cx = 0;
            for (int kx = 0; kx < kw; kx++) cx += tin[kx * Wp + j];
            /* pool_scale's divisors */
            float g = mode == MODE_AVG ? gy[o + j] / (float)(kh * kw)
                                       : gy[o + j] / (float)max(cy * cx, 1);
            for (int kx = 0; kx < kw; kx++)
                if (mode == MODE_AVG || tin[kx * Wp + j]) pool_add_col(t, t0, tf, kx * Wp + j, W, g);
        }
        for (int ky = 0; ky < kh; ky++) {
            float ty = pool_tap(yb, ky, dh, ph);
            int y0;
            float fy;
            /* Max winners and excluded-padding taps are inside. */
            if ((mode != MODE_AVG && !pool_inside(ty, H)) || !bl_axis(ty, H, &y0, &fy)) continue;
            global const float *tr = t + (mode == MODE_MAX ? ky * W : 0);
            if (y0 >= 0) pool_add_row(gp + (long)y0 * W, tr, bl_weight(fy, 0), W);
            if (y0 + 1 < H) pool_add_row(gp + (long)(y0 + 1) * W, tr, bl_weight(fy, 1), W);
        }
    }
}

/* Pixel shape of pool_rows_backward_gx on the fixed grid (GPUs,
   "pool.item_pixel"): one work-item owns g_x[n,c,yy,xx] (o =
   (n*C + c)*H*W + yy*W + xx = get_global_id(0)) and sums the gradients of
   the outputs whose taps land on it, where pool_rows_backward_gx has one
   work-item per plane. Integer taps have weight 1 and their neighbour
   weight 0, so the row kernel's sum at (yy, xx) is, output row i
   ascending, the tap row ky = (yy + ph - i*sh) / dh's share, each share
   summed over the output columns j ascending: i ascending is ky
   descending and j ascending kx descending, which is the order here,
   and the same divisors, so both shapes give the same bits (for finite
   gradients: the row kernel also adds 0 * g to the neighbours). */
kernel void pool_fixed_backward_gx_pixel(global const float *gy, global const float *argmax,
                                         POOL_GEOMETRY, global float *gx)
{
    long o = get_global_id(0);
    if (o >= (long)N * C * H * W) return;
    long nc = o / ((long)H * W), yx = o - nc * H * W;
    int yy = (int)(yx / W), xx = (int)(yx - (long)yy * W);
    float s = 0.0f;
    for (int ky = kh - 1; ky >= 0; ky--) {
        int ty = yy + ph - ky * dh; /* = i * sh */
        if (ty < 0 || ty % sh != 0 || ty / sh >= Ho) continue;
        int i = ty / sh, cy = pool_axis_count((float)(i * sh), kh, dh, ph, H);
        float t = 0.0f;
        for (int kx = kw - 1; kx >= 0; kx--) {
            int tx = xx + pw - kx * dw; /* = j * sw */
            if (tx < 0 || tx % sw != 0 || tx / sw >= Wo) continue;
            int j = tx / sw;
            long q = (nc * Ho + i) * Wo + j;
            if (mode == MODE_MAX) {
                if (pool_winner(argmax[q], kh * kw) == ky * kw + kx) t += gy[q];
                continue;
            }
            int cx = pool_axis_count((float)(j * sw), kw, dw, pw, W);
            t += mode == MODE_AVG ? gy[q] / (float)(kh * kw) : gy[q] / (float)max(cy * cx, 1);
        }
        s += t;
    }
    gx[o] = s;
}

/* One work-item: plane (n,c) = first + its global index, its share of
   both position gradients at separable positions: for output row i the sum over j of g * dX~/dy into
   prow[(n*Ho + i)*C + c], for column j the sum over i of g * dX~/dx into
   pcol[(n*Wo + j)*C + c]; pool_reduce_channels sums the channels. The
   derivatives come from the row cache of pool_sep_forward_rows with both
   parts: dX~/dy = H[y0+1] - H[y0] and dX~/dx = (1-fy) D[y0] + fy D[y0+1]
   (H the column part, D its x-derivative), VW outputs at a time. Its share
   of `scratch`: the cache (POOL_SLOTS*2*kw*Wp floats), then the column
   sums (Wp floats). */
kernel void pool_sep_grad_pos(global const float *x, global const float *py,
                              global const int *tab, int Wp, global const float *gy,
                              global const float *argmax, POOL_GEOMETRY, global float *prow,
                              global float *pcol, scratch_space float *scratch, int first)
{
    long nc = first + get_global_id(0);
    if (nc >= (long)N * C) return;
    int n = (int)(nc / C), c = (int)(nc % C);
    long P = (long)N * kw * Wp;
    global const float *plane = x + nc * H * W;
    global const int *t0 = tab + (long)n * kw * Wp;
    global const float *tf = (global const float *)(tab + P) + (long)n * kw * Wp;
    global const int *tin = tab + 2 * P + (long)n * kw * Wp;
    scratch_space float *cache = scratch + SCRATCH_SHARE * (long)(POOL_SLOTS * 2 * kw + 1) * Wp;
    scratch_space float *colsum = cache + POOL_SLOTS * 2 * kw * Wp;
    int tag[POOL_SLOTS];
    for (int k = 0; k < POOL_SLOTS; k++) tag[k] = -1;
    for (int j0 = 0; j0 < Wp; j0 += VW) vstore16((floatv)(0.0f), 0, colsum + j0);
    for (int i = 0; i < Ho; i++) {
        float yb = py[(long)n * Ho + i];
        int cy = pool_axis_count(yb, kh, dh, ph, H);
        float rowsum = 0.0f;
        for (int j0 = 0; j0 < Wp; j0 += VW) {
            long o = (nc * Ho + i) * Wo + j0;
            int nv = min(Wo - j0, VW);
            float gl[VW], wl[VW];
            for (int l = 0; l < VW; l++) {
                gl[l] = l < nv ? gy[o + l] : 0.0f;
                wl[l] = l < nv && mode == MODE_MAX ? (float)pool_winner(argmax[o + l], kh * kw)
                                                   : -1.0f;
            }
            floatv g = vloadf(0, gl);
            intv win = convert_int16(vloadf(0, wl)), cx = 0;
            for (int kx = 0; kx < kw; kx++) cx += vloadi(0, tin + kx * Wp + j0);
            /* pool_scale's divisors */
            if (mode == MODE_AVG) g = g / (float)(kh * kw);
            if (mode == MODE_AVG_EXCL) g = g / convert_floatv(max_iv(cy * cx, 1));
            floatv sdy = (floatv)(0.0f), sdx = (floatv)(0.0f);
            for (int ky = 0; ky < kh; ky++) {
                float ty = pool_tap(yb, ky, dh, ph);
                int y0;
                float fy;
                if ((mode != MODE_AVG && !pool_inside(ty, H)) || !bl_axis(ty, H, &y0, &fy))
                    continue;
                bool ok0 = y0 >= 0, ok1 = y0 + 1 < H;
                scratch_space const float *h0 =
                    ok0 ? pool_cached_row(plane, y0, W, kw, Wp, t0, tf, 2, cache, tag) : colsum;
                scratch_space const float *h1 =
                    ok1 ? pool_cached_row(plane, y0 + 1, W, kw, Wp, t0, tf, 2, cache, tag)
                        : colsum;
                for (int kx = 0; kx < kw; kx++) {
                    floatv z = (floatv)(0.0f);
                    floatv a = ok0 ? vloadf(0, h0 + kx * Wp + j0) : z;
                    floatv b = ok1 ? vloadf(0, h1 + kx * Wp + j0) : z;
                    floatv da = ok0 ? vloadf(0, h0 + (kw + kx) * Wp + j0) : z;
                    floatv db = ok1 ? vloadf(0, h1 + (kw + kx) * Wp + j0) : z;
                    intv use = mode == MODE_MAX ? win == ky * kw + kx
                               : mode == MODE_AVG ? (intv)(-1)
                                                  : -vloadi(0, tin + kx * Wp + j0);
                    sdy += select(z, b - a, use);
                    sdx += select(z, (1.0f - fy) * da + fy * db, use);
                }
            }
            floatv gy_dy = g * sdy;
            vstore16(vloadf(0, colsum + j0) + g * sdx, 0, colsum + j0);
            float part[VW];
            vstore16(gy_dy, 0, part);
            for (int l = 0; l < nv; l++) rowsum += part[l];
        }
        prow[((long)n * Ho + i) * C + c] = rowsum;
    }
    for (int j = 0; j < Wo; j++) pcol[((long)n * Wo + j) * C + c] = colsum[j];
}

/* One work-item sums the C partials of one row of part into out. */
kernel void pool_reduce_channels(global const float *part, long R, int C, global float *out)
{
    long r = get_global_id(0);
    if (r >= R) return;
    float acc = 0.0f;
    for (int c = 0; c < C; c++) acc += part[r * C + c];
    out[r] = acc;
}

/* ------------------------------------------------------- backward: grid */

/* One work-item owns the plane (n,c) of g_x: zeroes it, then scatters
   every output's gradient to its taps' neighbours in (i, j, ky, kx) order
   (serial, hence deterministic without atomics). */
kernel void pool_grid_backward_gx(global const float *grid, global const float *gy,
                                  global const float *argmax, POOL_GEOMETRY, global float *gx)
{
    long nc = get_global_id(0);
    if (nc >= (long)N * C) return;
    global float *gplane = gx + nc * H * W;
    for (long q = 0; q < (long)H * W; q++) gplane[q] = 0.0f;
    for (long ij = 0; ij < (long)Ho * Wo; ij++) {
        long o = nc * Ho * Wo + ij;
        global const float *at = grid + ((nc / C) * Ho * Wo + ij) * 2;
        float yb = at[0], xb = at[1];
        float g = pool_scale(gy[o], yb, xb, mode, kh, kw, ph, pw, dh, dw, H, W);
        if (mode == MODE_MAX) {
            int win = pool_winner(argmax[o], kh * kw);
            if (win >= 0)
                pool_scatter(gplane, H, W, pool_tap(yb, win / kw, dh, ph),
                             pool_tap(xb, win % kw, dw, pw), g);
            continue;
        }
        for (int ky = 0; ky < kh; ky++) {
            float ty = pool_tap(yb, ky, dh, ph);
            if (mode == MODE_AVG_EXCL && !pool_inside(ty, H)) continue;
            for (int kx = 0; kx < kw; kx++) {
                float tx = pool_tap(xb, kx, dw, pw);
                if (mode == MODE_AVG_EXCL && !pool_inside(tx, W)) continue;
                pool_scatter(gplane, H, W, ty, tx, g);
            }
        }
    }
}

/* The gradient in the base position (yb, xb) of output pixel ij of
   image n: every channel's, summed in channel order. */
static inline float2 pool_position_grad(global const float *x, global const float *gy,
                                        global const float *argmax, long n, long ij, float yb,
                                        float xb, POOL_GEOMETRY)
{
    float2 acc = (float2)(0.0f, 0.0f);
    for (int c = 0; c < C; c++) {
        long nc = n * C + c, oy = nc * Ho * Wo + ij;
        int win = mode == MODE_MAX ? pool_winner(argmax[oy], kh * kw) : -1;
        float2 s = pool_window_grad(x + nc * H * W, H, W, yb, xb, mode, kh, kw, ph, pw, dh, dw,
                                    win);
        acc += pool_scale(gy[oy], yb, xb, mode, kh, kw, ph, pw, dh, dw, H, W) * s;
    }
    return acc;
}

/* One work-item computes g_grid[n,i,j,:] (o = (n*Ho + i)*Wo + j). */
kernel void pool_grid_grad_pos(global const float *x, global const float *grid,
                               global const float *gy, global const float *argmax,
                               POOL_GEOMETRY, global float *ggrid)
{
    long o = get_global_id(0);
    if (o >= (long)N * Ho * Wo) return;
    long ij = o % ((long)Ho * Wo), n = o / ((long)Ho * Wo);
    float2 g = pool_position_grad(x, gy, argmax, n, ij, grid[o * 2], grid[o * 2 + 1], N, C, H, W,
                                  Ho, Wo, mode, kh, kw, sh, sw, ph, pw, dh, dw);
    ggrid[o * 2] = g.x;
    ggrid[o * 2 + 1] = g.y;
}

/* Pixel shape of the separable position gradients (GPUs,
   "pool.item_pixel"), pass 1: one work-item computes output (n, i, j)'s
   share (o = (n*Ho + i)*Wo + j) as pool_grid_grad_pos does at
   (py[n,i], px[n,j]), into part[o*2] (its py share) and part[o*2 + 1]
   (its px share). */
kernel void pool_sep_grad_pos_pixel(global const float *x, global const float *py,
                                    global const float *px, global const float *gy,
                                    global const float *argmax, POOL_GEOMETRY,
                                    global float *part)
{
    long o = get_global_id(0);
    if (o >= (long)N * Ho * Wo) return;
    long row = o / Wo, n = row / Ho;
    long j = o - row * Wo, ij = o - n * Ho * Wo;
    float2 g = pool_position_grad(x, gy, argmax, n, ij, py[row], px[n * Wo + j], N, C, H, W, Ho,
                                  Wo, mode, kh, kw, sh, sw, ph, pw, dh, dw);
    part[o * 2] = g.x;
    part[o * 2 + 1] = g.y;
}

/* Pass 2: one work-item r sums the shares of one position in order:
   gpy[n,i] over j (r = n*Ho + i < N*Ho), gpx[n,j] over i (r - N*Ho =
   n*Wo + j); has_py / has_px say which are asked for. */
kernel void pool_sep_sum_pos(global const float *part, int N, int Ho, int Wo,
                             global float *gpy, int has_py, global float *gpx, int has_px)
{
    long r = get_global_id(0), rows = (long)N * Ho;
    if (r >= rows + (long)N * Wo) return;
    float s = 0.0f;
    if (r < rows) {
        if (!has_py) return;
        for (int j = 0; j < Wo; j++) s += part[(r * Wo + j) * 2];
        gpy[r] = s;
        return;
    }
    if (!has_px) return;
    long n = (r - rows) / Wo, j = (r - rows) % Wo;
    for (int i = 0; i < Ho; i++) s += part[((n * Ho + i) * Wo + j) * 2 + 1];
    gpx[r - rows] = s;
}
