/* Double-precision GEMM reference: the plain triple loop. */
#include "ref_gemm.h"

#include <math.h>
#include <stdlib.h>

static double op_a(const ref_gemm_shape *s, const double *a, size_t i, size_t k)
{
    return s->trans_a ? a[k * s->lda + i] : a[i * s->lda + k];
}

static double op_b(const ref_gemm_shape *s, const double *b, size_t k, size_t j)
{
    return s->trans_b ? b[j * s->ldb + k] : b[k * s->ldb + j];
}

/* Row i of one batch entry: sums and absolute sums accumulated over k in
   the outer loop, so every operand is read along its rows or once per k. */
static void ref_row(const ref_gemm_shape *s, const double *A, const double *B, size_t i,
                    double *sum, double *abs_sum)
{
    for (size_t j = 0; j < s->N; j++) sum[j] = abs_sum[j] = 0;
    for (size_t k = 0; k < s->K; k++) {
        double aik = op_a(s, A, i, k);
        for (size_t j = 0; j < s->N; j++) {
            double p = aik * op_b(s, B, k, j);
            sum[j] += p;
            abs_sum[j] += fabs(p);
        }
    }
}

void ref_gemm(const ref_gemm_shape *s, const double *a, const double *b, double *c, double *mag)
{
    double *sum = malloc(2 * s->N * sizeof *sum);
    if (!sum) abort(); /* a test helper: no host memory is a broken test machine */
    double *abs_sum = sum + s->N;
    for (size_t e = 0; e < s->batch; e++) {
        const double *A = a + s->a_offset + e * s->a_batch_stride;
        const double *B = b + s->b_offset + e * s->b_batch_stride;
        size_t base = s->c_offset + e * s->c_batch_stride;
        for (size_t i = 0; i < s->M; i++) {
            ref_row(s, A, B, i, sum, abs_sum);
            for (size_t j = 0; j < s->N; j++) {
                size_t at = base + i * s->ldc + j;
                double old = s->beta == 0 ? 0 : s->beta * c[at];
                c[at] = s->alpha * sum[j] + old;
                if (mag) mag[at] = fabs(s->alpha) * abs_sum[j] + fabs(old);
            }
        }
    }
    free(sum);
}
