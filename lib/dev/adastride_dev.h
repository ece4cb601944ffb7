/* The developer interface of libadastride: what the benchmark (bench/)
   and the tools (tools/tune.c) need beyond the public headers, and
   nothing more; no struct of the library shows through it. Not
   installed, and free to change with the library: these functions live
   in the static library only (hidden in the shared one). */
#ifndef ADASTRIDE_DEV_H
#define ADASTRIDE_DEV_H

#include <stdbool.h>
#include <stddef.h>

#include "adastride.h"

/* Propagates a failed status. */
#define ADS_DEV_TRY(expr)                                                      \
    do {                                                                       \
        ads_status ads_dev_try_st_ = (expr);                                   \
        if (ads_dev_try_st_ != ADS_OK) return ads_dev_try_st_;                 \
    } while (0)

/* ads_build_all with extra build options (the benchmark adds a unique -D
   to time a cold build past every cache). */
ads_status ads_dev_build_all_with(ads_context *ctx, const char *options);

/* The path a gather-convolution of these sizes takes on the context's
   primary device: "depthwise-direct", "columns+gemm" or
   "columns+clblast" (the benchmark's table names it). */
const char *ads_dev_gconv_path(const ads_context *ctx, int groups, int cin, int cout, int kh,
                               int kw);

/* c (M x N) = op(a) * op(b), one row-major product through the library's
   GEMM (its own kernels, or CLBlast when ADS_GEMM=clblast); op(x) is x^T
   when trans_x. a, b and c hold at least the elements the product reads
   and writes. */
ads_status ads_dev_gemm(ads_context *ctx, size_t M, size_t N, size_t K, bool trans_a,
                        bool trans_b, const ads_tensor *a, const ads_tensor *b, ads_tensor *c);

/* The device's limits, for the benchmark's "% of peak" (cl/bench_device.cl).
   Enqueues, for every element of out, `iters` rounds of 8 independent
   float16 FMA chains (iters * 256 FLOPs per element). */
ads_status ads_dev_fma_peak(ads_context *ctx, ads_tensor *out, int iters);
/* Enqueues dst = src as float4 copies; both hold the same number of
   elements, a multiple of 4. */
ads_status ads_dev_copy(ads_context *ctx, const ads_tensor *src, ads_tensor *dst);

/* The tuning table of the context's primary device (lib/core/tuning.h):
   set a key in this process (how the tuner tries a candidate), forget it,
   and write the table to its file (*path, may be NULL, gets its name). */
ads_status ads_dev_tune_set(const ads_context *ctx, const char *key, int value);
void ads_dev_tune_unset(const ads_context *ctx, const char *key);
ads_status ads_dev_tune_save(const ads_context *ctx, const char **path);

#endif
