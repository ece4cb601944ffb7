/* The developer interface of libadastride: what the benchmark (bench/)
   and the tools (tools/tune.c) need beyond the public headers, and
   nothing more; no struct of the library shows through it. Not
   installed, and free to change with the library: these functions live
   in the static library only (hidden in the shared one). */
#ifndef ADASTRIDE_DEV_H
#define ADASTRIDE_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "adastride.h"

/* Propagates a failed status. */
#define ADS_DEV_TRY(expr)                                                                          \
    do {                                                                                           \
        ads_status ads_dev_try_st_ = (expr);                                                       \
        if (ads_dev_try_st_ != ADS_OK) return ads_dev_try_st_;                                     \
    } while (0)

/* ads_build_all with extra build options (the benchmark adds a unique -D
   to time a cold build past every cache). */
ads_status ads_dev_build_all_with(ads_context *ctx, const char *options);

/* The path a gather-convolution of these sizes takes on the context's
   primary device: "depthwise-direct", "columns+gemm", "columns+tiled" or
   "columns+clblast" (the benchmark's table names it). */
const char *ads_dev_gconv_path(const ads_context *ctx, int groups, int cin, int cout, int kh,
                               int kw);

/* c (M x N) = op(a) * op(b), one row-major product through the library's
   GEMM, on the path ads_dev_gemm_path names; op(x) is x^T
   when trans_x. a, b and c hold at least the elements the product reads
   and writes. */
ads_status ads_dev_gemm(ads_context *ctx, size_t M, size_t N, size_t K, bool trans_a, bool trans_b,
                        const ads_tensor *a, const ads_tensor *b, ads_tensor *c);

/* The device's limits, for the benchmark's "% of peak" (cl/bench_device.cl).
   Enqueues, for every element of out, `iters` rounds of
   ads_dev_fma_chains(ctx) independent float16 FMA chains (iters * chains
   * 32 FLOPs per element), in work-groups of `local` (0: the driver's
   choice). */
ads_status ads_dev_fma_peak(ads_context *ctx, ads_tensor *out, int iters, size_t local);
/* The chains per work-item of the FMA probe on the calling thread's
   device of the context (the tuning key bench.fma_chains: as many as its
   registers hold). */
int ads_dev_fma_chains(ads_context *ctx);
/* Enqueues one launch of a kernel with no work (one work-item stores one
   float into out), through the library's launch path: its time is the
   launch's own cost. */
ads_status ads_dev_empty_launch(ads_context *ctx, ads_tensor *out);
/* The kernel launches the context has recorded so far when it profiles
   (ADS_PROFILE=1 at its creation); -1 when it does not. */
int ads_dev_launches(const ads_context *ctx);
/* Enqueues dst = src as float4 copies; both hold the same number of
   elements, a multiple of 4. */
ads_status ads_dev_copy(ads_context *ctx, const ads_tensor *src, ads_tensor *dst);

/* The tuning table of the context's primary device (lib/core/tuning.h):
   set a key in this process (how the tuner tries a candidate), forget it,
   and write the table to its file (*path, may be NULL, gets its name). */
ads_status ads_dev_tune_set(const ads_context *ctx, const char *key, int value);
void ads_dev_tune_unset(const ads_context *ctx, const char *key);
ads_status ads_dev_tune_save(const ads_context *ctx, const char **path);

/* The candidates `adastride tune` tries for a registered tuning key (the
   registry, lib/core/tunables.c): their count, *cand pointing at them
   (0 for a key it leaves at its default or does not know). */
int ads_dev_tune_candidates(const char *key, const int **cand);

/* The GEMM path the context's primary device runs products on: 0 the
   CPU-shaped kernels, 1 the tiled kernel, 2 CLBlast; *pinned (may be
   NULL) tells whether ADS_GEMM chose it rather than the tuning key
   gemm.path. The name of a path ("cpu", "tiled", "clblast"), and the
   path a name (or "own") means: false for none. */
int ads_dev_gemm_path(const ads_context *ctx, bool *pinned);
const char *ads_dev_gemm_path_name(int path);
bool ads_dev_gemm_path_parse(const char *name, int *path);

/* Writes the registry's two tables, environment variables and tuning
   keys, as Markdown (`adastride env`; the README's copy). */
void ads_dev_print_registry(FILE *out);

#endif
