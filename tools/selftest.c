/* The selftest's bookkeeping and the checks of the foundation. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "selftest.h"

void selftest_check(selftest_tally *t, const char *name, bool ok, const char *fmt, ...)
{
    if (ok) {
        t->passed++;
        printf("ok   %s\n", name);
    } else {
        t->failed++;
        printf("FAIL %s: ", name);
        va_list ap;
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
    }
    fflush(stdout);
}

bool selftest_status(selftest_tally *t, const char *name, ads_status st)
{
    if (st != ADS_OK)
        selftest_check(t, name, false, "%s: %s", ads_status_string(st), ads_last_error());
    return st == ADS_OK;
}

/* A tensor round trip: what is written is what is read. */
static void check_round_trip(ads_context *ctx, selftest_tally *t)
{
    int64_t shape[2] = {3, 5};
    float in[15], out[15];
    for (int i = 0; i < 15; i++) in[i] = (float)i * 0.5f - 3.0f;
    ads_tensor *x = NULL;
    ads_status st = ads_tensor_create(ctx, 2, shape, &x);
    if (st == ADS_OK) st = ads_tensor_write(x, in, 15);
    if (st == ADS_OK) st = ads_tensor_read(x, out, 15);
    ads_tensor_release(x);
    if (selftest_status(t, "tensor round trip", st))
        selftest_check(t, "tensor round trip", memcmp(in, out, sizeof in) == 0,
                       "read back differs from what was written");
}

static void check_build_all(ads_context *ctx, selftest_tally *t)
{
    if (selftest_status(t, "build every kernel program", ads_build_all(ctx)))
        selftest_check(t, "build every kernel program", true, "%s", "");
}

void selftest_core(ads_context *ctx, selftest_tally *t)
{
    check_build_all(ctx, t);
    check_round_trip(ctx, t);
}
