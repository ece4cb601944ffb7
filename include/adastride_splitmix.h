/* splitmix64 (Steele, Lea and Flood, 2014): the one generator of
   reproducible numbers on the host: a layer's seed -> its initial
   weights, the dropout mask's key, and in the training application the
   data set shuffle, the tasks' placements and the nets' seeds; also the
   tests' data. Header-only (static inline, no library symbol), so an
   application reproduces the library's seeded numbers with it. The
   kernels' copy is cl/splitmix.clh; the tests' independent references
   (tests/ref/ref_train.c, tests/test_dataset.c) keep their own. */
#ifndef ADASTRIDE_SPLITMIX_H
#define ADASTRIDE_SPLITMIX_H

#include <stdint.h>

#define ADS_GOLDEN_GAMMA 0x9E3779B97F4A7C15ull

/* splitmix64's finaliser: a bijective mix of 64 bits. */
static inline uint64_t ads_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The generator's next output: the state advances by the golden gamma. */
static inline uint64_t ads_splitmix64(uint64_t *state)
{
    return ads_mix64(*state += ADS_GOLDEN_GAMMA);
}

#endif
