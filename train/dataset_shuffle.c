/* The seeded, machine-independent shuffle of dataset.h. Host only. */
#include "adastride_splitmix.h"
#include "dataset.h"
#include "train_error.h"

/* An unbiased draw in [0, bound): r modulo bound, redrawing r while it
   lies in the top 2^64 mod bound values (the incomplete last cycle). */
static uint64_t draw_below(uint64_t *state, uint64_t bound)
{
    uint64_t rem = (UINT64_MAX % bound + 1) % bound; /* 2^64 mod bound */
    for (;;) {
        uint64_t r = ads_splitmix64(state);
        if (rem == 0 || r <= UINT64_MAX - rem) return r % bound;
    }
}

ads_status dataset_shuffle(int64_t *indices, int64_t n, uint64_t seed)
{
    if (n < 0)
        return train_fail(ADS_ERR_INVALID_ARGUMENT, "n is %lld; it must be >= 0", (long long)n);
    if (n > 0 && !indices) return train_fail(ADS_ERR_NULL_ARGUMENT, "indices is NULL");
    uint64_t state = seed;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)draw_below(&state, (uint64_t)i + 1);
        int64_t t = indices[i];
        indices[i] = indices[j];
        indices[j] = t;
    }
    return ADS_OK;
}
