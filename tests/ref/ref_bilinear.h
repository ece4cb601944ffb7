/* Bilinear read with zero padding in double precision (docs/design.md 1.3):
   the reference every kernel's sampling is checked against. */
#ifndef ADS_REF_BILINEAR_H
#define ADS_REF_BILINEAR_H

/* One axis: 0 when the sample reads 0 (outside (-1, n) or not finite). */
int ref_bl_axis(double p, long n, long *i0, double *f);
/* Pixel of a plane, 0 outside. */
double ref_bl_pixel(const double *plane, long H, long W, long y, long x);
double ref_bl_value(const double *plane, long H, long W, double y, double x);
/* Value and its derivatives; at integer positions the forward difference. */
double ref_bl_value_grad(const double *plane, long H, long W, double y, double x, double *dy,
                         double *dx);
/* Adds g times the sample's weight to each of its four neighbours in gplane
   (the transpose of ref_bl_value). */
void ref_bl_scatter(double *gplane, long H, long W, double y, double x, double g);

#endif
