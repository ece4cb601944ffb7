/* The scheduler: several queues, failed dependencies, profiling, and
   several host threads sharing one context. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "internal.h"

/* Enqueues dst = src through the scheduler on the given stream. */
static ads_status copy(ads_context *ctx, const ads_tensor *src, ads_tensor *dst, int stream)
{
    cl_kernel k;
    ADS_TRY(ads_get_kernel(ctx, "util", "", "copy_floats", &k));
    ADS_TRY(ads_arg_mem(k, 0, src));
    ADS_TRY(ads_arg_mem(k, 1, dst));
    ADS_TRY(ads_arg_long(k, 2, (int64_t)src->count));
    ads_launch l = {.stream = stream,
                    .kernel = k,
                    .dims = 1,
                    .global = {src->count},
                    .nreads = 1,
                    .nwrites = 1};
    l.reads[0] = src;
    l.writes[0] = dst;
    return ads_enqueue(ctx, &l);
}

/* A kernel that marks every element it is launched on with its index + 1
   (as int bits), from the global ids only; `n` guards the elements. */
static const char *mark_source =
    "kernel void mark(global int *out, int w, int h, int n)\n"
    "{\n"
    "    int i = ((int)get_global_id(2) * h + (int)get_global_id(1)) * w + (int)get_global_id(0);\n"
    "    if ((int)get_global_id(0) < w && i < n) out[i] = i + 1;\n"
    "}\n";

/* Runs mark over dims/global with the wished local size and checks that
   every one of the n elements was written exactly where expected. */
static void run_mark(ads_context *ctx, cl_kernel k, cl_uint dims, const size_t *global,
                     const size_t *local, int w, int h, int n)
{
    int64_t shape[1] = {n};
    ads_tensor *out = test_tensor(ctx, 1, shape, NULL);
    ck_assert_ads_ok(ads_fill(ctx, out, 0.0f));
    ads_launcher l;
    ads_launch_begin(&l, ctx, k);
    ads_launch_out(&l, out);
    ads_launch_int(&l, w);
    ads_launch_int(&l, h);
    ads_launch_int(&l, n);
    ck_assert_ads_ok(ads_launch_run(&l, dims, global, local));
    float *got = malloc((size_t)n * sizeof *got);
    ck_assert_ads_ok(ads_tensor_read(out, got, (size_t)n));
    for (int i = 0; i < n; i++) {
        int v;
        memcpy(&v, &got[i], sizeof v);
        ck_assert_msg(v == i + 1, "element %d holds %d", i, v);
    }
    free(got);
    ads_tensor_release(out);
}

/* The launch builder: grids beyond 65535 work-groups along y or z are
   folded into several enqueues with offsets, and a local size the kernel
   cannot take is narrowed, with the same result as a plain launch. */
