/* Adaptive pooling (DESIGN.md 1.5): max, average and average excluding
   padding, forward and backward, at fixed, separable and grid positions.

   Tap (ky, kx) of output (i, j) sits at (yb + ky*dh - ph, xb + kx*dw - pw)
   where (yb, xb) is the output's base position: (sh*i, sw*j) on the fixed
   grid, (py[n,i], px[n,j]) when separable, grid[n,i,j,:] otherwise. A tap
   is inside when it lies in [0,H-1] x [0,W-1]; insideness is separable
   (row test and column test), so the divisor of AVG_EXCL is always
   count_rows * count_cols. Nothing here uses atomics: every sum runs in a
   fixed order in one work-item, so results are bit-reproducible. */
#include "bilinear.clh"

#define MODE_MAX 0
#define MODE_AVG 1
#define MODE_AVG_EXCL 2

/* The geometry every kernel receives, in this order (lib/pool_common.c
   sets it with pool_set_geometry). */
#define POOL_GEOMETRY                                                                 \
    int N, int C, int H, int W, int Ho, int Wo, int mode, int kh, int kw, int sh,     \
        int sw, int ph, int pw, int dh, int dw

/* ------------------------------------------------------------- helpers */

inline bool pool_inside(float p, int n) { return p >= 0.0f && p <= (float)(n - 1); }

/* Position of tap t along one axis: one rounding, exact for base
   positions on a 2^-k grid, so every kernel sees the same taps. */
inline float pool_tap(float base, int t, int dil, int pad) { return base + (float)(t * dil - pad); }

/* Number of inside taps along one axis of a window. */
inline int pool_axis_count(float base, int k, int dil, int pad, int n)
{
    int c = 0;
    for (int t = 0; t < k; t++) c += pool_inside(pool_tap(base, t, dil, pad), n) ? 1 : 0;
    return c;
}

/* The recorded winner as a tap index, or -1: a value that is not an
   integer tap index (a caller's garbage, NaN) selects nothing. */
inline int pool_winner(float a, int ntaps)
{
    if (!(a >= 0.0f && a < (float)ntaps) || a != floor(a)) return -1;
    return (int)a;
}

/* The max rule: the first tap wins ties (strict >); a NaN beats numbers so
   that NaN propagates as in PyTorch, and the first NaN stays. */
inline bool pool_better(float v, float best, int win)
{
    return win < 0 || v > best || (isnan(v) && !isnan(best));
}

/* Pools the window of base (yb, xb) over bilinear taps; *win receives the
   max winner (-1 for none or for the average modes). */
inline float pool_window(global const float *plane, int H, int W, float yb, float xb, int mode,
                         int kh, int kw, int ph, int pw, int dh, int dw, int *win)
{
    float acc = 0.0f, best = 0.0f;
    *win = -1;
    for (int ky = 0; ky < kh; ky++) {
        float ty = pool_tap(yb, ky, dh, ph);
        bool in_y = pool_inside(ty, H);
        if (mode != MODE_AVG && !in_y) continue;
        for (int kx = 0; kx < kw; kx++) {
            float tx = pool_tap(xb, kx, dw, pw);
            if (mode != MODE_AVG && !pool_inside(tx, W)) continue;
            float v = bl_value(plane, H, W, ty, tx);
            if (mode != MODE_MAX) {
                acc += v;
            } else if (pool_better(v, best, *win)) {
                best = v;
                *win = ky * kw + kx;
            }
        }
    }
    if (mode == MODE_MAX) return *win >= 0 ? best : 0.0f;
    if (mode == MODE_AVG) return acc / (float)(kh * kw);
    int cnt = pool_axis_count(yb, kh, dh, ph, H) * pool_axis_count(xb, kw, dw, pw, W);
    return acc / (float)max(cnt, 1);
}

/* Sum over the window's counted taps of dX~/dy and dX~/dx (the winner's
   alone for max); the caller scales by g / divisor. */
