/* The one GEMM interface every operation uses; the path (CPU-shaped
   kernels, the GPU-shaped tiled kernel or CLBlast) is chosen behind it,
   per device and shape. */
#ifndef ADS_GEMM_H
#define ADS_GEMM_H

#include "internal.h"

/* For b in [0, batch):
     C_b[M x N] = alpha * op(A_b) * op(B_b) + beta * C_b
   all row-major; op(X) is X or X^T (trans_*). X_b starts at element
   x_offset + b * x_batch_stride of tensor x; ldx is its row pitch in
   elements as stored (before op). beta == 0 ignores C's old contents,
   NaN included.
   b_packed: B (not transposed) is already in the packed layout of width
   tn = ads_gemm_pack_width(ctx, M, K) (non-zero): entry b starts at
   b_offset + b * b_batch_stride and holds ceil(N/tn) column tiles, tile
   q's row k at element (q*K + k)*tn; ldb is ignored.
   bias (optional, only with b_packed): C_b[i, j] also gets
   bias[bias_offset + b * bias_batch_stride + i], added where the product
   stores C, so a convolution's bias costs no pass of its own. */
typedef struct {
    size_t M, N, K, batch;
    bool trans_a, trans_b;
    float alpha, beta;
    const ads_tensor *a;
    size_t a_offset, lda, a_batch_stride;
    const ads_tensor *b;
    size_t b_offset, ldb, b_batch_stride;
    ads_tensor *c;
    size_t c_offset, ldc, c_batch_stride;
    int stream; /* ads_launch.stream of the product's kernels (0: main) */
    bool b_packed;
    const ads_tensor *bias; /* NULL: none */
    size_t bias_offset, bias_batch_stride;
} ads_gemm_args;

ads_status ads_gemm(ads_context *ctx, const ads_gemm_args *g);

/* The path (ads_gemm_path in tunables.h) the context's calling-thread
   device runs products on: ADS_GEMM, else the tuning key gemm.path. */
int ads_gemm_path_of(const ads_context *ctx);

/* The column-tile width a product with M rows and inner size K (B not
   transposed) packs B into, so a producer of B can write that layout
   itself (b_packed) and spare the packing pass; 0 when such a product
   would not pack B (small M, or a path other than the CPU kernels). */
size_t ads_gemm_pack_width(const ads_context *ctx, size_t M, size_t K);

#endif
