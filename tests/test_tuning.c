/* The per-device tuning table (lib/core/tuning.h): precedence of the
   environment override, ADS_TUNE=off, the stored table and the default;
   the defaults per device class;
   range checks; the saved file round trip; a file of another device or a
   corrupt one is ignored; and a tuned path choice (depthwise through
   columns and GEMM) gives the direct path's result. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "internal.h"
#include "gemm.h"
#include "tuning.h"

/* A fresh cache folder per test, so stored tables never leak between
   tests or into the user's cache. */
static void private_cache(const char *tag)
{
    char dir[256];
    snprintf(dir, sizeof dir, "/tmp/ads-tuning-test-%d-%s", (int)getpid(), tag);
    setenv("ADS_CACHE_DIR", dir, 1);
    unsetenv("ADS_TUNE");
    unsetenv("ADS_TUNE_SET");
}

/* The environment is read when a context is created: each setting gets
   a fresh context. */
static int value_under(const char *tune, const char *tune_set)
{
    if (tune) setenv("ADS_TUNE", tune, 1);
    else unsetenv("ADS_TUNE");
    if (tune_set) setenv("ADS_TUNE_SET", tune_set, 1);
    else unsetenv("ADS_TUNE_SET");
    ads_context *ctx = test_context();
    unsetenv("ADS_TUNE");
    unsetenv("ADS_TUNE_SET");
    int v = ads_tune_int(ctx, "test.a", 7, 1, 10);
    ads_context_release(ctx);
    return v;
}

START_TEST(precedence_and_ranges)
{
    private_cache("prec");
    ads_context *ctx = test_context();
    ck_assert_int_eq(ads_tune_int(ctx, "test.a", 7, 1, 10), 7); /* default */
    ck_assert_ads_ok(ads_tune_set(ctx, "test.a", 3));
    ck_assert_int_eq(ads_tune_int(ctx, "test.a", 7, 1, 10), 3); /* table */
    ck_assert_int_eq(ads_tune_int(ctx, "test.a", 7, 4, 10), 7); /* out of range */
    /* The table lives in the process: later contexts see it. */
    ck_assert_int_eq(value_under(NULL, NULL), 3);
    ck_assert_int_eq(value_under("off", NULL), 7);
    ck_assert_int_eq(value_under("off", "test.b=2,test.a=9"), 9); /* override wins */
    ck_assert_int_eq(value_under(NULL, "test.a=99"), 7);          /* bad override */
    ck_assert_int_eq(value_under(NULL, "test.ab=5,test.a=x"), 3); /* no match: table */
    ads_tune_unset(ctx, "test.a");
    ck_assert_int_eq(ads_tune_int(ctx, "test.a", 7, 1, 10), 7);
    ck_assert_int_eq(ads_tune_set(ctx, "bad key", 1), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(ads_last_error(), "bad key") != NULL, "%s", ads_last_error());
    ck_assert_int_eq(ads_tune_set(NULL, "k", 1), ADS_ERR_NULL_ARGUMENT);
    ads_context_release(ctx);
}
END_TEST

/* The defaults follow the device class from CL_DEVICE_TYPE and the
   native float vector width: a GPU's description (no such device here:
   the lookup runs on the description) gets every key's GPU default, an
   AVX-512 CPU's (or one that reports no width) every CPU default, an
   AVX2 or NEON CPU's every CPU8 default, and some CPU8 default differs;
   the GPU's GEMM path is not the CPU-shaped kernels; an override applies
   to either; and PoCL's CPU device, through its context, gets the
   defaults of its CPU class. */
