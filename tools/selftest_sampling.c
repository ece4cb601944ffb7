/* Known-answer checks of the sampling operations (filled in with them). */
#include "selftest.h"

void selftest_sampling(ads_context *ctx, selftest_tally *t)
{
    (void)ctx;
    (void)t;
}
