/* Errors: status strings, ads_last_error text, build failures with logs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "internal.h"

START_TEST(every_status_has_a_name)
{
    for (int st = ADS_OK; st <= ADS_ERR_IO; st++) {
        const char *name = ads_status_string((ads_status)st);
        ck_assert_ptr_nonnull(name);
        ck_assert_str_ne(name, "unknown status");
    }
    ck_assert_str_eq(ads_status_string((ads_status)999), "unknown status");
}
END_TEST

START_TEST(broken_source_reports_the_build_log)
{
    ads_context *ctx = test_context();
    cl_program p;
    ads_status st =
        ads_build_source(ctx, "kernel void k(global float *a) { a[0] = undefined_name; }", "", &p);
    ck_assert_int_eq(st, ADS_ERR_BUILD_FAILED);
    const char *msg = ads_last_error();
    ck_assert_msg(strstr(msg, "build log") != NULL, "%s", msg);
    ck_assert_msg(strstr(msg, "undefined_name") != NULL, "the log is missing: %s", msg);
    ads_context_release(ctx);
}
END_TEST

/* ADS_CL_DIR loads kernels from disk; a broken file there fails the build
   with its name and log, and a missing file is an I/O error. */
START_TEST(cl_dir_broken_and_missing_sources)
{
    char dir[] = "/tmp/ads-cl-dir-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/util.cl", dir);
    FILE *f = fopen(path, "w");
    fputs("kernel void copy_floats(global float *a) { a[0] = 1.0f }\n", f); /* missing ; */
    fclose(f);
    setenv("ADS_CL_DIR", dir, 1);
    setenv("ADS_CACHE_DIR", "off", 1);
    ads_context *ctx = test_context();
    cl_kernel k;
    ck_assert_int_eq(ads_get_kernel(ctx, "util", "", "copy_floats", &k), ADS_ERR_BUILD_FAILED);
    ck_assert_msg(strstr(ads_last_error(), "cl/util.cl") != NULL, "%s", ads_last_error());
    ck_assert_int_eq(ads_get_kernel(ctx, "no_such_file", "", "k", &k), ADS_ERR_IO);
    ck_assert_msg(strstr(ads_last_error(), "no_such_file.cl") != NULL, "%s", ads_last_error());
    ads_context_release(ctx);
    remove(path);
    rmdir(dir);
    unsetenv("ADS_CL_DIR");
}
END_TEST

START_TEST(unknown_kernel_names_are_errors)
{
    ads_context *ctx = test_context();
    cl_kernel k;
    ck_assert_int_eq(ads_get_kernel(ctx, "util", "", "no_such_kernel", &k), ADS_ERR_OPENCL);
    ck_assert_msg(strstr(ads_last_error(), "no_such_kernel") != NULL, "%s", ads_last_error());
    ck_assert_int_eq(ads_get_kernel(ctx, "no_such_source", "", "k", &k), ADS_ERR_INVALID_ARGUMENT);
    ads_context_release(ctx);
}
END_TEST

START_TEST(last_error_is_per_thread_text)
{
    ads_tensor *t;
    ck_assert_int_eq(ads_tensor_create(NULL, 1, NULL, &t), ADS_ERR_NULL_ARGUMENT);
    ck_assert_str_eq(ads_last_error(), "ctx is NULL");
}
END_TEST

/* Code built on the library reports through the same channel; a long
   detail is cut to the buffer, never written past it. */
START_TEST(set_last_error_records_a_formatted_detail)
{
    ck_assert_int_eq(ads_set_last_error(ADS_ERR_IO, "cannot read %s: %d", "f.bin", 7), ADS_ERR_IO);
    ck_assert_str_eq(ads_last_error(), "cannot read f.bin: 7");
    ads_tensor *t;
    ck_assert_int_eq(ads_tensor_create(NULL, 1, NULL, &t), ADS_ERR_NULL_ARGUMENT);
    ck_assert_str_eq(ads_last_error(), "ctx is NULL");
    size_t n = 100000;
    char *big = malloc(n + 1);
    memset(big, 'x', n);
    big[n] = '\0';
    ck_assert_int_eq(ads_set_last_error(ADS_ERR_INVALID_ARGUMENT, "%s", big),
                     ADS_ERR_INVALID_ARGUMENT);
    size_t len = strlen(ads_last_error());
    ck_assert(len > 0 && len < n);
    free(big);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("errors");
    TCase *tc = tcase_create("errors");
    tcase_add_test(tc, every_status_has_a_name);
    tcase_add_test(tc, broken_source_reports_the_build_log);
    tcase_add_test(tc, cl_dir_broken_and_missing_sources);
    tcase_add_test(tc, unknown_kernel_names_are_errors);
    tcase_add_test(tc, last_error_is_per_thread_text);
    tcase_add_test(tc, set_last_error_records_a_formatted_detail);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