START_TEST(defaults_follow_device_class)
{
    ads_env env = {0}; /* no cache folder: no stored table */
    const ads_tune_device gpu = {"NVIDIA Corporation", "NVIDIA H100 80GB HBM3", CL_DEVICE_TYPE_GPU,
                                 1};
    const ads_tune_device gpu_default = {"Advanced Micro Devices, Inc.", "gfx90a:sramecc+:xnack-",
                                         CL_DEVICE_TYPE_GPU | CL_DEVICE_TYPE_DEFAULT, 4};
    const ads_tune_device cpu = {"GenuineIntel", "pthread-skylake-avx512-Intel(R) Xeon(R) CPU",
                                 CL_DEVICE_TYPE_CPU, 16};
    const ads_tune_device cpu8 = {"AuthenticAMD", "pthread-haswell-AMD EPYC", CL_DEVICE_TYPE_CPU,
                                  8};
    const ads_tune_device neon = {"ARM", "pthread-cortex-a72", CL_DEVICE_TYPE_CPU, 4};
    const ads_tune_device unknown = {"Some vendor", "a CPU that reports no width",
                                     CL_DEVICE_TYPE_CPU, 0};
    const ads_tune_device accel = {"Some vendor", "an accelerator", CL_DEVICE_TYPE_ACCELERATOR, 16};
    ck_assert_int_eq(ads_device_class_of(gpu.type, gpu.float_width), ADS_CLASS_GPU);
    ck_assert_int_eq(ads_device_class_of(gpu_default.type, gpu_default.float_width), ADS_CLASS_GPU);
    ck_assert_int_eq(ads_device_class_of(cpu.type, cpu.float_width), ADS_CLASS_CPU);
    ck_assert_int_eq(ads_device_class_of(cpu8.type, cpu8.float_width), ADS_CLASS_CPU8);
    ck_assert_int_eq(ads_device_class_of(neon.type, neon.float_width), ADS_CLASS_CPU8);
    ck_assert_int_eq(ads_device_class_of(unknown.type, unknown.float_width), ADS_CLASS_CPU);
    ck_assert_int_eq(ads_device_class_of(accel.type, accel.float_width), ADS_CLASS_CPU);
    int differ = 0, differ8 = 0;
    for (int i = 0; i < ads_tunable_count; i++) {
        const ads_tunable *t = &ads_tunables[i];
        ck_assert_int_eq(ads_tune_for(&env, &gpu, t->key), t->def[ADS_CLASS_GPU]);
        ck_assert_int_eq(ads_tune_for(&env, &gpu_default, t->key), t->def[ADS_CLASS_GPU]);
        ck_assert_int_eq(ads_tune_for(&env, &cpu, t->key), t->def[ADS_CLASS_CPU]);
        ck_assert_int_eq(ads_tune_for(&env, &cpu8, t->key), t->def[ADS_CLASS_CPU8]);
        differ += t->def[ADS_CLASS_GPU] != t->def[ADS_CLASS_CPU];
        differ8 += t->def[ADS_CLASS_CPU8] != t->def[ADS_CLASS_CPU];
    }
    ck_assert_int_gt(differ8, 0);
    ck_assert_int_eq(ads_tune_for(&env, &cpu8, "gemm.path"), ADS_GEMM_PATH_CPU);
    ck_assert_int_gt(differ, 0);
    ck_assert_int_eq(ads_tune_for(&env, &cpu, "gemm.path"), ADS_GEMM_PATH_CPU);
    ck_assert_int_ne(ads_tune_for(&env, &gpu, "gemm.path"), ADS_GEMM_PATH_CPU);
    ck_assert_int_eq(ads_tune_for(&env, &gpu, "no.such.key"), 0);
    char set[] = "gemm.path=1";
    env.value[ADS_ENV_TUNE_SET] = set;
    ck_assert_int_eq(ads_tune_for(&env, &gpu, "gemm.path"), ADS_GEMM_PATH_TILED);
    ck_assert_int_eq(ads_tune_for(&env, &cpu, "gemm.path"), ADS_GEMM_PATH_TILED);

    private_cache("class");
    unsetenv("ADS_GEMM");
    ads_context *ctx = test_context();
    ads_device_info in;
    ck_assert_ads_ok(ads_context_device_info(ctx, 0, &in));
    if (!in.is_gpu) {
        ck_assert_int_ne(ads_tune_class(ctx), ADS_CLASS_GPU);
        for (int i = 0; i < ads_tunable_count; i++)
            ck_assert_int_eq(ads_tune(ctx, ads_tunables[i].key),
                             ads_tunables[i].def[ads_tune_class(ctx)]);
        ck_assert_int_eq(ads_gemm_path_of(ctx), ADS_GEMM_PATH_CPU);
    }
    ads_context_release(ctx);
}
END_TEST

/* ads_tune_save writes the device line and the values set. */
START_TEST(saved_table_round_trip)
{
    private_cache("save");
    ads_context *ctx = test_context();
    ck_assert_ads_ok(ads_tune_set(ctx, "test.rows", 12));
    const char *path = NULL;
    ck_assert_ads_ok(ads_tune_save(ctx, &path));
    ck_assert_ptr_nonnull(path);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char line[700];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    ck_assert_msg(strncmp(line, "# device: ", 10) == 0, "%s", line);
    bool found = false;
    while (fgets(line, sizeof line, f)) found |= strcmp(line, "test.rows 12\n") == 0;
    fclose(f);
    ck_assert(found);
    ads_context_release(ctx);
}
END_TEST

/* Each step runs in its own forked process, so every table is loaded from
   the file on first use, as in a new program. */
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) _exit(20);
    fputs(text, f);
    fclose(f);
}

typedef enum { STEP_WRITE_OWN, STEP_EXPECT_OWN, STEP_WRITE_OTHER, STEP_EXPECT_DEFAULT } step;

