/* Sampling kinds and the checks every sampling operation shares, with
   one message per mistake. */
#include "sampling.h"

ads_status ads_sampling_kind_of(const ads_context *ctx, ads_sampling at, ads_sampling_kind *kind)
{
    if (at.grid && (at.py || at.px))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "at.grid and at.py/at.px are both given; pass at.py with at.px, or "
                        "at.grid, or none for the fixed stride");
    if (!at.py != !at.px)
        return ads_fail(ADS_ERR_NULL_ARGUMENT,
                        "at.%s is NULL while at.%s is given; separable sampling needs both",
                        at.py ? "px" : "py", at.py ? "py" : "px");
    if (at.grid) {
        *kind = ADS_SAMPLING_GRID;
        return ads_check_tensor(at.grid, ctx, "at.grid");
    }
    if (!at.py) {
        *kind = ADS_SAMPLING_FIXED;
        return ADS_OK;
    }
    ADS_TRY(ads_check_tensor(at.py, ctx, "at.py"));
    ADS_TRY(ads_check_tensor(at.px, ctx, "at.px"));
    *kind = ADS_SAMPLING_SEPARABLE;
    return ADS_OK;
}

ads_status ads_sampling_check_grads(ads_sampling_kind kind, ads_sampling_grad gat)
{
    if (kind == ADS_SAMPLING_FIXED) {
        const char *given = gat.py ? "gat.py" : gat.px ? "gat.px" : gat.grid ? "gat.grid" : NULL;
        if (given)
            return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                            "%s is given but the call samples at the fixed grid (no positions "
                            "given): there is no position gradient; pass NULL",
                            given);
        return ADS_OK;
    }
    if (kind == ADS_SAMPLING_SEPARABLE && gat.grid)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "gat.grid is given but the call samples at separable positions (at.py, "
                        "at.px); use gat.py and gat.px, or NULL");
    if (kind == ADS_SAMPLING_GRID && (gat.py || gat.px))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "%s is given but the call samples at a full grid (at.grid); use "
                        "gat.grid, or NULL",
                        gat.py ? "gat.py" : "gat.px");
    return ADS_OK;
}

ads_status ads_check_window_span(const char *prefix, const char *k_name, int k,
                                 const char *dil_name, int dil, const char *pad_name, int pad)
{
    if ((int64_t)(k - 1) * dil <= ADS_MAX_WINDOW_SPAN && pad <= ADS_MAX_WINDOW_SPAN) return ADS_OK;
    return ads_fail(ADS_ERR_TOO_LARGE,
                    "the window (%s%s %d, %s%s %d, %s%s %d) spans more than 2^28 pixels", prefix,
                    k_name, k, prefix, dil_name, dil, prefix, pad_name, pad);
}
