#include "ref_gconv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ref_bilinear.h"

/* Tap (ky,kx) of output (i,j) of image n, row y and column x. */
static void tap(const ref_gconv_shape *s, ref_gconv_at at, long n, long i, long j, int ky, int kx,
                double *y, double *x)
{
    double py, px;
    if (at.grid) {
        py = at.grid[((n * s->Ho + i) * s->Wo + j) * 2];
        px = at.grid[((n * s->Ho + i) * s->Wo + j) * 2 + 1];
    } else if (at.py) {
        py = at.py[n * s->Ho + i];
        px = at.px[n * s->Wo + j];
    } else {
        py = (double)s->sh * i;
        px = (double)s->sw * j;
    }
    *y = py - s->ph + (double)ky * s->dh;
    *x = px - s->pw + (double)kx * s->dw;
}

static long widx(const ref_gconv_shape *s, long o, long cg, int ky, int kx)
{
    return ((o * (s->C / s->G) + cg) * s->kh + ky) * s->kw + kx;
}

void ref_gconv_forward(const ref_gconv_shape *s, const double *x, const double *w, const double *b,
                       ref_gconv_at at, double *y)
{
    long Cg = s->C / s->G, Og = s->Cout / s->G;
    for (long n = 0; n < s->N; n++)
        for (long o = 0; o < s->Cout; o++)
            for (long i = 0; i < s->Ho; i++)
                for (long j = 0; j < s->Wo; j++) {
                    double sum = b ? b[o] : 0.0;
                    for (long cg = 0; cg < Cg; cg++) {
                        long c = (o / Og) * Cg + cg;
                        const double *plane = x + (n * s->C + c) * s->H * s->W;
                        for (int ky = 0; ky < s->kh; ky++)
                            for (int kx = 0; kx < s->kw; kx++) {
                                double py, px;
                                tap(s, at, n, i, j, ky, kx, &py, &px);
                                sum += w[widx(s, o, cg, ky, kx)] *
                                       ref_bl_value(plane, s->H, s->W, py, px);
                            }
                    }
                    y[((n * s->Cout + o) * s->Ho + i) * s->Wo + j] = sum;
                }
}

static double *abs_copy(const double *v, long n)
{
    if (!v) return NULL;
    double *a = malloc((size_t)n * sizeof *a);
    for (long i = 0; i < n; i++) a[i] = fabs(v[i]);
    return a;
}

void ref_gconv_forward_magnitude(const ref_gconv_shape *s, const double *x, const double *w,
                                 const double *b, ref_gconv_at at, double *mag)
{
    /* Bilinear weights are >= 0, so the forward of |x|, |w|, |b| is the
       sum of the absolute terms. */
    double *ax = abs_copy(x, s->N * s->C * s->H * s->W);
    double *aw = abs_copy(w, s->Cout * (s->C / s->G) * s->kh * s->kw);
    double *ab = abs_copy(b, s->Cout);
    ref_gconv_forward(s, ax, aw, ab, at, mag);
    free(ax);
    free(aw);
    free(ab);
}

/* The value and derivatives of one tap; with `magnitude`, the sums of the
   absolute terms instead (x is then |x|). */
static double sample(const ref_gconv_shape *s, const double *plane, double y, double x,
                     int magnitude, double *dy, double *dx)
{
    if (!magnitude) return ref_bl_value_grad(plane, s->H, s->W, y, x, dy, dx);
    long y0, x0;
    double fy, fx;
    *dy = *dx = 0;
    if (!ref_bl_axis(y, s->H, &y0, &fy) || !ref_bl_axis(x, s->W, &x0, &fx)) return 0;
    double v00 = ref_bl_pixel(plane, s->H, s->W, y0, x0),
           v01 = ref_bl_pixel(plane, s->H, s->W, y0, x0 + 1),
           v10 = ref_bl_pixel(plane, s->H, s->W, y0 + 1, x0),
           v11 = ref_bl_pixel(plane, s->H, s->W, y0 + 1, x0 + 1);
    *dy = (1 - fx) * (v10 + v00) + fx * (v11 + v01);
    *dx = (1 - fy) * (v01 + v00) + fy * (v11 + v10);
    return (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
}

static void zero(double *v, long n)
{
    if (v) memset(v, 0, (size_t)n * sizeof *v);
}

void ref_gconv_backward(const ref_gconv_shape *s, const double *x, const double *w, ref_gconv_at at,
                        const double *gy, double *gx, double *gw, double *gb, double *gpy,
                        double *gpx, double *ggrid, int magnitude)
{
    long Cg = s->C / s->G, Og = s->Cout / s->G, HW = s->H * s->W;
    zero(gx, s->N * s->C * HW);
    zero(gw, s->Cout * Cg * s->kh * s->kw);
    zero(gb, s->Cout);
    zero(gpy, s->N * s->Ho);
    zero(gpx, s->N * s->Wo);
    zero(ggrid, s->N * s->Ho * s->Wo * 2);
    double *ax = magnitude ? abs_copy(x, s->N * s->C * HW) : NULL;
    const double *xs = magnitude ? ax : x;
    for (long n = 0; n < s->N; n++)
        for (long o = 0; o < s->Cout; o++)
            for (long i = 0; i < s->Ho; i++)
                for (long j = 0; j < s->Wo; j++) {
                    double g = gy[((n * s->Cout + o) * s->Ho + i) * s->Wo + j];
                    if (magnitude) g = fabs(g);
                    if (gb) gb[o] += g;
                    for (long cg = 0; cg < Cg; cg++) {
                        long c = (o / Og) * Cg + cg;
                        const double *plane = xs + (n * s->C + c) * HW;
                        for (int ky = 0; ky < s->kh; ky++)
                            for (int kx = 0; kx < s->kw; kx++) {
                                double py, px, dy, dx;
                                double wv = w[widx(s, o, cg, ky, kx)];
                                if (magnitude) wv = fabs(wv);
                                tap(s, at, n, i, j, ky, kx, &py, &px);
                                double v = sample(s, plane, py, px, magnitude, &dy, &dx);
                                if (gw) gw[widx(s, o, cg, ky, kx)] += g * v;
                                if (gx)
                                    ref_bl_scatter(gx + (n * s->C + c) * HW, s->H, s->W, py, px,
                                                   g * wv);
                                if (gpy) gpy[n * s->Ho + i] += g * wv * dy;
                                if (gpx) gpx[n * s->Wo + j] += g * wv * dx;
                                if (ggrid) {
                                    ggrid[((n * s->Ho + i) * s->Wo + j) * 2] += g * wv * dy;
                                    ggrid[((n * s->Ho + i) * s->Wo + j) * 2 + 1] += g * wv * dx;
                                }
                            }
                    }
                }
    free(ax);
}
