/* The developer interface (adastride_dev.h) on top of the library's
   internal one: each function forwards to the module that owns it, so
   bench/ and tools/ never see internal.h. */
#include "adastride_dev.h"
#include "gconv_plan.h"
#include "gemm.h"
#include "program.h"
#include "tensor.h"
#include "tunables.h"
#include "tuning.h"

ads_status ads_dev_build_all_with(ads_context *ctx, const char *options)
{
    return ads_build_all_with(ctx, options);
}

const char *ads_dev_gconv_path(const ads_context *ctx, int groups, int cin, int cout, int kh,
                               int kw)
{
    return ads_gconv_path_name(ctx, groups, cin, cout, kh, kw);
}

ads_status ads_dev_gemm(ads_context *ctx, size_t M, size_t N, size_t K, bool trans_a, bool trans_b,
                        const ads_tensor *a, const ads_tensor *b, ads_tensor *c)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    ADS_TRY(ads_check_tensor(a, ctx, "a"));
    ADS_TRY(ads_check_tensor(b, ctx, "b"));
    ADS_TRY(ads_check_tensor(c, ctx, "c"));
    if ((uint64_t)M * K > a->count || (uint64_t)K * N > b->count || (uint64_t)M * N > c->count)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH,
                        "a (%zu), b (%zu) or c (%zu elements) is too "
                        "small for a %zu x %zu x %zu product",
                        a->count, b->count, c->count, M, N, K);
    ads_gemm_args g = {.M = M,
                       .N = N,
                       .K = K,
                       .batch = 1,
                       .trans_a = trans_a,
                       .trans_b = trans_b,
                       .alpha = 1,
                       .beta = 0,
                       .a = a,
                       .lda = trans_a ? M : K,
                       .b = b,
                       .ldb = trans_b ? K : N,
                       .c = c,
                       .ldc = N};
    return ads_gemm(ctx, &g);
}

ads_status ads_dev_tune_set(const ads_context *ctx, const char *key, int value)
{
    return ads_tune_set(ctx, key, value);
}

void ads_dev_tune_unset(const ads_context *ctx, const char *key) { ads_tune_unset(ctx, key); }

ads_status ads_dev_tune_save(const ads_context *ctx, const char **path)
{
    return ads_tune_save(ctx, path);
}

int ads_dev_tune_candidates(const char *key, const int **cand)
{
    const ads_tunable *t = ads_tunable_find(key);
    *cand = t ? t->cand : NULL;
    return t ? t->ncand : 0;
}

int ads_dev_gemm_path(const ads_context *ctx, bool *pinned)
{
    if (pinned) *pinned = ctx && ctx->gemm_path_env >= 0;
    return ctx ? ads_gemm_path_of(ctx) : 0;
}

const char *ads_dev_gemm_path_name(int path) { return ads_gemm_path_name(path); }

bool ads_dev_gemm_path_parse(const char *name, int *path)
{
    return ads_gemm_path_parse(name, path);
}

void ads_dev_print_registry(FILE *out) { ads_registry_print_markdown(out); }