inline float2 pool_window_grad(global const float *plane, int H, int W, float yb, float xb,
                               int mode, int kh, int kw, int ph, int pw, int dh, int dw, int win)
{
    float2 s = (float2)(0.0f, 0.0f);
    float dy, dx;
    if (mode == MODE_MAX) {
        if (win < 0) return s;
        bl_value_grad(plane, H, W, pool_tap(yb, win / kw, dh, ph), pool_tap(xb, win % kw, dw, pw),
                      &dy, &dx);
        return (float2)(dy, dx);
    }
    for (int ky = 0; ky < kh; ky++) {
        float ty = pool_tap(yb, ky, dh, ph);
        if (mode == MODE_AVG_EXCL && !pool_inside(ty, H)) continue;
        for (int kx = 0; kx < kw; kx++) {
            float tx = pool_tap(xb, kx, dw, pw);
            if (mode == MODE_AVG_EXCL && !pool_inside(tx, W)) continue;
            bl_value_grad(plane, H, W, ty, tx, &dy, &dx);
            s += (float2)(dy, dx);
        }
    }
    return s;
}

/* g / divisor for an average window at base (yb, xb); g for max. */
inline float pool_scale(float g, float yb, float xb, int mode, int kh, int kw, int ph, int pw,
                        int dh, int dw, int H, int W)
{
    if (mode == MODE_MAX) return g;
    if (mode == MODE_AVG) return g / (float)(kh * kw);
    int cnt = pool_axis_count(yb, kh, dh, ph, H) * pool_axis_count(xb, kw, dw, pw, W);
    return g / (float)max(cnt, 1);
}

/* Adds g times each neighbour's bilinear weight into gplane (serial use
   only: one work-item owns the plane). */
inline void pool_scatter(global float *gplane, int H, int W, float y, float x, float g)
{
    int y0, x0;
    float fy, fx;
    if (!bl_axis(y, H, &y0, &fy) || !bl_axis(x, W, &x0, &fx)) return;
    for (int a = 0; a < 2; a++) {
        int yy = y0 + a;
        if (yy < 0 || yy >= H) continue;
        for (int b = 0; b < 2; b++) {
            int xx = x0 + b;
            if (xx < 0 || xx >= W) continue;
            gplane[(long)yy * W + xx] += g * (bl_weight(fy, a) * bl_weight(fx, b));
        }
    }
}

inline void pool_store(global float *y, global float *argmax, long o, float v, int win,
                       int want_y, int want_arg)
{
    if (want_y) y[o] = v;
    if (want_arg) argmax[o] = (float)win;
}

/* -------------------------------------------------------------- forward */

/* One work-item pools one output (n,c,i,j) of the fixed grid with integer
   taps, as PyTorch's max_pool2d / avg_pool2d (ceil_mode false). */
kernel void pool_fixed_forward(global const float *x, POOL_GEOMETRY, global float *y,
                               global float *argmax, int want_y, int want_arg)
{
    long o = get_global_id(0);
    if (o >= (long)N * C * Ho * Wo) return;
    int j = (int)(o % Wo), i = (int)((o / Wo) % Ho);
    global const float *plane = x + (o / ((long)Ho * Wo)) * H * W;
    int y0 = i * sh - ph, x0 = j * sw - pw;
    float acc = 0.0f, best = 0.0f;
    int win = -1, cy = 0, cx = 0;
    for (int ky = 0; ky < kh; ky++) {
        int yy = y0 + ky * dh;
        if (yy < 0 || yy >= H) continue;
        cy++;
        for (int kx = 0; kx < kw; kx++) {
            int xx = x0 + kx * dw;
            if (xx < 0 || xx >= W) continue;
            float v = plane[(long)yy * W + xx];
            if (mode != MODE_MAX) {
                acc += v;
            } else if (pool_better(v, best, win)) {
                best = v;
                win = ky * kw + kx;
            }
        }
    }
    for (int kx = 0; kx < kw; kx++) cx += (x0 + kx * dw >= 0 && x0 + kx * dw < W) ? 1 : 0;
    float v = mode == MODE_MAX ? (win >= 0 ? best : 0.0f)
              : mode == MODE_AVG ? acc / (float)(kh * kw)
                                 : acc / (float)max(cy * cx, 1);
    pool_store(y, argmax, o, v, win, want_y, want_arg);
}

