/* Known-answer checks of the gconv operations (filled in with them). */
#include "selftest.h"

void selftest_gconv(ads_context *ctx, selftest_tally *t)
{
    (void)ctx;
    (void)t;
}
