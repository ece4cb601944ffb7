/* Shared helpers of the Check suites. */
#ifndef ADS_TEST_HARNESS_H
#define ADS_TEST_HARNESS_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adastride.h"

/* A context on the test device ($ADS_DEVICE or the default). A missing
   device fails the test: the suite never skips. */
ads_context *test_context(void);

/* Creates a tensor and fills it from host data (NULL: zeros). */
ads_tensor *test_tensor(ads_context *ctx, int ndim, const int64_t *shape, const float *data);
/* Reads a whole tensor into a new host array (caller frees). */
float *test_read(const ads_tensor *t);

/* Through the public interop API: the device of the context's queue, and
   its CL_DEVICE_MEM_BASE_ADDR_ALIGN in floats (the smallest offset
   ads_tensor_wrap takes besides 0). */
cl_device_id test_cl_device(const ads_context *ctx);
size_t test_align_floats(const ads_context *ctx);

/* Deterministic random numbers for reproducible shapes and data. */
void test_seed(uint64_t seed);
double test_uniform(double lo, double hi);
int test_int(int lo, int hi); /* inclusive */
void test_fill_uniform(float *v, size_t n, double lo, double hi);

/* Largest |got - want| / (atol + rtol*|want|), and where. <= 1 passes. */
double test_max_error(const float *got, const double *want, size_t n, double atol, double rtol,
                      size_t *where);

/* Fails the test with the status name and ads_last_error(). */
#define ck_assert_ads_ok(expr)                                                                     \
    do {                                                                                           \
        ads_status st_ = (expr);                                                                   \
        ck_assert_msg(st_ == ADS_OK, "%s -> %s: %s", #expr, ads_status_string(st_),                \
                      ads_last_error());                                                           \
    } while (0)

/* Runs a suite; returns the number of failures (the process exit code). */
int test_run_suite(Suite *s);

#endif