START_TEST(launch_builder_folds_and_narrows)
{
    ads_context *ctx = test_context();
    cl_program prog;
    ck_assert_ads_ok(ads_build_source(ctx, mark_source, "", &prog));
    cl_int err;
    cl_kernel k = clCreateKernel(prog, "mark", &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    /* y: 70001 groups of one row, two blocks. */
    run_mark(ctx, k, 2, (size_t[]){2, 70001}, (size_t[]){1, 1}, 2, 70001, 2 * 70001);
    /* z: 65536 + 3 groups, two blocks; y and x within one. */
    run_mark(ctx, k, 3, (size_t[]){3, 2, 65539}, (size_t[]){1, 1, 1}, 3, 2, 3 * 2 * 65539);
    /* A wish far beyond any device's work-group size is narrowed. */
    run_mark(ctx, k, 1, (size_t[]){1000}, (size_t[]){(size_t)1 << 30}, 1000, 1, 1000);
    run_mark(ctx, k, 2, (size_t[]){37, 5}, (size_t[]){(size_t)1 << 20, 64}, 37, 5, 37 * 5);
    clReleaseKernel(k);
    clReleaseProgram(prog);
    ads_context_release(ctx);
}
END_TEST

/* One statement per tensor: a tensor both read and written is listed as
   written only, a repeated read once, a placeholder not at all; a NULL
   tensor is an error the run reports. */
START_TEST(launch_builder_records_each_tensor_once)
{
    ads_context *ctx = test_context();
    cl_program prog;
    ck_assert_ads_ok(
        ads_build_source(ctx,
                         "kernel void four(global float *a, global float *b, global float *c, "
                         "global float *d) { a[0] = b[0] + c[0] + d[0]; }",
                         "", &prog));
    cl_int err;
    cl_kernel k = clCreateKernel(prog, "four", &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    int64_t shape[1] = {16};
    ads_tensor *a = test_tensor(ctx, 1, shape, NULL), *b = test_tensor(ctx, 1, shape, NULL);
    ads_launcher l;
    ads_launch_begin(&l, ctx, k);
    ads_launch_in(&l, a);
    ads_launch_in(&l, a);
    ads_launch_out(&l, a);
    ads_launch_in_or(&l, NULL, b);
    ck_assert_int_eq(l.st, ADS_OK);
    ck_assert_int_eq(l.nargs, 4);
    ck_assert_int_eq(l.l.nreads, 0);
    ck_assert_int_eq(l.l.nwrites, 1);
    ck_assert_ptr_eq(l.l.writes[0], a);
    ads_launch_begin(&l, ctx, k);
    ads_launch_in(&l, NULL);
    ads_launch_out(&l, b);
    ck_assert_int_eq(ads_launch_run(&l, 1, (size_t[]){1}, NULL), ADS_ERR_NULL_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(ads_last_error(), "argument 0"));
    ads_tensor_release(a);
    ads_tensor_release(b);
    clReleaseKernel(k);
    clReleaseProgram(prog);
    ads_context_release(ctx);
}
END_TEST

/* A chain that hops between queues must still see every earlier write. */
START_TEST(chains_across_queues_stay_ordered)
{
    const char *counts[] = {"1", "2", "4"};
    for (int q = 0; q < 3; q++) {
        setenv("ADS_QUEUES", counts[q], 1);
        ads_context *ctx = test_context();
        ck_assert_int_eq(ctx->nqueues, atoi(counts[q]));
        int64_t shape[1] = {4096};
        float in[4096];
        for (int i = 0; i < 4096; i++) in[i] = (float)(i * 3 + q);
        ads_tensor *t[3];
        t[0] = test_tensor(ctx, 1, shape, in);
        t[1] = test_tensor(ctx, 1, shape, NULL);
        t[2] = test_tensor(ctx, 1, shape, NULL);
        for (int round = 0; round < 30; round++)
            ck_assert_ads_ok(copy(ctx, t[round % 3], t[(round + 1) % 3], round % 4));
        float *v = test_read(t[30 % 3]);
        ck_assert_mem_eq(v, in, sizeof in);
        free(v);
        for (int i = 0; i < 3; i++) ads_tensor_release(t[i]);
        ads_context_release(ctx);
    }
    setenv("ADS_QUEUES", "9", 1);
    ads_context *ctx = NULL;
    ck_assert_int_eq(ads_context_create(NULL, &ctx), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(ads_last_error(), "ADS_QUEUES") != NULL, "%s", ads_last_error());
    unsetenv("ADS_QUEUES");
}
END_TEST

/* A dependency that failed surfaces as a status, never as a hang. */
START_TEST(failed_dependency_is_reported)
{
    ads_context *ctx = test_context();
    int64_t shape[1] = {16};
    ads_tensor *a = test_tensor(ctx, 1, shape, NULL), *b = test_tensor(ctx, 1, shape, NULL);
    cl_int err;
    cl_event failed = clCreateUserEvent(ctx->cl, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    ck_assert_int_eq(clSetUserEventStatus(failed, -5), CL_SUCCESS);
    ads_lock(ctx);
    ads_record(failed, NULL, 0, &a, 1); /* as if a kernel writing `a` had failed */
    ads_unlock(ctx);
    clReleaseEvent(failed);
    ck_assert_int_eq(copy(ctx, a, b, 0), ADS_ERR_OPENCL);
    ck_assert_msg(strstr(ads_last_error(), "failed") != NULL, "%s", ads_last_error());
    float host[16];
    ck_assert_int_eq(ads_tensor_read(a, host, 16), ADS_ERR_OPENCL);
    /* b was never touched and is still usable. */
    ck_assert_ads_ok(ads_tensor_read(b, host, 16));
    /* Overwriting a whole failed tensor needs none of its old contents: it
       works, and the tensor is usable again. */
    for (int i = 0; i < 16; i++) host[i] = (float)i;
    ck_assert_ads_ok(ads_tensor_write(a, host, 16));
    ck_assert_ads_ok(copy(ctx, a, b, 0));
    float back[16];
    ck_assert_ads_ok(ads_tensor_read(b, back, 16));
    ck_assert_mem_eq(back, host, sizeof host);
    ads_tensor_release(a);
    ads_tensor_release(b);
    ads_context_release(ctx);
}
END_TEST

/* ADS_PROFILE=1 prints a table of kernels when the context goes. */
START_TEST(profile_table_is_printed)
{
    char path[] = "/tmp/ads-profile-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    setenv("ADS_PROFILE", "1", 1);
    ads_context *ctx = test_context();
    int64_t shape[1] = {1000};
    ads_tensor *a = test_tensor(ctx, 1, shape, NULL), *b = test_tensor(ctx, 1, shape, NULL);
    for (int i = 0; i < 5; i++) ck_assert_ads_ok(copy(ctx, a, b, 0));
    float host[1000];
    ck_assert_ads_ok(ads_tensor_read(b, host, 1000));
    ads_tensor_release(a);
    ads_tensor_release(b);
    ads_context_release(ctx);
    unsetenv("ADS_PROFILE");
    fflush(stderr);
    dup2(saved, 2);
    char text[4096] = "";
    FILE *f = fopen(path, "r");
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    remove(path);
    ck_assert_msg(strstr(text, "adastride profile") != NULL, "no table in: %s", text);
    ck_assert_msg(strstr(text, "copy_floats") != NULL, "no kernel row in: %s", text);
    ck_assert_msg(strstr(text, "device->host 4000") != NULL, "no byte count in: %s", text);
}
END_TEST

typedef struct {
    ads_context *ctx;
    unsigned seed;
    int failures;
} worker;

/* Many independent round trips through copies of random sizes. */
static void *work(void *arg)
{
    worker *w = arg;
    for (int iter = 0; iter < 60; iter++) {
        int64_t n = 1 + (int64_t)(rand_r(&w->seed) % 20000);
        float *in = malloc((size_t)n * sizeof *in), *out = malloc((size_t)n * sizeof *out);
        for (int64_t i = 0; i < n; i++) in[i] = (float)rand_r(&w->seed);
        ads_tensor *a = NULL, *b = NULL;
        bool ok = ads_tensor_create(w->ctx, 1, &n, &a) == ADS_OK &&
                  ads_tensor_create(w->ctx, 1, &n, &b) == ADS_OK &&
                  ads_tensor_write(a, in, (size_t)n) == ADS_OK &&
                  copy(w->ctx, a, b, iter % 2) == ADS_OK &&
                  ads_tensor_read(b, out, (size_t)n) == ADS_OK &&
                  memcmp(in, out, (size_t)n * sizeof *in) == 0;
        ads_tensor *ws = NULL;
        ok = ok && ads_workspace_acquire(w->ctx, (size_t)n, &ws) == ADS_OK;
        ads_workspace_release(w->ctx, ws);
        if (!ok) w->failures++;
        ads_tensor_release(a);
        ads_tensor_release(b);
        free(in);
        free(out);
    }
    return NULL;
}

START_TEST(two_threads_share_a_context)
{
    ads_context *ctx = test_context();
    worker w[2] = {{ctx, 1, 0}, {ctx, 2, 0}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++) ck_assert_int_eq(pthread_create(&th[i], NULL, work, &w[i]), 0);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    ck_assert_int_eq(w[0].failures + w[1].failures, 0);
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scheduler");
    TCase *tc = tcase_create("scheduler");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, chains_across_queues_stay_ordered);
    tcase_add_test(tc, failed_dependency_is_reported);
    tcase_add_test(tc, profile_table_is_printed);
    tcase_add_test(tc, two_threads_share_a_context);
    tcase_add_test(tc, launch_builder_folds_and_narrows);
    tcase_add_test(tc, launch_builder_records_each_tensor_once);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
