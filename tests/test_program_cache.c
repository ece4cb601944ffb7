/* The program cache: hits, corrupt and truncated files, an unwritable
   folder, and two processes racing to write the same entry. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "env_parse.h"
#include "internal.h"

static char cache_dir[256];

static void fresh_cache_dir(void)
{
    snprintf(cache_dir, sizeof cache_dir, "/tmp/ads-cache-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(cache_dir));
    setenv("ADS_CACHE_DIR", cache_dir, 1);
}

/* The path of the single .bin file in the cache folder. */
static int cache_files(char *path, size_t n)
{
    DIR *d = opendir(cache_dir);
    ck_assert_ptr_nonnull(d);
    int count = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".bin") == 0) {
            count++;
            snprintf(path, n, "%s/%s", cache_dir, e->d_name);
        }
    }
    closedir(d);
    return count;
}

/* Builds the util program in a new context; returns (hits, stores). */
static void build_once(int *hits, int *stores)
{
    ads_context *ctx = test_context();
    cl_kernel k;
    ck_assert_ads_ok(ads_get_kernel(ctx, "util", "", "copy_floats", &k));
    /* A second request in the same context comes from memory. */
    ck_assert_ads_ok(ads_get_kernel(ctx, "util", "", "copy_floats", &k));
    *hits = ctx->disk_hits;
    *stores = ctx->disk_stores;
    ads_context_release(ctx);
}

START_TEST(second_build_is_a_hit)
{
    fresh_cache_dir();
    int hits, stores;
    build_once(&hits, &stores);
    ck_assert_int_eq(hits, 0);
    ck_assert_int_eq(stores, 1);
    char path[512];
    ck_assert_int_eq(cache_files(path, sizeof path), 1);
    build_once(&hits, &stores);
    ck_assert_int_eq(hits, 1);
    ck_assert_int_eq(stores, 0);
}
END_TEST

static void damage(const char *path, bool truncate_it)
{
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    if (truncate_it) {
        fclose(f);
        ck_assert_int_eq(truncate(path, size / 2), 0);
        return;
    }
    fseek(f, size - 17, SEEK_SET); /* a byte inside the binary */
    int c = fgetc(f);
    fseek(f, size - 17, SEEK_SET);
    fputc(c ^ 0x5a, f);
    fclose(f);
}

static void damaged_file_is_rebuilt(bool truncate_it)
{
    fresh_cache_dir();
    int hits, stores;
    build_once(&hits, &stores);
    char path[512];
    ck_assert_int_eq(cache_files(path, sizeof path), 1);
    damage(path, truncate_it);
    build_once(&hits, &stores);
    ck_assert_int_eq(hits, 0);   /* never trusted */
    ck_assert_int_eq(stores, 1); /* and replaced */
    build_once(&hits, &stores);
    ck_assert_int_eq(hits, 1);
}

START_TEST(corrupt_file_is_rebuilt) { damaged_file_is_rebuilt(false); }
END_TEST

START_TEST(truncated_file_is_rebuilt) { damaged_file_is_rebuilt(true); }
END_TEST

START_TEST(foreign_file_is_rebuilt)
{
    fresh_cache_dir();
    int hits, stores;
    build_once(&hits, &stores);
    char path[512];
    ck_assert_int_eq(cache_files(path, sizeof path), 1);
    FILE *f = fopen(path, "wb");
    fputs("this is not a program binary", f);
    fclose(f);
    build_once(&hits, &stores);
    ck_assert_int_eq(hits, 0);
    ck_assert_int_eq(stores, 1);
}
END_TEST

START_TEST(unwritable_folder_means_no_disk_cache)
{
    /* Under a regular file no folder can be made, even by root. */
    setenv("ADS_CACHE_DIR", "/etc/hostname/adastride", 1);
    int hits, stores;
    build_once(&hits, &stores);
    ck_assert_int_eq(hits + stores, 0);
    setenv("ADS_CACHE_DIR", "off", 1);
    build_once(&hits, &stores);
    ck_assert_int_eq(hits + stores, 0);
}
END_TEST

/* An ADS_CACHE_DIR past the path limit is refused whole: no disk cache,
   and no folder made at a cut-off path (it once made the tree of the
   first 4095 characters: 2000 folders deep). */
