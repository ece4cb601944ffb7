#include "ref_pool.h"

#include <math.h>
#include <string.h>

#include "ref_bilinear.h"

static int inside(double p, long n) { return p >= 0 && p <= (double)(n - 1); }

/* The base position of output (n, i, j). */
static void base_of(const ref_pool_dims *s, ref_pool_at at, long n, long i, long j, double *yb,
                    double *xb)
{
    if (at.grid) {
        const double *g = at.grid + ((n * s->Ho + i) * s->Wo + j) * 2;
        *yb = g[0];
        *xb = g[1];
    } else {
        *yb = at.py[n * s->Ho + i];
        *xb = at.px[n * s->Wo + j];
    }
}

/* Is tap (ky,kx) counted by the mode (max and AVG_EXCL: inside only)? */
static int counted(const ref_pool_params *p, const ref_pool_dims *s, double ty, double tx)
{
    return p->mode == 1 || (inside(ty, s->H) && inside(tx, s->W));
}

static long window_count(const ref_pool_params *p, const ref_pool_dims *s, double yb, double xb)
{
    long cnt = 0;
    for (int ky = 0; ky < p->kh; ky++)
        for (int kx = 0; kx < p->kw; kx++)
            cnt += inside(yb - p->ph + ky * p->dh, s->H) && inside(xb - p->pw + kx * p->dw, s->W);
    return cnt;
}

/* Max winner of a window: first tap on ties, NaN beats numbers; -1 when
   no tap is inside. */
static int window_winner(const ref_pool_params *p, const ref_pool_dims *s, const double *plane,
                         double yb, double xb, double *best)
{
    int win = -1;
    *best = 0;
    for (int ky = 0; ky < p->kh; ky++)
        for (int kx = 0; kx < p->kw; kx++) {
            double ty = yb - p->ph + ky * p->dh, tx = xb - p->pw + kx * p->dw;
            if (!counted(p, s, ty, tx)) continue;
            double v = ref_bl_value(plane, s->H, s->W, ty, tx);
            if (win < 0 || v > *best || (isnan(v) && !isnan(*best))) {
                *best = v;
                win = ky * p->kw + kx;
            }
        }
    return win;
}

/* The divisor of an average window (1 for max). */
static double divisor(const ref_pool_params *p, const ref_pool_dims *s, double yb, double xb)
{
    if (p->mode == 0) return 1;
    if (p->mode == 1) return (double)p->kh * p->kw;
    long cnt = window_count(p, s, yb, xb);
    return cnt > 0 ? (double)cnt : 1.0;
}

void ref_pool_forward(const ref_pool_params *p, const ref_pool_dims *s, const double *x,
                      ref_pool_at at, double *y, int *argmax)
{
    for (long n = 0; n < s->N; n++)
        for (long c = 0; c < s->C; c++)
            for (long i = 0; i < s->Ho; i++)
                for (long j = 0; j < s->Wo; j++) {
                    const double *plane = x + (n * s->C + c) * s->H * s->W;
                    long o = ((n * s->C + c) * s->Ho + i) * s->Wo + j;
                    double yb, xb, v = 0;
                    int win = -1;
                    base_of(s, at, n, i, j, &yb, &xb);
                    if (p->mode == 0) {
                        win = window_winner(p, s, plane, yb, xb, &v);
                    } else {
                        for (int ky = 0; ky < p->kh; ky++)
                            for (int kx = 0; kx < p->kw; kx++) {
                                double ty = yb - p->ph + ky * p->dh, tx = xb - p->pw + kx * p->dw;
                                if (counted(p, s, ty, tx))
                                    v += ref_bl_value(plane, s->H, s->W, ty, tx);
                            }
                        v /= divisor(p, s, yb, xb);
                    }
                    y[o] = v;
                    if (argmax) argmax[o] = win;
                }
}

/* Sends coef through tap (ty, tx): to x's four neighbours and to the
   base position (d tap / d base = 1 on each axis). */
static void tap_backward(const ref_pool_dims *s, const double *plane, double *gplane, double ty,
                         double tx, double coef, double *gyb, double *gxb)
{
    double dy, dx;
    ref_bl_value_grad(plane, s->H, s->W, ty, tx, &dy, &dx);
    if (gplane) ref_bl_scatter(gplane, s->H, s->W, ty, tx, coef);
    *gyb += coef * dy;
    *gxb += coef * dx;
}

static void zero(double *v, long n)
{
    if (v) memset(v, 0, (size_t)n * sizeof *v);
}