/* One work-item pools one output (n,c,i,j) at separable positions. */
kernel void pool_sep_forward(global const float *x, global const float *py,
                             global const float *px, POOL_GEOMETRY, global float *y,
                             global float *argmax, int want_y, int want_arg)
{
    long o = get_global_id(0);
    if (o >= (long)N * C * Ho * Wo) return;
    int j = (int)(o % Wo), i = (int)((o / Wo) % Ho);
    long nc = o / ((long)Ho * Wo);
    int n = (int)(nc / C);
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

/* ------------------------------------------------------ backward: fixed */

/* One work-item gathers g_x of one input pixel (n,c,h,w) on the fixed
   grid: every (output, tap) pair landing on it, taps in (ky, kx) order. */
kernel void pool_fixed_backward_gx(global const float *gy, global const float *argmax,
                                   POOL_GEOMETRY, global float *gx)
{
    long p = get_global_id(0);
    if (p >= (long)N * C * H * W) return;
    int w = (int)(p % W), h = (int)((p / W) % H);
    long nc = p / ((long)H * W);
    float acc = 0.0f;
    for (int ky = 0; ky < kh; ky++) {
        int t = h + ph - ky * dh;
        if (t < 0) break; /* t falls as ky grows */
        if (t % sh || t / sh >= Ho) continue;
        int i = t / sh;
        for (int kx = 0; kx < kw; kx++) {
            int u = w + pw - kx * dw;
            if (u < 0) break;
            if (u % sw || u / sw >= Wo) continue;
            int j = u / sw;
            long o = (nc * Ho + i) * Wo + j;
            if (mode == MODE_MAX) {
                if (pool_winner(argmax[o], kh * kw) == ky * kw + kx) acc += gy[o];
            } else {
                acc += pool_scale(gy[o], (float)(i * sh), (float)(j * sw), mode, kh, kw, ph, pw,
                                  dh, dw, H, W);
            }
        }
    }
    gx[p] = acc;
}

/* -------------------------------------------------- backward: separable */

/* One work-item builds, for image n and one axis, the counting-sort index
   of the (output line l, tap t, neighbour a) triples whose bilinear
   neighbour a lands on each input line: start (n_in + 1 per image) and
   entries (L*k*2 per image, code (l*k + t)*2 + a): line h holds entries
   [start[h], start[h+1]), ascending. */
kernel void pool_sep_index(global const float *pos, int N, int L, int k, int dil, int pad,
                           int n_in, global int *start, global int *entries)
{
    int n = get_global_id(0);
    if (n >= N) return;
    global int *st = start + (long)n * (n_in + 1);
    global int *en = entries + (long)n * L * k * 2;
    for (int h = 0; h <= n_in; h++) st[h] = 0;
    for (int pass = 0; pass < 2; pass++) {
        /* pass 0 counts per line; pass 1 fills from each line's end
           backwards, walking the triples in reverse so the lines come out
           ascending and st[h] ends at the line's start. */
        for (int e = L * k * 2 - 1; e >= 0; e--) {
            int l = e / (2 * k), t = (e / 2) % k, a = e % 2, i0;
            float f;
            if (!bl_axis(pool_tap(pos[(long)n * L + l], t, dil, pad), n_in, &i0, &f)) continue;
            int line = i0 + a;
            if (line < 0 || line >= n_in) continue;
            if (pass == 0) st[line]++;
            else en[--st[line]] = e;
        }
        if (pass == 0) /* inclusive prefix: st[h] = end of line h */
            for (int h = 1; h <= n_in; h++) st[h] += st[h - 1];
    }
}

/* Decodes an index entry: the output line, the tap, its position and the
   neighbour's bilinear weight. */
inline float pool_entry(int e, global const float *pos, long row, int k, int dil, int pad,
                        int n_in, int *l, int *t, float *w)
{
    *l = e / (2 * k);
    *t = (e / 2) % k;
    float p = pool_tap(pos[row + *l], *t, dil, pad);
    int i0;
    float f;
    bl_axis(p, n_in, &i0, &f); /* valid: the index holds valid taps only */
    *w = bl_weight(f, e % 2);
    return p;
}

/* One work-item gathers g_x of one input pixel (n,c,h,w) at separable
   positions: the rows index times the columns index, in index order. */
kernel void pool_sep_backward_gx(global const float *py, global const float *px,
                                 global const float *gy, global const float *argmax,
                                 global const int *rstart, global const int *rentries,
                                 global const int *cstart, global const int *centries,
                                 POOL_GEOMETRY, global float *gx)
{
    long p = get_global_id(0);
    if (p >= (long)N * C * H * W) return;
    int w = (int)(p % W), h = (int)((p / W) % H);
    long nc = p / ((long)H * W);
    int n = (int)(nc / C);
    global const int *rs = rstart + (long)n * (H + 1), *cs = cstart + (long)n * (W + 1);
    global const int *re = rentries + (long)n * Ho * kh * 2, *ce = centries + (long)n * Wo * kw * 2;
    float acc = 0.0f;
    for (int r = rs[h]; r < rs[h + 1]; r++) {
        int i, ky, j, kx;
        float wy, wx;
        float ty = pool_entry(re[r], py, (long)n * Ho, kh, dh, ph, H, &i, &ky, &wy);
        if (mode != MODE_AVG && !pool_inside(ty, H)) continue;
        for (int q = cs[w]; q < cs[w + 1]; q++) {
            float tx = pool_entry(ce[q], px, (long)n * Wo, kw, dw, pw, W, &j, &kx, &wx);
            if (mode != MODE_AVG && !pool_inside(tx, W)) continue;
            long o = (nc * Ho + i) * Wo + j;
            if (mode == MODE_MAX && pool_winner(argmax[o], kh * kw) != ky * kw + kx) continue;
            float g = pool_scale(gy[o], py[(long)n * Ho + i], px[(long)n * Wo + j], mode, kh, kw,
                                 ph, pw, dh, dw, H, W);
            acc += g * (wy * wx);
        }
    }
    gx[p] = acc;
}

/* One work-item: channel c's share of the position gradient of output row
   l (axis 0, over all columns j) or column l (axis 1, over all rows i) of
   image n, into part[(n*L + l)*C + c]; pool_reduce_channels sums it. */
kernel void pool_sep_grad_pos(global const float *x, global const float *py,
                              global const float *px, global const float *gy,
                              global const float *argmax, POOL_GEOMETRY, int axis,
                              global float *part)
{
    int L = axis ? Wo : Ho, M = axis ? Ho : Wo;
    long o = get_global_id(0);
    if (o >= (long)N * L * C) return;
    int c = (int)(o % C), l = (int)((o / C) % L), n = (int)(o / ((long)C * L));
    long nc = (long)n * C + c;
    global const float *plane = x + nc * H * W;
    float acc = 0.0f;
    for (int m = 0; m < M; m++) {
        int i = axis ? m : l, j = axis ? l : m;
        long oy = (nc * Ho + i) * Wo + j;
        float yb = py[(long)n * Ho + i], xb = px[(long)n * Wo + j];
        int win = mode == MODE_MAX ? pool_winner(argmax[oy], kh * kw) : -1;
        float2 s = pool_window_grad(plane, H, W, yb, xb, mode, kh, kw, ph, pw, dh, dw, win);
        acc += pool_scale(gy[oy], yb, xb, mode, kh, kw, ph, pw, dh, dw, H, W) * (axis ? s.y : s.x);
    }
    part[o] = acc;
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

/* One work-item computes g_grid[n,i,j,:], summing channels in order. */
kernel void pool_grid_grad_pos(global const float *x, global const float *grid,
                               global const float *gy, global const float *argmax,
                               POOL_GEOMETRY, global float *ggrid)
{
    long o = get_global_id(0);
    if (o >= (long)N * Ho * Wo) return;
    long ij = o % ((long)Ho * Wo), n = o / ((long)Ho * Wo);
    float yb = grid[o * 2], xb = grid[o * 2 + 1];
    float2 acc = (float2)(0.0f, 0.0f);
    for (int c = 0; c < C; c++) {
        long nc = n * C + c, oy = nc * Ho * Wo + ij;
        int win = mode == MODE_MAX ? pool_winner(argmax[oy], kh * kw) : -1;
        float2 s = pool_window_grad(x + nc * H * W, H, W, yb, xb, mode, kh, kw, ph, pw, dh, dw,
                                    win);
        acc += pool_scale(gy[oy], yb, xb, mode, kh, kw, ph, pw, dh, dw, H, W) * s;
    }
    ggrid[o * 2] = acc.x;
    ggrid[o * 2 + 1] = acc.y;
}
