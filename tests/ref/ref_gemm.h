/* Double-precision reference of ads_gemm (lib/gemm/gemm.h), on flat arrays. */
#ifndef REF_GEMM_H
#define REF_GEMM_H

#include <stdbool.h>
#include <stddef.h>

/* The operands as ads_gemm_args describes them, on host arrays. */
typedef struct {
    size_t M, N, K, batch;
    bool trans_a, trans_b;
    double alpha, beta;
    size_t a_offset, lda, a_batch_stride;
    size_t b_offset, ldb, b_batch_stride;
    size_t c_offset, ldc, c_batch_stride;
} ref_gemm_shape;

/* c = alpha * op(a) * op(b) + beta * c over every batch entry; beta == 0
   ignores c's old value (NaN included). If mag is not NULL it receives,
   per element of c, |alpha| * sum_k |op(a)[i,k] op(b)[k,j]| + |beta c|:
   the scale of a float32 rounding error bound. Elements outside the
   product are left alone in both. */
void ref_gemm(const ref_gemm_shape *s, const double *a, const double *b, double *c, double *mag);

#endif
