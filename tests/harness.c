#include "harness.h"
#include "adastride_splitmix.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

ads_context *test_context(void)
{
    ads_context *ctx = NULL;
    ads_status st = ads_context_create(NULL, &ctx);
    ck_assert_msg(st == ADS_OK, "no OpenCL test device: %s: %s", ads_status_string(st),
                  ads_last_error());
    return ctx;
}

ads_tensor *test_tensor(ads_context *ctx, int ndim, const int64_t *shape, const float *data)
{
    ads_tensor *t = NULL;
    ck_assert_ads_ok(ads_tensor_create(ctx, ndim, shape, &t));
    if (data) ck_assert_ads_ok(ads_tensor_write(t, data, ads_tensor_count(t)));
    return t;
}

float *test_read(const ads_tensor *t)
{
    size_t n = ads_tensor_count(t);
    float *v = malloc(n * sizeof *v);
    ck_assert_ptr_nonnull(v);
    ck_assert_ads_ok(ads_tensor_read(t, v, n));
    return v;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

void test_seed(uint64_t seed) { rng_state = seed * 0x9e3779b97f4a7c15ull + 1; }

static uint64_t next_u64(void) { return ads_splitmix64(&rng_state); }

double test_uniform(double lo, double hi)
{
    return lo + (hi - lo) * ((double)(next_u64() >> 11) / (double)(1ull << 53));
}

int test_int(int lo, int hi) { return lo + (int)(next_u64() % (uint64_t)(hi - lo + 1)); }

void test_fill_uniform(float *v, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++) v[i] = (float)test_uniform(lo, hi);
}

double test_max_error(const float *got, const double *want, size_t n, double atol, double rtol,
                      size_t *where)
{
    double worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)got[i] - want[i]) / (atol + rtol * fabs(want[i]));
        if (!(e <= worst)) { /* catches NaN too */
            worst = isnan(e) ? INFINITY : e;
            at = i;
        }
    }
    if (where) *where = at;
    return worst;
}

cl_device_id test_cl_device(const ads_context *ctx)
{
    cl_device_id device = NULL;
    ck_assert_int_eq(clGetCommandQueueInfo(ads_context_cl_queue(ctx), CL_QUEUE_DEVICE,
                                           sizeof device, &device, NULL),
                     CL_SUCCESS);
    return device;
}

size_t test_align_floats(const ads_context *ctx)
{
    cl_uint bits = 0;
    ck_assert_int_eq(clGetDeviceInfo(test_cl_device(ctx), CL_DEVICE_MEM_BASE_ADDR_ALIGN,
                                     sizeof bits, &bits, NULL),
                     CL_SUCCESS);
    return bits >= 32 ? bits / 32 : 1;
}

int test_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
