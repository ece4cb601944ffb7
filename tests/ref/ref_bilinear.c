#include "ref_bilinear.h"

#include <math.h>

int ref_bl_axis(double p, long n, long *i0, double *f)
{
    if (!(p > -1.0 && p < (double)n)) return 0;
    double fl = floor(p);
    *i0 = (long)fl;
    *f = p - fl;
    return 1;
}

double ref_bl_pixel(const double *plane, long H, long W, long y, long x)
{
    return (y >= 0 && y < H && x >= 0 && x < W) ? plane[y * W + x] : 0.0;
}

double ref_bl_value_grad(const double *plane, long H, long W, double y, double x, double *dy,
                         double *dx)
{
    long y0, x0;
    double fy, fx;
    if (dy) *dy = 0;
    if (dx) *dx = 0;
    if (!ref_bl_axis(y, H, &y0, &fy) || !ref_bl_axis(x, W, &x0, &fx)) return 0;
    double v00 = ref_bl_pixel(plane, H, W, y0, x0), v01 = ref_bl_pixel(plane, H, W, y0, x0 + 1),
           v10 = ref_bl_pixel(plane, H, W, y0 + 1, x0),
           v11 = ref_bl_pixel(plane, H, W, y0 + 1, x0 + 1);
    if (dy) *dy = (1 - fx) * (v10 - v00) + fx * (v11 - v01);
    if (dx) *dx = (1 - fy) * (v01 - v00) + fy * (v11 - v10);
    return (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
}

double ref_bl_value(const double *plane, long H, long W, double y, double x)
{
    return ref_bl_value_grad(plane, H, W, y, x, 0, 0);
}

static void add_pixel(double *g, long H, long W, long y, long x, double v)
{
    if (y >= 0 && y < H && x >= 0 && x < W) g[y * W + x] += v;
}

void ref_bl_scatter(double *gplane, long H, long W, double y, double x, double g)
{
    long y0, x0;
    double fy, fx;
    if (!ref_bl_axis(y, H, &y0, &fy) || !ref_bl_axis(x, W, &x0, &fx)) return;
    add_pixel(gplane, H, W, y0, x0, g * (1 - fy) * (1 - fx));
    add_pixel(gplane, H, W, y0, x0 + 1, g * (1 - fy) * fx);
    add_pixel(gplane, H, W, y0 + 1, x0, g * fy * (1 - fx));
    add_pixel(gplane, H, W, y0 + 1, x0 + 1, g * fy * fx);
}
