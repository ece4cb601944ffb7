/* Device selection: the spec grammar, ADS_DEVICE, the error listing. */
#include <stdlib.h>
#include <string.h>

#include "device_spec.h"
#include "harness.h"

static void expect_device(const char *spec)
{
    ads_context *ctx = NULL;
    ck_assert_ads_ok(ads_context_create(spec, &ctx));
    ads_device_info in;
    ck_assert_ads_ok(ads_context_device_info(ctx, 0, &in));
    ck_assert_int_gt(in.compute_units, 0);
    ck_assert_uint_gt(in.max_alloc_bytes, 0);
    ck_assert_int_gt((int)strlen(in.device), 0);
    ads_context_release(ctx);
}

START_TEST(default_device)
{
    unsetenv("ADS_DEVICE");
    expect_device(NULL);
}
END_TEST

START_TEST(index_type_and_name_specs)
{
    expect_device("0:0");
    expect_device("cpu");
    expect_device("CPU");
    /* PoCL says "pocl" only in its platform version string. */
    ads_context *ctx = test_context();
    ads_device_info in;
    ck_assert_ads_ok(ads_context_device_info(ctx, 0, &in));
    ads_context_release(ctx);
    if (strstr(in.platform, "Portable Computing Language")) {
        expect_device("pocl");
        expect_device("portable");
    }
    expect_device(in.device);
}
END_TEST

START_TEST(unknown_spec_lists_devices)
{
    ads_context *ctx = (ads_context *)0x1;
    ads_status st = ads_context_create("no-such-device-anywhere", &ctx);
    ck_assert_int_eq(st, ADS_ERR_NO_DEVICE);
    ck_assert_ptr_null(ctx);
    const char *msg = ads_last_error();
    ck_assert_msg(strstr(msg, "no-such-device-anywhere") != NULL, "message: %s", msg);
    ck_assert_msg(strstr(msg, "0:0") != NULL, "the message lists no devices: %s", msg);
    ck_assert_int_eq(ads_context_create("7:99", &ctx), ADS_ERR_NO_DEVICE);
}
END_TEST

START_TEST(env_variable_is_used)
{
    ads_context *ctx = NULL;
    setenv("ADS_DEVICE", "no-such-device-anywhere", 1);
    ck_assert_int_eq(ads_context_create(NULL, &ctx), ADS_ERR_NO_DEVICE);
    setenv("ADS_DEVICE", "0:0", 1);
    ck_assert_ads_ok(ads_context_create(NULL, &ctx));
    ads_context_release(ctx);
    unsetenv("ADS_DEVICE");
}
END_TEST

