/* Tensors: round trips, shape validation, wrapping, event ordering. */
#include <limits.h>
#include <string.h>

#include "harness.h"
#include "internal.h"

START_TEST(round_trip_and_zero_init)
{
    ads_context *ctx = test_context();
    int64_t shape[4] = {2, 3, 5, 7};
    ads_tensor *t = test_tensor(ctx, 4, shape, NULL);
    ck_assert_uint_eq(ads_tensor_count(t), 210);
    ck_assert_int_eq(ads_tensor_ndim(t), 4);
    ck_assert_int_eq(ads_tensor_dim(t, 3), 7);
    ck_assert_int_eq(ads_tensor_dim(t, 4), 0);
    float *zeros = test_read(t);
    for (int i = 0; i < 210; i++) ck_assert_float_eq(zeros[i], 0.0f);
    float in[210];
    test_seed(1);
    test_fill_uniform(in, 210, -5, 5);
    ck_assert_ads_ok(ads_tensor_write(t, in, 210));
    float *out = test_read(t);
    ck_assert_mem_eq(in, out, sizeof in);
    free(zeros);
    free(out);
    ads_tensor_release(t);
    ads_context_release(ctx);
}
END_TEST

START_TEST(shape_validation)
{
    ads_context *ctx = test_context();
    ads_tensor *t = (ads_tensor *)0x1;
    int64_t ok[1] = {4}, zero[2] = {3, 0}, neg[1] = {-2};
    ck_assert_int_eq(ads_tensor_create(ctx, 0, ok, &t), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(ads_tensor_create(ctx, 7, ok, &t), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(ads_tensor_create(ctx, 2, zero, &t), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(ads_last_error(), "shape[1] is 0") != NULL, "%s", ads_last_error());
    ck_assert_int_eq(ads_tensor_create(ctx, 1, neg, &t), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(ads_tensor_create(ctx, 1, NULL, &t), ADS_ERR_NULL_ARGUMENT);
    ck_assert_int_eq(ads_tensor_create(NULL, 1, ok, &t), ADS_ERR_NULL_ARGUMENT);
    ck_assert_int_eq(ads_tensor_create(ctx, 1, ok, NULL), ADS_ERR_NULL_ARGUMENT);
    int64_t huge[3] = {1ll << 30, 1ll << 30, 1ll << 30};
    ck_assert_int_eq(ads_tensor_create(ctx, 3, huge, &t), ADS_ERR_TOO_LARGE);
    int64_t overflow[2] = {INT64_MAX, 3};
    ck_assert_int_eq(ads_tensor_create(ctx, 2, overflow, &t), ADS_ERR_TOO_LARGE);
    ads_device_info in;
    ck_assert_ads_ok(ads_context_device_info(ctx, 0, &in));
    int64_t over[1] = {(int64_t)(in.max_alloc_bytes / 4) + 1};
    ck_assert_int_eq(ads_tensor_create(ctx, 1, over, &t), ADS_ERR_TOO_LARGE);
    ck_assert_msg(strstr(ads_last_error(), "largest allocation") != NULL, "%s", ads_last_error());
    ads_context_release(ctx);
}
END_TEST

START_TEST(count_and_null_checks)
{
    ads_context *ctx = test_context();
    int64_t shape[1] = {8};
    ads_tensor *t = test_tensor(ctx, 1, shape, NULL);
    float buf[9] = {0};
    ck_assert_int_eq(ads_tensor_write(t, buf, 9), ADS_ERR_SHAPE_MISMATCH);
    ck_assert_msg(strstr(ads_last_error(), "count is 9") != NULL, "%s", ads_last_error());
    ck_assert_int_eq(ads_tensor_read(t, buf, 7), ADS_ERR_SHAPE_MISMATCH);
    ck_assert_int_eq(ads_tensor_write(t, NULL, 8), ADS_ERR_NULL_ARGUMENT);
    ck_assert_int_eq(ads_tensor_read(t, NULL, 8), ADS_ERR_NULL_ARGUMENT);
    ck_assert_int_eq(ads_tensor_write(NULL, buf, 8), ADS_ERR_NULL_ARGUMENT);
    ads_tensor_release(NULL);
    ads_tensor_release(t);
    ads_context_release(ctx);
}
END_TEST

START_TEST(wrap_a_callers_buffer)
{
    ads_context *ctx = test_context();
    cl_context cl = ads_context_cl_context(ctx);
    cl_command_queue queue = ads_context_cl_queue(ctx);
    cl_int err;
    size_t n = 4096;
    cl_mem mem = clCreateBuffer(cl, CL_MEM_READ_WRITE, n * 4, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    float *host = calloc(n, 4);
    for (size_t i = 0; i < n; i++) host[i] = (float)i;
    ck_assert_int_eq(clEnqueueWriteBuffer(queue, mem, CL_TRUE, 0, n * 4, host, 0, 0, 0),
                     CL_SUCCESS);
    size_t offset = test_align_floats(ctx); /* the smallest legal offset */
    int64_t shape[2] = {4, 8};
    ads_tensor *t = NULL;
    ck_assert_ads_ok(ads_tensor_wrap(ctx, mem, offset, 2, shape, &t));
    ck_assert_ptr_eq(ads_tensor_cl_mem(t), mem);
    ck_assert_uint_eq(ads_tensor_offset(t), offset);
    float *v = test_read(t);
    for (int i = 0; i < 32; i++) ck_assert_float_eq(v[i], (float)(offset + (size_t)i));
    free(v);
    ads_tensor_release(t);
    /* The caller's buffer survives the tensor. */
    float first;
    ck_assert_int_eq(clEnqueueReadBuffer(queue, mem, CL_TRUE, 0, 4, &first, 0, 0, 0), CL_SUCCESS);
    ck_assert_float_eq(first, 0.0f);
    ck_assert_int_eq(ads_tensor_wrap(ctx, mem, n - 8, 2, shape, &t), ADS_ERR_SHAPE_MISMATCH);
    if (offset > 1) {
        ck_assert_int_eq(ads_tensor_wrap(ctx, mem, 1, 2, shape, &t), ADS_ERR_UNSUPPORTED);
        ck_assert_msg(strstr(ads_last_error(), "CL_DEVICE_MEM_BASE_ADDR_ALIGN") != NULL, "%s",
                      ads_last_error());
    }
    ck_assert_int_eq(ads_tensor_wrap(ctx, NULL, 0, 2, shape, &t), ADS_ERR_NULL_ARGUMENT);
    /* A buffer of another OpenCL context is refused, not used. */
    cl_device_id device = test_cl_device(ctx);
    cl_context other = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    cl_mem foreign = clCreateBuffer(other, CL_MEM_READ_WRITE, n * 4, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    ck_assert_int_eq(ads_tensor_wrap(ctx, foreign, 0, 2, shape, &t), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(ads_last_error(), "another OpenCL context") != NULL, "%s",
                  ads_last_error());
    ck_assert_ptr_null(t);
    clReleaseMemObject(foreign);
    clReleaseContext(other);
    clReleaseMemObject(mem);
    free(host);
    ads_context_release(ctx);
}
END_TEST

/* A chain of dependent kernel launches through the scheduler sees every
   earlier write; the tensors' event records follow the rules. */
START_TEST(scheduler_orders_dependent_work)
{
    ads_context *ctx = test_context();
    int64_t shape[1] = {1000};
    float in[1000];
    for (int i = 0; i < 1000; i++) in[i] = (float)i;
    ads_tensor *a = test_tensor(ctx, 1, shape, in), *b = test_tensor(ctx, 1, shape, NULL);
    cl_kernel k;
    ck_assert_ads_ok(ads_get_kernel(ctx, "util", "", "copy_floats", &k));
    for (int round = 0; round < 40; round++) {
        ads_tensor *src = round % 2 ? b : a, *dst = round % 2 ? a : b;
        ck_assert_ads_ok(ads_arg_mem(k, 0, src));
        ck_assert_ads_ok(ads_arg_mem(k, 1, dst));
        ck_assert_ads_ok(ads_arg_long(k, 2, 1000));
        ads_launch l = {.kernel = k, .dims = 1, .global = {1000}, .nreads = 1, .nwrites = 1};
        l.reads[0] = src;
        l.writes[0] = dst;
        ck_assert_ads_ok(ads_enqueue(ctx, &l));
        ck_assert_ptr_nonnull(dst->last_write);
        ck_assert_int_eq(dst->nreads, 0);
        ck_assert_int_le(src->nreads, 17);
    }
    float *v = test_read(a);
    ck_assert_mem_eq(v, in, sizeof in);
    free(v);
    ck_assert_ads_ok(ads_finish(ctx));
    ads_tensor_release(a);
    ads_tensor_release(b);
    ads_context_release(ctx);
}
END_TEST

/* ads_output_size: PyTorch's formula where it fits, 0 where the window
   does not fit or an argument is out of range, and never a signed
   overflow (the sanitizer build runs this under UBSan). */
START_TEST(output_size_ranges)
{
    ck_assert_int_eq(ads_output_size(28, 3, 2, 1, 1), 14);
    ck_assert_int_eq(ads_output_size(7, 3, 1, 0, 2), 3);
    ck_assert_int_eq(ads_output_size(2, 5, 1, 0, 1), 0);
    ck_assert_int_eq(ads_output_size(-5, 1, 1, 0, 1), 0);
    ck_assert_int_eq(ads_output_size(8, 0, 1, 0, 1), 0);
    ck_assert_int_eq(ads_output_size(8, 3, 0, 0, 1), 0);
    ck_assert_int_eq(ads_output_size(8, 3, 1, 0, 0), 0);
    /* in + 2*pad passes INT64_MAX: refused, not wrapped. */
    ck_assert_int_eq(ads_output_size(INT64_MAX, 1, 1, INT_MAX, 1), 0);
    ck_assert_int_eq(ads_output_size(INT64_MAX, 1, 1, 0, 1), INT64_MAX);
    ck_assert_int_eq(ads_output_size(INT64_MAX, 1, 1, 1, 1), 0); /* INT64_MAX + 2 outputs */
    ck_assert_int_eq(ads_output_size(INT64_MAX, 1, 2, 0, 1), INT64_MAX / 2 + 1);
    ck_assert_int_eq(ads_output_size(INT64_MAX, INT_MAX, 1, 0, INT_MAX),
                     INT64_MAX - (int64_t)INT_MAX * (INT_MAX - 1));
    ck_assert_int_eq(ads_output_size(0, INT_MAX, 1, INT_MAX, INT_MAX), 0);
    ck_assert_int_eq(ads_output_size(INT64_MAX - 10, 1, 3, 4, 1), (INT64_MAX - 2) / 3 + 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tensor");
    TCase *tc = tcase_create("tensor");
    tcase_add_test(tc, round_trip_and_zero_init);
    tcase_add_test(tc, shape_validation);
    tcase_add_test(tc, count_and_null_checks);
    tcase_add_test(tc, wrap_a_callers_buffer);
    tcase_add_test(tc, scheduler_orders_dependent_work);
    tcase_add_test(tc, output_size_ranges);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