/* One step in a fresh process; returns its exit status (0: passed). */
static int run_step(step which)
{
    pid_t pid = fork();
    if (pid == 0) {
        ads_context *c;
        if (ads_context_create(getenv("ADS_DEVICE"), &c) != ADS_OK) _exit(10);
        const char *path = ads_tune_file(c);
        if (!path) _exit(11);
        int ok = 1;
        if (which == STEP_WRITE_OWN) {
            /* Learn this device's first line from a save, then rewrite. */
            char first[700], text[1000];
            if (ads_tune_set(c, "test.x", 1) != ADS_OK || ads_tune_save(c, NULL) != ADS_OK)
                _exit(12);
            FILE *f = fopen(path, "r");
            if (!f || !fgets(first, sizeof first, f)) _exit(13);
            fclose(f);
            snprintf(text, sizeof text, "%stest.x 5\ngarbage\ntest.y 6\n", first);
            write_file(path, text);
        } else if (which == STEP_EXPECT_OWN) {
            ok = ads_tune_int(c, "test.x", 0, 0, 9) == 5 && ads_tune_int(c, "test.y", 0, 0, 9) == 6;
        } else if (which == STEP_WRITE_OTHER) {
            write_file(path, "# device: some other device\ntest.x 5\n");
        } else {
            ok = ads_tune_int(c, "test.x", 0, 0, 9) == 0;
        }
        ads_context_release(c);
        _exit(ok ? 0 : 14);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

START_TEST(loaded_table_is_checked)
{
    private_cache("load");
    ck_assert_int_eq(run_step(STEP_WRITE_OWN), 0);
    ck_assert_int_eq(run_step(STEP_EXPECT_OWN), 0);
    ck_assert_int_eq(run_step(STEP_WRITE_OTHER), 0);
    ck_assert_int_eq(run_step(STEP_EXPECT_DEFAULT), 0);
}
END_TEST

/* Depthwise conv forward through the tuned-off direct path (columns and
   GEMM per group) equals the direct kernel's result, which
   test_gconv_forward checks against the reference. */
static float *depthwise_forward(ads_context *ctx, ads_tensor *x, ads_tensor *w, ads_tensor *b,
                                ads_tensor *py, ads_tensor *px, ads_tensor *y)
{
    ads_conv_desc d = {3, 3, 2, 2, 1, 1, 1, 1, 6};
    ads_sampling at = {py, px, NULL};
    ck_assert_ads_ok(ads_gconv_forward(ctx, &d, x, w, b, at, y));
    return test_read(y);
}

START_TEST(depthwise_path_choice_agrees)
{
    private_cache("path");
    ads_context *ctx = test_context();
    test_seed(606);
    int64_t xs[4] = {3, 6, 11, 9}, ws[4] = {6, 1, 3, 3}, bs[1] = {6};
    int64_t ys[4] = {3, 6, 5, 4}, pys[2] = {3, 5}, pxs[2] = {3, 4};
    float xv[3 * 6 * 11 * 9], wv[54], bv[6], pyv[15], pxv[12];
    test_fill_uniform(xv, 3 * 6 * 11 * 9, -1, 1);
    test_fill_uniform(wv, 54, -1, 1);
    test_fill_uniform(bv, 6, -1, 1);
    test_fill_uniform(pyv, 15, -1.5, 11.5); /* borders and the halo included */
    test_fill_uniform(pxv, 12, -1.5, 9.5);
    ads_tensor *x = test_tensor(ctx, 4, xs, xv), *w = test_tensor(ctx, 4, ws, wv);
    ads_tensor *b = test_tensor(ctx, 1, bs, bv), *y = test_tensor(ctx, 4, ys, NULL);
    ads_tensor *py = test_tensor(ctx, 2, pys, pyv), *px = test_tensor(ctx, 2, pxs, pxv);
    float *direct = depthwise_forward(ctx, x, w, b, py, px, y);
    ck_assert_ads_ok(ads_tune_set(ctx, "gconv.depthwise_direct", 0));
    float *gemm = depthwise_forward(ctx, x, w, b, py, px, y);
    double worst = 0;
    for (int i = 0; i < 3 * 6 * 5 * 4; i++) {
        /* 9 products of |w|,|x| <= 1 plus a bias: float32 rounding. */
        double e = fabs((double)direct[i] - gemm[i]);
        ck_assert_msg(e <= 1e-5, "gemm %g vs direct %g at %d", gemm[i], direct[i], i);
        if (e > worst) worst = e;
    }
    printf("depthwise through columns+GEMM vs direct: max |difference| %g\n", worst);
    free(direct);
    free(gemm);
    ads_tensor *all[] = {x, w, b, y, py, px};
    for (int i = 0; i < 6; i++) ads_tensor_release(all[i]);
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tuning");
    TCase *tc = tcase_create("tuning");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, precedence_and_ranges);
    tcase_add_test(tc, defaults_follow_device_class);
    tcase_add_test(tc, saved_table_round_trip);
    tcase_add_test(tc, loaded_table_is_checked);
    tcase_add_test(tc, depthwise_path_choice_agrees);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
