/* The sampling operations of docs/design.md 1.1 and 1.2 in double precision,
   written straight from the formulas: the reference the kernels and
   their gradients are checked against. Arrays are row-major. */
#ifndef ADS_REF_STRIDE_H
#define ADS_REF_STRIDE_H

/* 1.1: positions p (N x L) from logits a (N x L). */
void ref_stride_positions(const double *a, long N, long L, double stride, double origin,
                          double temperature, double *p);
/* ga (N x L, overwritten) from gp, the gradient of the positions. */
void ref_stride_positions_backward(const double *a, long N, long L, double stride,
                                   double temperature, const double *gp, double *ga);

/* 1.2: x (N x C x H x W) -> a_rows (N x Ho) and a_cols (N x Wo); an axis
   whose v is NULL is skipped. variation: 0 linear, 1 variation. */
void ref_stride_logits(int variation, const double *x, long N, long C, long H, long W,
                       const double *v_rows, long Ho, double *a_rows, const double *v_cols, long Wo,
                       double *a_cols);
/* gx (accumulated into), gv_rows and gv_cols (overwritten); any output
   may be NULL, an axis whose v is NULL is skipped. */
void ref_stride_logits_backward(int variation, const double *x, long N, long C, long H, long W,
                                const double *v_rows, long Ho, const double *ga_rows,
                                const double *v_cols, long Wo, const double *ga_cols, double *gx,
                                double *gv_rows, double *gv_cols);

/* Bin i of L over n lines: [*lo, *hi) (adaptive average pooling). */
void ref_stride_bin(long i, long L, long n, long *lo, long *hi);

#endif
