/* Known-answer checks of the pool operations (filled in with them). */
#include "selftest.h"

void selftest_pool(ads_context *ctx, selftest_tally *t)
{
    (void)ctx;
    (void)t;
}