void ref_pool_backward(const ref_pool_params *p, const ref_pool_dims *s, const double *x,
                       ref_pool_at at, const int *winners, const double *gy, double *gx,
                       double *gpy, double *gpx, double *ggrid)
{
    zero(gx, s->N * s->C * s->H * s->W);
    zero(gpy, s->N * s->Ho);
    zero(gpx, s->N * s->Wo);
    zero(ggrid, s->N * s->Ho * s->Wo * 2);
    for (long n = 0; n < s->N; n++)
        for (long c = 0; c < s->C; c++)
            for (long i = 0; i < s->Ho; i++)
                for (long j = 0; j < s->Wo; j++) {
                    long nc = n * s->C + c, o = (nc * s->Ho + i) * s->Wo + j;
                    const double *plane = x + nc * s->H * s->W;
                    double *gplane = gx ? gx + nc * s->H * s->W : NULL;
                    double yb, xb, gyb = 0, gxb = 0, best;
                    base_of(s, at, n, i, j, &yb, &xb);
                    double coef = gy[o] / divisor(p, s, yb, xb);
                    int win = p->mode != 0 ? -1
                              : winners    ? winners[o]
                                           : window_winner(p, s, plane, yb, xb, &best);
                    for (int ky = 0; ky < p->kh; ky++)
                        for (int kx = 0; kx < p->kw; kx++) {
                            double ty = yb - p->ph + ky * p->dh, tx = xb - p->pw + kx * p->dw;
                            if (p->mode == 0) {
                                if (win != ky * p->kw + kx) continue;
                            } else if (!counted(p, s, ty, tx)) {
                                continue;
                            }
                            tap_backward(s, plane, gplane, ty, tx, coef, &gyb, &gxb);
                        }
                    if (gpy) gpy[n * s->Ho + i] += gyb;
                    if (gpx) gpx[n * s->Wo + j] += gxb;
                    if (ggrid) {
                        ggrid[((n * s->Ho + i) * s->Wo + j) * 2] += gyb;
                        ggrid[((n * s->Ho + i) * s->Wo + j) * 2 + 1] += gxb;
                    }
                }
}

void ref_pool_fixed_positions(long N, long L, int stride, double *pos)
{
    for (long n = 0; n < N; n++)
        for (long i = 0; i < L; i++) pos[n * L + i] = (double)stride * (double)i;
}

/* aten/src/ATen/native/cpu/MaxPoolKernel.cpp, cpu_max_pool: the window
   [ih0, ih1) is clipped to the input by stepping ih0 up by the dilation;
   the scan keeps the first maximum (strict >) unless a NaN comes. */
void ref_torch_max_pool2d(const ref_pool_dims *s, const double *x, int kh, int kw, int sh, int sw,
                          int ph, int pw, int dh, int dw, double *y, long *index)
{
    for (long nc = 0; nc < s->N * s->C; nc++)
        for (long oh = 0; oh < s->Ho; oh++)
            for (long ow = 0; ow < s->Wo; ow++) {
                long ih0 = oh * sh - ph, iw0 = ow * sw - pw;
                long ih1 = ih0 + (long)(kh - 1) * dh + 1, iw1 = iw0 + (long)(kw - 1) * dw + 1;
                if (ih1 > s->H) ih1 = s->H;
                if (iw1 > s->W) iw1 = s->W;
                while (ih0 < 0) ih0 += dh;
                while (iw0 < 0) iw0 += dw;
                long maxindex = ih0 * s->W + iw0;
                double maxval = -INFINITY;
                for (long ih = ih0; ih < ih1; ih += dh)
                    for (long iw = iw0; iw < iw1; iw += dw) {
                        double val = x[nc * s->H * s->W + ih * s->W + iw];
                        if (val > maxval || isnan(val)) {
                            maxval = val;
                            maxindex = ih * s->W + iw;
                        }
                    }
                long o = (nc * s->Ho + oh) * s->Wo + ow;
                y[o] = maxval;
                index[o] = maxindex;
            }
}

/* aten/src/ATen/native/cpu/AvgPoolKernel.cpp, cpu_avg_pool. pool_size is
   the window clipped to the PADDED input: ih1 = min(ih0 + kh, H + ph).
   With ceil_mode false, ih0 + kh = oh*sh - ph + kh <= (Ho-1)*sh - ph + kh
   <= (H + 2ph - kh) - ph + kh = H + ph, so the clip never bites and
   count_include_pad divides by kh*kw, which is what the library does.
   count_include_pad false divides by the window clipped to the input. */
void ref_torch_avg_pool2d(const ref_pool_dims *s, const double *x, int kh, int kw, int sh, int sw,
                          int ph, int pw, int count_include_pad, double *y)
{
    for (long nc = 0; nc < s->N * s->C; nc++)
        for (long oh = 0; oh < s->Ho; oh++)
            for (long ow = 0; ow < s->Wo; ow++) {
                long ih0 = oh * sh - ph, iw0 = ow * sw - pw;
                long ih1 = ih0 + kh < s->H + ph ? ih0 + kh : s->H + ph;
                long iw1 = iw0 + kw < s->W + pw ? iw0 + kw : s->W + pw;
                long pool_size = (ih1 - ih0) * (iw1 - iw0);
                if (ih0 < 0) ih0 = 0;
                if (iw0 < 0) iw0 = 0;
                if (ih1 > s->H) ih1 = s->H;
                if (iw1 > s->W) iw1 = s->W;
                long o = (nc * s->Ho + oh) * s->Wo + ow;
                if (ih0 >= ih1 || iw0 >= iw1) {
                    y[o] = 0;
                    continue;
                }
                double sum = 0;
                for (long ih = ih0; ih < ih1; ih++)
                    for (long iw = iw0; iw < iw1; iw++) sum += x[nc * s->H * s->W + ih * s->W + iw];
                long factor = count_include_pad ? pool_size : (ih1 - ih0) * (iw1 - iw0);
                y[o] = sum / (double)factor;
            }
}
