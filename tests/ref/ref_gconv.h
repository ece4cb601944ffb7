/* Gather-convolution in double precision (docs/design.md 1.4): the reference
   the kernels and the finite-difference checks use. Plain loops over the
   definition, no cleverness. */
#ifndef ADS_REF_GCONV_H
#define ADS_REF_GCONV_H

typedef struct {
    long N, C, H, W, Cout, Ho, Wo;
    int kh, kw, sh, sw, ph, pw, dh, dw, G;
} ref_gconv_shape;

/* Where the taps sit. py/px (N x Ho, N x Wo): separable; grid (N x Ho x
   Wo x 2): full grid; all NULL: the fixed grid py = sh*i, px = sw*j. */
typedef struct {
    const double *py, *px, *grid;
} ref_gconv_at;

/* y = conv(x, w) + b (b may be NULL). */
void ref_gconv_forward(const ref_gconv_shape *s, const double *x, const double *w, const double *b,
                       ref_gconv_at at, double *y);

/* Every gradient whose pointer is non-NULL is overwritten. gpy/gpx for
   separable positions, ggrid for a grid. With `magnitude` set, each output
   is instead the sum of the absolute values of the terms that make it up
   (the scale of its float rounding error). */
void ref_gconv_backward(const ref_gconv_shape *s, const double *x, const double *w, ref_gconv_at at,
                        const double *gy, double *gx, double *gw, double *gb, double *gpy,
                        double *gpx, double *ggrid, int magnitude);

/* The forward's sum of |terms| per output (|b| + sum |w| * |X~| bound). */
void ref_gconv_forward_magnitude(const ref_gconv_shape *s, const double *x, const double *w,
                                 const double *b, ref_gconv_at at, double *mag);

#endif