START_TEST(too_long_a_folder_is_refused)
{
    fresh_cache_dir();
    size_t len = strlen(cache_dir);
    char *deep = malloc(len + 4200);
    memcpy(deep, cache_dir, len + 1);
    while (len < 4150) memcpy(deep + len, "/d", 3), len += 2;
    setenv("ADS_CACHE_DIR", deep, 1);
    setenv("ADS_PROFILE", "1", 1); /* asks for the reason on stderr */
    int hits, stores;
    build_once(&hits, &stores);
    unsetenv("ADS_PROFILE");
    ck_assert_int_eq(hits + stores, 0);
    DIR *d = opendir(cache_dir);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d));)
        ck_assert_msg(e->d_name[0] == '.', "%s/%s was created", cache_dir, e->d_name);
    closedir(d);
    /* The reason, as ADS_PROFILE prints it. */
    char buf[ADS_CACHE_DIR_MAX + 1], why[256];
    ck_assert(!ads_cache_folder(deep, NULL, NULL, "", buf, sizeof buf, why, sizeof why));
    ck_assert_msg(strstr(why, "ADS_CACHE_DIR") && strstr(why, "4150"), "%s", why);
    ck_assert(!ads_cache_folder(NULL, NULL, deep, "/tuning", buf, sizeof buf, why, sizeof why));
    ck_assert_msg(strstr(why, "HOME"), "%s", why);
    ck_assert(ads_cache_folder("/a", "/x", "/h", "/tuning", buf, sizeof buf, why, sizeof why));
    ck_assert_str_eq(buf, "/a/tuning");
    ck_assert(ads_cache_folder(NULL, "/x", "/h", "", buf, sizeof buf, why, sizeof why));
    ck_assert_str_eq(buf, "/x/adastride");
    ck_assert(!ads_cache_folder("off", "/x", "/h", "", buf, sizeof buf, why, sizeof why));
    ck_assert_str_eq(why, "");
    free(deep);
    rmdir(cache_dir);
}
END_TEST

START_TEST(racing_processes_leave_a_valid_file)
{
    fresh_cache_dir();
    pid_t pids[2];
    for (int i = 0; i < 2; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            /* Each child builds in its own context, at the same time. */
            ads_context *ctx = NULL;
            cl_kernel k;
            if (ads_context_create(NULL, &ctx) != ADS_OK) _exit(2);
            ads_status st = ads_get_kernel(ctx, "util", "", "copy_floats", &k);
            ads_context_release(ctx);
            _exit(st == ADS_OK ? 0 : 1);
        }
    }
    for (int i = 0; i < 2; i++) {
        int status;
        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
        ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    char path[512];
    ck_assert_int_eq(cache_files(path, sizeof path), 1); /* no temp file left */
    int hits, stores;
    build_once(&hits, &stores);
    ck_assert_int_eq(hits, 1);
}
END_TEST

/* Every program builds, and every kernel of it can be created, with the
   optimiser off: a driver that does not inline (clang-based ones at
   -cl-opt-disable) must find every helper defined (static inline). */
START_TEST(every_program_builds_without_optimisation)
{
    setenv("ADS_CACHE_DIR", "off", 1);
    ads_context *ctx = test_context();
    ck_assert_ads_ok(ads_build_all_with(ctx, "-cl-opt-disable"));
    for (int i = 0; i < ads_cl_source_count; i++) {
        cl_program p;
        ck_assert_ads_ok(ads_get_program(ctx, ads_cl_sources[i].name, "-cl-opt-disable", &p));
        cl_uint nk = 0;
        cl_int err = clCreateKernelsInProgram(p, 0, NULL, &nk);
        cl_kernel ks[64];
        if (err == CL_SUCCESS && nk > 0)
            err = nk <= 64 ? clCreateKernelsInProgram(p, nk, ks, NULL) : CL_OUT_OF_HOST_MEMORY;
        ck_assert_msg(err == CL_SUCCESS, "cl/%s.cl: clCreateKernelsInProgram -> %d",
                      ads_cl_sources[i].name, (int)err);
        for (cl_uint k = 0; k < nk; k++) clReleaseKernel(ks[k]);
    }
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("program_cache");
    TCase *tc = tcase_create("cache");
    tcase_add_test(tc, second_build_is_a_hit);
    tcase_add_test(tc, corrupt_file_is_rebuilt);
    tcase_add_test(tc, truncated_file_is_rebuilt);
    tcase_add_test(tc, foreign_file_is_rebuilt);
    tcase_add_test(tc, unwritable_folder_means_no_disk_cache);
    tcase_add_test(tc, racing_processes_leave_a_valid_file);
    tcase_add_test(tc, too_long_a_folder_is_refused);
    tcase_add_test(tc, every_program_builds_without_optimisation);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
