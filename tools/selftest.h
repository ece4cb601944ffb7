/* The selftest: one known-answer check per operation, one line each. */
#ifndef ADS_SELFTEST_H
#define ADS_SELFTEST_H

#include <stdbool.h>

#include "adastride.h"

typedef struct {
    int passed, failed;
} selftest_tally;

/* Prints "ok   name" or "FAIL name: detail" and counts it. */
void selftest_check(selftest_tally *t, const char *name, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Same, for a call's status: the detail is ads_last_error(). */
bool selftest_status(selftest_tally *t, const char *name, ads_status st);

/* Known-answer checks, one function per operation family. */
void selftest_core(ads_context *ctx, selftest_tally *t);
void selftest_sampling(ads_context *ctx, selftest_tally *t); /* selftest_sampling.c */
void selftest_gconv(ads_context *ctx, selftest_tally *t);    /* selftest_gconv.c */
void selftest_pool(ads_context *ctx, selftest_tally *t);     /* selftest_pool.c */

#endif
