/* Adaptive pooling (docs/design.md 1.5) in double precision, and PyTorch's
   CPU max_pool2d / avg_pool2d loops transcribed literally, so the fixed
   path can be held to PyTorch's semantics without PyTorch. */
#ifndef ADS_REF_POOL_H
#define ADS_REF_POOL_H

/* mode: 0 max, 1 average (count_include_pad), 2 average excluding
   padding (the ads_pool_mode values). */
typedef struct {
    int mode, kh, kw, ph, pw, dh, dw;
} ref_pool_params;

typedef struct {
    long N, C, H, W, Ho, Wo;
} ref_pool_dims;

/* Base positions: separable py (N x Ho) with px (N x Wo), or grid
   (N x Ho x Wo x 2, y then x). Tap (ky,kx) of output (i,j) is at
   (base_y - ph + ky*dh, base_x - pw + kx*dw). */
typedef struct {
    const double *py, *px, *grid;
} ref_pool_at;

/* y: N x C x Ho x Wo. argmax (nullable) gets the max winner ky*kw+kx or
   -1 (always -1 for the average modes). */
void ref_pool_forward(const ref_pool_params *p, const ref_pool_dims *s, const double *x,
                      ref_pool_at at, double *y, int *argmax);

/* The gradients of sum(gy * y). winners (nullable, max only) replaces the
   recomputed winners, so a near tie cannot make the reference pick
   another tap than the kernel did. Outputs are overwritten; any may be
   NULL. gpy/gpx for separable positions, ggrid for a grid. */
void ref_pool_backward(const ref_pool_params *p, const ref_pool_dims *s, const double *x,
                       ref_pool_at at, const int *winners, const double *gy, double *gx,
                       double *gpy, double *gpx, double *ggrid);

/* pos[n*L + i] = stride * i: the fixed grid as separable positions. */
void ref_pool_fixed_positions(long N, long L, int stride, double *pos);

/* PyTorch max_pool2d_with_indices (CPU kernel, ceil_mode false): y and
   the flat input index h*W + w of the winner in each plane. */
void ref_torch_max_pool2d(const ref_pool_dims *s, const double *x, int kh, int kw, int sh, int sw,
                          int ph, int pw, int dh, int dw, double *y, long *index);
/* PyTorch avg_pool2d (CPU kernel, ceil_mode false, no divisor_override;
   avg_pool2d has no dilation). */
void ref_torch_avg_pool2d(const ref_pool_dims *s, const double *x, int kh, int kw, int sh, int sw,
                          int ph, int pw, int count_include_pad, double *y);

#endif