START_TEST(bad_arguments)
{
    ck_assert_int_eq(ads_context_create(NULL, NULL), ADS_ERR_NULL_ARGUMENT);
    ads_context *ctx = NULL;
    ck_assert_int_eq(ads_context_create("0:0,0:0", &ctx), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(ads_last_error(), "twice") != NULL, "%s", ads_last_error());
    ck_assert_int_eq(ads_context_create(",", &ctx), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(ads_finish(NULL), ADS_ERR_NULL_ARGUMENT);
    ads_context_release(NULL); /* a no-op, like free(NULL) */
}
END_TEST

START_TEST(memory_budget)
{
    ads_context *ctx = NULL;
    setenv("ADS_MEMORY_BUDGET", "64M", 1);
    ck_assert_ads_ok(ads_context_create(NULL, &ctx));
    ck_assert_uint_eq(ads_context_memory_budget(ctx), 64ull << 20);
    ck_assert_int_eq(ads_context_set_memory_budget(ctx, 0), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_ads_ok(ads_context_set_memory_budget(ctx, 12345));
    ck_assert_uint_eq(ads_context_memory_budget(ctx), 12345);
    ads_context_release(ctx);
    const char *bad[] = {"lots", "-1", "99999999999999999999", "12X", "0"};
    for (int i = 0; i < 5; i++) {
        setenv("ADS_MEMORY_BUDGET", bad[i], 1);
        ck_assert_msg(ads_context_create(NULL, &ctx) == ADS_ERR_INVALID_ARGUMENT,
                      "ADS_MEMORY_BUDGET=%s was accepted", bad[i]);
    }
    ck_assert_msg(strstr(ads_last_error(), "ADS_MEMORY_BUDGET") != NULL, "%s", ads_last_error());
    unsetenv("ADS_MEMORY_BUDGET");
    ck_assert_ads_ok(ads_context_create(NULL, &ctx));
    ads_device_info in;
    ck_assert_ads_ok(ads_context_device_info(ctx, 0, &in));
    ck_assert_uint_eq(ads_context_memory_budget(ctx), in.max_alloc_bytes / 2);
    ads_context_release(ctx);
}
END_TEST

START_TEST(device_info_probes_fp16)
{
    ads_context *ctx = test_context();
    ads_device_info in;
    ck_assert_ads_ok(ads_context_device_info(ctx, 0, &in));
    ck_assert(in.has_fp16 == 0 || in.has_fp16 == 1);
    ck_assert_int_eq(ads_context_device_info(ctx, 5, &in), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(ads_context_device_count(ctx), 1);
    ads_context_release(ctx);
}
END_TEST

/* The grammar on plain data: a simulator reporting every type (platform
   0, as oclgrind) beside a two-device CPU platform (as PoCL). `all` takes
   the default device's platform; type words and the default skip the
   device that reports every type; it stays reachable by index and name. */
START_TEST(specs_on_two_platforms)
{
    const cl_device_type every = CL_DEVICE_TYPE_CPU | CL_DEVICE_TYPE_GPU |
                                 CL_DEVICE_TYPE_ACCELERATOR | CL_DEVICE_TYPE_DEFAULT;
    static candidate c[3] = {
        {(cl_platform_id)1, (cl_device_id)11, 0, 0, 0, "Oclgrind", "OpenCL 1.2 (Oclgrind 21.10)",
         "Oclgrind Simulator", "Oclgrind"},
        {(cl_platform_id)2, (cl_device_id)21, 1, 0, CL_DEVICE_TYPE_CPU,
         "Portable Computing Language", "OpenCL 3.0 PoCL 3.1", "cpu-haswell", "GenuineIntel"},
        {(cl_platform_id)2, (cl_device_id)22, 1, 1, CL_DEVICE_TYPE_CPU | CL_DEVICE_TYPE_DEFAULT,
         "Portable Computing Language", "OpenCL 3.0 PoCL 3.1", "cpu-haswell", "GenuineIntel"},
    };
    c[0].type = every;
    int picked[ADS_MAX_DEVICES], n = 0;
    ck_assert_ads_ok(ads_resolve_device_spec("all", c, 3, picked, &n));
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(picked[0], 1);
    ck_assert_int_eq(picked[1], 2);
    ck_assert_ads_ok(ads_resolve_device_spec("cpu", c, 3, picked, &n));
    ck_assert_int_eq(picked[0], 1);
    ck_assert_ads_ok(ads_resolve_device_spec(NULL, c, 3, picked, &n));
    ck_assert_int_eq(picked[0], 1);
    ck_assert_int_eq(ads_resolve_device_spec("gpu", c, 3, picked, &n), ADS_ERR_NO_DEVICE);
    ck_assert_ads_ok(ads_resolve_device_spec("0:0", c, 3, picked, &n));
    ck_assert_int_eq(picked[0], 0);
    ck_assert_ads_ok(ads_resolve_device_spec("oclgrind", c, 3, picked, &n));
    ck_assert_int_eq(picked[0], 0);
    /* Alone, the simulator is still the default, and `all`. */
    ck_assert_ads_ok(ads_resolve_device_spec(NULL, c, 1, picked, &n));
    ck_assert_int_eq(picked[0], 0);
    ck_assert_ads_ok(ads_resolve_device_spec("all", c, 1, picked, &n));
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(ads_resolve_device_spec("all", c, 0, picked, &n), ADS_ERR_NO_DEVICE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("context");
    TCase *tc = tcase_create("context");
    tcase_add_test(tc, default_device);
    tcase_add_test(tc, index_type_and_name_specs);
    tcase_add_test(tc, unknown_spec_lists_devices);
    tcase_add_test(tc, env_variable_is_used);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, memory_budget);
    tcase_add_test(tc, device_info_probes_fp16);
    tcase_add_test(tc, specs_on_two_platforms);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
