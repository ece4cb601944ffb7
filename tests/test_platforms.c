/* Device specs on a machine with two OpenCL platforms: the installed
   drivers plus oclgrind, a simulator whose one device reports every type
   (CPU, GPU and accelerator). The test makes that machine itself: before
   the first OpenCL call it points OCL_ICD_VENDORS at a folder holding the
   system's ICD files and one for oclgrind ($OCLGRIND_ICD, the library).
   Without oclgrind it is skipped (exit code 77). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define SYSTEM_VENDORS "/etc/OpenCL/vendors"

static char folder[256];

static bool copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[4096];
    size_t n;
    bool ok = in && out;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = fwrite(buf, 1, n, out) == n;
    if (in) fclose(in);
    if (out && fclose(out) != 0) ok = false;
    return ok;
}

/* The vendors folder: every system ICD file, then oclgrind's, named so
   that the loader lists it first (it sorts the names). */
static bool make_vendors(const char *oclgrind)
{
    snprintf(folder, sizeof folder, "/tmp/ads-vendors-XXXXXX");
    if (!mkdtemp(folder)) return false;
    char path[600];
    snprintf(path, sizeof path, "%s/0-oclgrind.icd", folder);
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%s\n", oclgrind) < 0 || fclose(f) != 0) return false;
    DIR *d = opendir(SYSTEM_VENDORS);
    if (!d) return false;
    bool ok = true;
    for (struct dirent *e; ok && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".icd") != 0) continue;
        char from[600];
        snprintf(from, sizeof from, "%s/%s", SYSTEM_VENDORS, e->d_name);
        snprintf(path, sizeof path, "%s/1-%s", folder, e->d_name);
        ok = copy_file(from, path);
    }
    closedir(d);
    return ok;
}

static void remove_vendors(void)
{
    DIR *d = opendir(folder);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", folder, e->d_name);
        if (e->d_name[0] != '.') remove(path);
    }
    closedir(d);
    rmdir(folder);
}

static ads_device_info device0(ads_context *ctx)
{
    ads_device_info in;
    ck_assert_ads_ok(ads_context_device_info(ctx, 0, &in));
    return in;
}

/* Both platforms are visible, else the cases below prove nothing. */
START_TEST(two_platforms_are_listed)
{
    ads_context *ctx = NULL;
    ck_assert_int_eq(ads_context_create("no-such-device-anywhere", &ctx), ADS_ERR_NO_DEVICE);
    const char *msg = ads_last_error();
    ck_assert_msg(strstr(msg, "0:0") && strstr(msg, "1:0"), "one platform only: %s", msg);
    ck_assert_msg(strstr(msg, "Oclgrind"), "oclgrind is not listed: %s", msg);
}
END_TEST

/* `all`: every device of one platform, the default device's. */
START_TEST(all_takes_one_platform)
{
    unsetenv("ADS_DEVICE");
    ads_context *def = NULL, *all = NULL;
    ck_assert_ads_ok(ads_context_create(NULL, &def));
    ck_assert_ads_ok(ads_context_create("all", &all));
    ads_device_info home = device0(def);
    int n = ads_context_device_count(all);
    ck_assert_int_ge(n, 1);
    for (int i = 0; i < n; i++) {
        ads_device_info in;
        ck_assert_ads_ok(ads_context_device_info(all, i, &in));
        ck_assert_str_eq(in.platform, home.platform);
    }
    ads_context_release(all);
    ads_context_release(def);
}
END_TEST

/* A type word never picks the device that reports every type, and so
   neither does the default. */
START_TEST(type_words_skip_the_simulator)
{
    unsetenv("ADS_DEVICE");
    ads_context *ctx = NULL;
    ck_assert_ads_ok(ads_context_create("cpu", &ctx));
    ads_device_info in = device0(ctx);
    ck_assert_msg(!in.is_gpu, "'cpu' picked %s (%s), which reports GPU", in.device, in.platform);
    ck_assert_msg(strstr(in.platform, "Oclgrind") == NULL, "'cpu' picked the simulator");
    ads_context_release(ctx);
    ck_assert_ads_ok(ads_context_create(NULL, &ctx));
    in = device0(ctx);
    ck_assert_msg(strstr(in.platform, "Oclgrind") == NULL, "the default is the simulator");
    ads_context_release(ctx);
    ads_status st = ads_context_create("gpu", &ctx);
    if (st == ADS_OK) {
        in = device0(ctx);
        ck_assert_msg(strstr(in.platform, "Oclgrind") == NULL, "'gpu' picked the simulator");
        ads_context_release(ctx);
    } else {
        ck_assert_int_eq(st, ADS_ERR_NO_DEVICE);
    }
}
END_TEST

/* The simulator stays reachable by name. */
START_TEST(simulator_by_name)
{
    ads_context *ctx = NULL;
    ck_assert_ads_ok(ads_context_create("oclgrind", &ctx));
    ck_assert_str_eq(device0(ctx).platform, "Oclgrind");
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    const char *oclgrind = getenv("OCLGRIND_ICD");
    if (!oclgrind || !*oclgrind || access(oclgrind, R_OK) != 0) {
        printf("skipped: OCLGRIND_ICD (oclgrind's liboclgrind-rt-icd.so) is not readable\n");
        return 77;
    }
    if (!make_vendors(oclgrind)) {
        printf("cannot write the ICD folder %s\n", folder);
        return 1;
    }
    setenv("OCL_ICD_VENDORS", folder, 1);
    Suite *s = suite_create("platforms");
    TCase *tc = tcase_create("platforms");
    tcase_add_test(tc, two_platforms_are_listed);
    tcase_add_test(tc, all_takes_one_platform);
    tcase_add_test(tc, type_words_skip_the_simulator);
    tcase_add_test(tc, simulator_by_name);
    suite_add_tcase(s, tc);
    int failed = test_run_suite(s);
    remove_vendors();
    return failed;
}
