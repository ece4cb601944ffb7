/* An application's own OpenCL objects: a context made from its queue, its
   buffers (and sub-buffers) wrapped as tensors, and the ordering contract
   with its queue in both directions. The ordering tests hold back one side
   with a user event that a helper thread completes later, so a missing
   marker or join shows as a wrong result, not as a rare race. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gconv_testlib.h"
#include "internal.h" /* only to hold back the library's second queue */

/* What an application brings: its own context and in-order queue on the
   test device, and the adastride context made from that queue. */
typedef struct {
    cl_device_id device;
    cl_context cl;
    cl_command_queue queue;
    ads_context *ctx;
} app;

static void app_open(app *a)
{
    ads_context *probe = test_context(); /* honours ADS_DEVICE */
    a->device = test_cl_device(probe);
    ads_context_release(probe);
    cl_int err;
    a->cl = clCreateContext(NULL, 1, &a->device, NULL, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    a->queue = clCreateCommandQueue(a->cl, a->device, 0, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    ck_assert_ads_ok(ads_context_create_from_queue(a->queue, &a->ctx));
}

static void app_close(app *a)
{
    ads_context_release(a->ctx);
    clReleaseCommandQueue(a->queue);
    clReleaseContext(a->cl);
}

/* An application buffer of n floats (zeros), written without blocking. */
static cl_mem app_buffer(const app *a, size_t n)
{
    cl_int err;
    cl_mem m = clCreateBuffer(a->cl, CL_MEM_READ_WRITE, n * 4, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    float zero = 0;
    ck_assert_int_eq(clEnqueueFillBuffer(a->queue, m, &zero, 4, 0, n * 4, 0, NULL, NULL),
                     CL_SUCCESS);
    return m;
}

/* The buffer's data as a wrapped tensor; data (kept alive by the caller
   until clFinish) goes in with a non-blocking write, after `gate` if set. */
static ads_tensor *app_tensor(const app *a, cl_mem m, size_t offset, int ndim, const int64_t *shape,
                              const float *data, cl_event gate)
{
    ads_tensor *t = NULL;
    ck_assert_ads_ok(ads_tensor_wrap(a->ctx, m, offset, ndim, shape, &t));
    if (data)
        ck_assert_int_eq(clEnqueueWriteBuffer(a->queue, m, CL_FALSE, offset * 4,
                                              ads_tensor_count(t) * 4, data, gate ? 1 : 0,
                                              gate ? &gate : NULL, NULL),
                         CL_SUCCESS);
    return t;
}

/* Reads n floats at offset with a non-blocking read, then clFinish. */
static float *app_read(const app *a, cl_mem m, size_t offset, size_t n)
{
    float *h = malloc(n * sizeof *h);
    ck_assert_int_eq(
        clEnqueueReadBuffer(a->queue, m, CL_FALSE, offset * 4, n * 4, h, 0, NULL, NULL),
        CL_SUCCESS);
    ck_assert_int_eq(clFinish(a->queue), CL_SUCCESS);
    return h;
}

static cl_uint ref_count(cl_command_queue q)
{
    cl_uint n = 0;
    clGetCommandQueueInfo(q, CL_QUEUE_REFERENCE_COUNT, sizeof n, &n, NULL);
    return n;
}

/* The queue's reference count once the driver has let go of its own
   transient references: PoCL's events hold their queue until its worker
   thread retires them, a moment after they complete. Polls for up to
   five seconds for the count to reach `want`, returning the last count. */
static cl_uint settled_ref_count(cl_command_queue q, cl_uint want)
{
    cl_uint n = ref_count(q);
    for (int i = 0; i < 5000 && n != want; i++) {
        clFinish(q);
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
        n = ref_count(q);
    }
    return n;
}

START_TEST(create_from_queue_checks_its_queue)
{
    ads_context *ctx = (ads_context *)1;
    ck_assert_int_eq(ads_context_create_from_queue(NULL, &ctx), ADS_ERR_NULL_ARGUMENT);
    ck_assert_ptr_null(ctx);
    ck_assert_msg(strstr(ads_last_error(), "queue is NULL") != NULL, "%s", ads_last_error());
    app a;
    app_open(&a);
    ck_assert_int_eq(ads_context_create_from_queue(a.queue, NULL), ADS_ERR_NULL_ARGUMENT);
    ck_assert_msg(strstr(ads_last_error(), "out is NULL") != NULL, "%s", ads_last_error());
    /* An out-of-order queue is refused where the device can make one. */
    cl_command_queue_properties props = 0;
    clGetDeviceInfo(a.device, CL_DEVICE_QUEUE_PROPERTIES, sizeof props, &props, NULL);
    if (props & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE) {
        cl_int err;
        cl_command_queue ooo =
            clCreateCommandQueue(a.cl, a.device, CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE, &err);
        ck_assert_int_eq(err, CL_SUCCESS);
        ck_assert_int_eq(ads_context_create_from_queue(ooo, &ctx), ADS_ERR_UNSUPPORTED);
        ck_assert_ptr_null(ctx);
        ck_assert_msg(strstr(ads_last_error(), "OUT_OF_ORDER") != NULL, "%s", ads_last_error());
        clReleaseCommandQueue(ooo);
    }
    app_close(&a);
}
END_TEST

/* The context is the caller's: same cl_context (none of its own), same
   queue, retained while it lives and released with it. */
START_TEST(context_lives_on_the_callers_objects)
{
    app a;
    app_open(&a);
    ck_assert_ptr_eq(ads_context_cl_context(a.ctx), a.cl);
    ck_assert_ptr_eq(ads_context_cl_queue(a.ctx), a.queue);
    ck_assert_int_eq(ads_context_device_count(a.ctx), 1);
    ck_assert_uint_eq(ref_count(a.queue), 2);
    int64_t shape[2] = {3, 5};
    ads_tensor *t = NULL;
    ck_assert_ads_ok(ads_tensor_create(a.ctx, 2, shape, &t));
    cl_context owner = NULL;
    clGetMemObjectInfo(ads_tensor_cl_mem(t), CL_MEM_CONTEXT, sizeof owner, &owner, NULL);
    ck_assert_ptr_eq(owner, a.cl);
    ck_assert_uint_eq(ads_tensor_offset(t), 0);
    ads_tensor_release(t);
    ads_context_release(a.ctx);
    ck_assert_uint_eq(settled_ref_count(a.queue, 1), 1);
    /* The caller's objects still work. */
    cl_mem m = app_buffer(&a, 16);
    ck_assert_int_eq(clFinish(a.queue), CL_SUCCESS);
    clReleaseMemObject(m);
    ck_assert_ptr_null(ads_context_cl_context(NULL));
    ck_assert_ptr_null(ads_context_cl_queue(NULL));
    ck_assert_ptr_null(ads_tensor_cl_mem(NULL));
    clReleaseCommandQueue(a.queue);
    clReleaseContext(a.cl);
}
END_TEST

/* Wraps: a caller's sub-buffer (its own offset plus the wrap's), the
   alignment rule, buffers of another cl_context. */
START_TEST(wrap_sub_buffers_and_refusals)
{
    app a;
    app_open(&a);
    size_t align = test_align_floats(a.ctx), n = 8 * align + 64;
    cl_mem whole = app_buffer(&a, n);
    float *data = malloc(n * sizeof *data);
    for (size_t i = 0; i < n; i++) data[i] = (float)i;
    ck_assert_int_eq(clEnqueueWriteBuffer(a.queue, whole, CL_FALSE, 0, n * 4, data, 0, NULL, NULL),
                     CL_SUCCESS);
    cl_buffer_region region = {2 * align * 4, 4 * align * 4};
    cl_int err;
    cl_mem sub =
        clCreateSubBuffer(whole, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION, &region, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    int64_t shape[1] = {(int64_t)align + 5};
    ads_tensor *t = NULL;
    ck_assert_ads_ok(ads_tensor_wrap(a.ctx, sub, align, 1, shape, &t));
    ck_assert_ptr_eq(ads_tensor_cl_mem(t), sub);
    ck_assert_uint_eq(ads_tensor_offset(t), align);
    float *v = test_read(t);
    for (int64_t i = 0; i < shape[0]; i++) ck_assert_float_eq(v[i], (float)(3 * align + i));
    free(v);
    ads_tensor_release(t);
    /* A whole sub-buffer is used as it is. */
    int64_t all[1] = {(int64_t)(4 * align)};
    ck_assert_ads_ok(ads_tensor_wrap(a.ctx, sub, 0, 1, all, &t));
    ads_tensor_release(t);
    /* Past the end of the sub-buffer, though inside its parent. */
    ck_assert_int_eq(ads_tensor_wrap(a.ctx, sub, 3 * align + 1, 1, shape, &t),
                     ADS_ERR_SHAPE_MISMATCH);
    if (align > 1) {
        ck_assert_int_eq(ads_tensor_wrap(a.ctx, sub, 1, 1, shape, &t), ADS_ERR_UNSUPPORTED);
        ck_assert_msg(strstr(ads_last_error(), "CL_DEVICE_MEM_BASE_ADDR_ALIGN") != NULL &&
                          strstr(ads_last_error(), "offset 1 ") != NULL,
                      "%s", ads_last_error());
        ck_assert_ptr_null(t);
    }
    /* A buffer of the application's other cl_context. */
    cl_context other = clCreateContext(NULL, 1, &a.device, NULL, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    cl_mem foreign = clCreateBuffer(other, CL_MEM_READ_WRITE, 64, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    int64_t small[1] = {4};
    ck_assert_int_eq(ads_tensor_wrap(a.ctx, foreign, 0, 1, small, &t), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(ads_last_error(), "another OpenCL context") != NULL &&
                      strstr(ads_last_error(), "ads_context_create_from_queue") != NULL,
                  "%s", ads_last_error());
    ck_assert_ptr_null(t);
    clReleaseMemObject(foreign);
    clReleaseContext(other);
    ck_assert_int_eq(clFinish(a.queue), CL_SUCCESS);
    free(data);
    clReleaseMemObject(sub);
    clReleaseMemObject(whole);
    app_close(&a);
}
END_TEST

/* Buffers of the application, all in one allocation at aligned offsets;
   x in a sub-buffer of it. */
typedef struct {
    cl_mem all, sub;
    size_t at[12];
} layout;

enum { L_X, L_W, L_B, L_PY, L_PX, L_Y, L_GY, L_GX, L_GW, L_GB, L_GPY, L_GPX, L_N };

static void plan_layout(const app *a, const gc_case *c, layout *l, size_t *sizes)
{
    size_t align = test_align_floats(a->ctx), end = 0;
    size_t n[L_N] = {gc_count_x(c),      gc_count_w(c),     (size_t)c->s.Cout,  gc_count_pos(c, 0),
                     gc_count_pos(c, 1), gc_count_y(c),     gc_count_y(c),      gc_count_x(c),
                     gc_count_w(c),      (size_t)c->s.Cout, gc_count_pos(c, 0), gc_count_pos(c, 1)};
    for (int i = 0; i < L_N; i++) {
        end += align; /* a gap before each */
        l->at[i] = end;
        sizes[i] = n[i];
        end = (end + n[i] + align - 1) / align * align;
    }
    l->all = app_buffer(a, end);
}

/* The scenario: forward and backward of a separable adaptive
   convolution on the application's buffers, its own non-blocking writes
   before and reads after, no ads_tensor_read or ads_finish anywhere. */
START_TEST(forward_backward_on_callers_buffers)
{
    test_seed(1501);
    for (int trial = 0; trial < 4; trial++) {
        app a;
        app_open(&a);
        gc_case c;
        gc_random_case(&c, ADS_SAMPLING_SEPARABLE, trial == 3);
        layout l;
        size_t n[L_N];
        plan_layout(&a, &c, &l, n);
        /* x through a sub-buffer that starts one alignment unit before it. */
        size_t align = test_align_floats(a.ctx);
        cl_buffer_region region = {(l.at[L_X] - align) * 4, (align + n[L_X]) * 4};
        cl_int err;
        l.sub = clCreateSubBuffer(l.all, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION, &region,
                                  &err);
        ck_assert_int_eq(err, CL_SUCCESS);
        float *gy = malloc(n[L_GY] * sizeof *gy);
        test_fill_uniform(gy, n[L_GY], -1, 1);
        int64_t xs[4] = {c.s.N, c.s.C, c.s.H, c.s.W},
                ws[4] = {c.s.Cout, c.s.C / c.s.G, c.s.kh, c.s.kw};
        int64_t ys[4] = {c.s.N, c.s.Cout, c.s.Ho, c.s.Wo}, bs[1] = {c.s.Cout};
        int64_t pys[2] = {c.s.N, c.s.Ho}, pxs[2] = {c.s.N, c.s.Wo};
        ads_tensor *x = app_tensor(&a, l.sub, align, 4, xs, c.x, NULL);
        ads_tensor *w = app_tensor(&a, l.all, l.at[L_W], 4, ws, c.w, NULL);
        ads_tensor *b = c.has_bias ? app_tensor(&a, l.all, l.at[L_B], 1, bs, c.b, NULL) : NULL;
        ads_tensor *py = app_tensor(&a, l.all, l.at[L_PY], 2, pys, c.py, NULL);
        ads_tensor *px = app_tensor(&a, l.all, l.at[L_PX], 2, pxs, c.px, NULL);
        ads_tensor *y = app_tensor(&a, l.all, l.at[L_Y], 4, ys, NULL, NULL);
        ads_tensor *tgy = app_tensor(&a, l.all, l.at[L_GY], 4, ys, gy, NULL);
        ads_tensor *gx = app_tensor(&a, l.all, l.at[L_GX], 4, xs, NULL, NULL);
        ads_tensor *gw = app_tensor(&a, l.all, l.at[L_GW], 4, ws, NULL, NULL);
        ads_tensor *gb = app_tensor(&a, l.all, l.at[L_GB], 1, bs, NULL, NULL);
        ads_tensor *gpy = app_tensor(&a, l.all, l.at[L_GPY], 2, pys, NULL, NULL);
        ads_tensor *gpx = app_tensor(&a, l.all, l.at[L_GPX], 2, pxs, NULL, NULL);
        ads_conv_desc d = gc_desc(&c);
        ads_sampling at = {py, px, NULL};
        ck_assert_ads_ok(ads_gconv_forward(a.ctx, &d, x, w, b, at, y));
        ads_sampling_grad gat = {gpy, gpx, NULL};
        ck_assert_ads_ok(ads_gconv_backward(a.ctx, &d, x, w, at, tgy, gx, gw, gb, gat));
        float *h = app_read(&a, l.all, 0, l.at[L_GPX] + n[L_GPX]);

        double *ry = malloc(n[L_Y] * sizeof *ry), *my = malloc(n[L_Y] * sizeof *my);
        ref_gconv_forward(&c.s, c.dx, c.dw, c.db, gc_ref_at(&c), ry);
        ref_gconv_forward_magnitude(&c.s, c.dx, c.dw, c.db, gc_ref_at(&c), my);
        gc_check("y", h + l.at[L_Y], ry, my, n[L_Y], NULL);
        double *dgy = malloc(n[L_GY] * sizeof *dgy);
        for (size_t i = 0; i < n[L_GY]; i++) dgy[i] = gy[i];
        double *r[L_N] = {0}, *m[L_N] = {0};
        const int outs[5] = {L_GX, L_GW, L_GB, L_GPY, L_GPX};
        const char *names[5] = {"gx", "gw", "gb", "gpy", "gpx"};
        for (int k = 0; k < 5; k++) {
            r[outs[k]] = malloc(n[outs[k]] * sizeof(double));
            m[outs[k]] = malloc(n[outs[k]] * sizeof(double));
        }
        for (int mag = 0; mag < 2; mag++) {
            double **o = mag ? m : r;
            ref_gconv_backward(&c.s, c.dx, c.dw, gc_ref_at(&c), dgy, o[L_GX], o[L_GW], o[L_GB],
                               o[L_GPY], o[L_GPX], NULL, mag);
        }
        for (int k = 0; k < 5; k++)
            gc_check(names[k], h + l.at[outs[k]], r[outs[k]], m[outs[k]], n[outs[k]], NULL);
        /* The gaps between the buffers were never written. */
        for (int i = 0; i < L_N; i++)
            for (size_t g = i ? l.at[i - 1] + n[i - 1] : 0; g < l.at[i]; g++)
                ck_assert_msg(h[g] == 0.0f, "gap before buffer %d written at %zu", i, g);
        for (int k = 0; k < L_N; k++) free(r[k]), free(m[k]);
        free(ry), free(my), free(dgy), free(h), free(gy);
        ads_tensor *all[] = {x, w, b, py, px, y, tgy, gx, gw, gb, gpy, gpx};
        for (size_t i = 0; i < sizeof all / sizeof *all; i++) ads_tensor_release(all[i]);
        clReleaseMemObject(l.sub);
        clReleaseMemObject(l.all);
        gc_case_free(&c);
        app_close(&a);
    }
}
END_TEST

/* ------------------------------------------------ ordering, held back */

typedef struct {
    cl_event ev;
    int ms;
    atomic_int released; /* by the main thread already */
} release_later;

static void sleep_ms(int ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Completes r->ev after r->ms, unless the main thread did it first. */
static void *complete_after(void *arg)
{
    release_later *r = arg;
    for (int waited = 0; waited < r->ms && !atomic_load(&r->released); waited += 10) sleep_ms(10);
    if (!atomic_exchange(&r->released, 1)) clSetUserEventStatus(r->ev, CL_COMPLETE);
    return NULL;
}

/* A depthwise convolution whose backward asks only for gw: every command
   of it goes on the library's second queue, so only the contract's
   marker and join tie it to the caller's queue. */
static void depthwise_case(gc_case *c)
{
    ref_gconv_shape s = {.N = 2,
                         .C = 3,
                         .H = 9,
                         .W = 8,
                         .Cout = 3,
                         .Ho = 5,
                         .Wo = 4,
                         .kh = 3,
                         .kw = 2,
                         .sh = 2,
                         .sw = 2,
                         .ph = 1,
                         .pw = 1,
                         .dh = 1,
                         .dw = 2,
                         .G = 3};
    gc_make_case(c, &s, ADS_SAMPLING_SEPARABLE, 0);
}

static void ref_gw(const gc_case *c, const float *gy, double **want, double **mag)
{
    size_t n = gc_count_y(c), nw = gc_count_w(c);
    double *dgy = malloc(n * sizeof *dgy);
    for (size_t i = 0; i < n; i++) dgy[i] = gy[i];
    *want = malloc(nw * sizeof **want);
    *mag = malloc(nw * sizeof **mag);
    ref_gconv_backward(&c->s, c->dx, c->dw, gc_ref_at(c), dgy, NULL, *want, NULL, NULL, NULL, NULL,
                       0);
    ref_gconv_backward(&c->s, c->dx, c->dw, gc_ref_at(c), dgy, NULL, *mag, NULL, NULL, NULL, NULL,
                       1);
    free(dgy);
}

/* The caller's own kernel: dst[i] = 2 * src[off + i]. */
static const char *twice_src =
    "kernel void twice(global const float *src, ulong off, global float *dst)\n"
    "{ size_t i = get_global_id(0); dst[i] = 2.0f * src[off + i]; }\n";

static cl_kernel build_twice(cl_context cl, cl_device_id device)
{
    cl_int err;
    cl_program p = clCreateProgramWithSource(cl, 1, &twice_src, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    ck_assert_int_eq(clBuildProgram(p, 1, &device, "", NULL, NULL), CL_SUCCESS);
    cl_kernel k = clCreateKernel(p, "twice", &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    clReleaseProgram(p);
    return k;
}

/* Runs the caller's kernel on t's elements into a new buffer of its own
   on `queue`, and returns what it computed. */
static float *twice_of(cl_context cl, cl_device_id device, cl_command_queue queue,
                       const ads_tensor *t, release_later *held)
{
    cl_kernel k = build_twice(cl, device);
    size_t n = ads_tensor_count(t);
    cl_int err;
    cl_mem dst = clCreateBuffer(cl, CL_MEM_READ_WRITE, n * 4, NULL, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    cl_mem src = ads_tensor_cl_mem(t);
    cl_ulong off = ads_tensor_offset(t);
    clSetKernelArg(k, 0, sizeof src, &src);
    clSetKernelArg(k, 1, sizeof off, &off);
    clSetKernelArg(k, 2, sizeof dst, &dst);
    ck_assert_int_eq(clEnqueueNDRangeKernel(queue, k, 1, NULL, &n, NULL, 0, NULL, NULL),
                     CL_SUCCESS);
    clFlush(queue);
    pthread_t thread;
    if (held) pthread_create(&thread, NULL, complete_after, held);
    float *h = malloc(n * sizeof *h);
    ck_assert_int_eq(clEnqueueReadBuffer(queue, dst, CL_FALSE, 0, n * 4, h, 0, NULL, NULL),
                     CL_SUCCESS);
    ck_assert_int_eq(clFinish(queue), CL_SUCCESS);
    if (held) pthread_join(thread, NULL);
    clReleaseMemObject(dst);
    clReleaseKernel(k);
    return h;
}

static void check_twice(const gc_case *c, const float *got, const float *gy)
{
    double *want, *mag;
    ref_gw(c, gy, &want, &mag);
    size_t nw = gc_count_w(c);
    for (size_t i = 0; i < nw; i++) want[i] *= 2, mag[i] *= 2;
    gc_check("2 * gw by the caller's kernel", got, want, mag, nw, NULL);
    free(want);
    free(mag);
}

/* Entry side: the caller's write of x waits for a user event when the
   call is made; the library's work (all on its second queue) must wait
   for that write, not read the zeros before it. */
START_TEST(call_sees_the_callers_earlier_write)
{
    app a;
    app_open(&a);
    gc_case c;
    test_seed(1502);
    depthwise_case(&c);
    cl_int err;
    cl_event gate = clCreateUserEvent(a.cl, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    int64_t xs[4] = {c.s.N, c.s.C, c.s.H, c.s.W}, ws[4] = {c.s.Cout, 1, c.s.kh, c.s.kw};
    int64_t ys[4] = {c.s.N, c.s.Cout, c.s.Ho, c.s.Wo};
    int64_t pys[2] = {c.s.N, c.s.Ho}, pxs[2] = {c.s.N, c.s.Wo};
    cl_mem mx = app_buffer(&a, gc_count_x(&c)), mw = app_buffer(&a, gc_count_w(&c));
    cl_mem mgy = app_buffer(&a, gc_count_y(&c)), mgw = app_buffer(&a, gc_count_w(&c));
    cl_mem mpy = app_buffer(&a, gc_count_pos(&c, 0)), mpx = app_buffer(&a, gc_count_pos(&c, 1));
    float *gy = malloc(gc_count_y(&c) * sizeof *gy);
    test_fill_uniform(gy, gc_count_y(&c), -1, 1);
    ads_tensor *w = app_tensor(&a, mw, 0, 4, ws, c.w, NULL);
    ads_tensor *py = app_tensor(&a, mpy, 0, 2, pys, c.py, NULL);
    ads_tensor *px = app_tensor(&a, mpx, 0, 2, pxs, c.px, NULL);
    ads_tensor *tgy = app_tensor(&a, mgy, 0, 4, ys, gy, NULL);
    ads_tensor *gw = app_tensor(&a, mgw, 0, 4, ws, NULL, NULL);
    ck_assert_int_eq(clFinish(a.queue), CL_SUCCESS);
    ads_tensor *x = app_tensor(&a, mx, 0, 4, xs, c.x, gate); /* held back */
    clFlush(a.queue);
    ads_conv_desc d = gc_desc(&c);
    ads_sampling at = {py, px, NULL};
    ads_sampling_grad none = {NULL, NULL, NULL};
    /* The gate opens 300 ms after the call returns, time for work that
       did not wait to run; a call that blocked on the host for it would
       be let go after 5 s. */
    release_later held = {gate, 5000, 0};
    pthread_t thread;
    pthread_create(&thread, NULL, complete_after, &held);
    ck_assert_ads_ok(ads_gconv_backward(a.ctx, &d, x, w, at, tgy, NULL, gw, NULL, none));
    sleep_ms(300);
    if (!atomic_exchange(&held.released, 1)) clSetUserEventStatus(gate, CL_COMPLETE);
    pthread_join(thread, NULL);
    float *got = twice_of(a.cl, a.device, a.queue, gw, NULL);
    check_twice(&c, got, gy);
    free(got);
    free(gy);
    ads_tensor *all[] = {x, w, py, px, tgy, gw};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ads_tensor_release(all[i]);
    cl_mem mems[] = {mx, mw, mgy, mgw, mpy, mpx};
    for (size_t i = 0; i < sizeof mems / sizeof *mems; i++) clReleaseMemObject(mems[i]);
    clReleaseEvent(gate);
    gc_case_free(&c);
    app_close(&a);
}
END_TEST

/* Holds the library's second queue on the primary device until `gate`. */
static void hold_second_queue(ads_context *ctx, cl_event gate)
{
    ck_assert_int_ge(ctx->nqueues, 2); /* the tests run with the default ADS_QUEUES */
    ck_assert_int_eq(clEnqueueMarkerWithWaitList(ctx->dev[0].queues[1], 1, &gate, NULL),
                     CL_SUCCESS);
    clFlush(ctx->dev[0].queues[1]);
}

/* The library's tensors of the depthwise case, with gw computed on its
   held-back second queue. */
typedef struct {
    gc_case c;
    float *gy;
    ads_tensor *x, *w, *py, *px, *tgy, *gw;
} held_run;

static void held_backward(ads_context *ctx, held_run *r)
{
    test_seed(1503);
    depthwise_case(&r->c);
    int64_t xs[4] = {r->c.s.N, r->c.s.C, r->c.s.H, r->c.s.W};
    int64_t ws[4] = {r->c.s.Cout, 1, r->c.s.kh, r->c.s.kw};
    int64_t ys[4] = {r->c.s.N, r->c.s.Cout, r->c.s.Ho, r->c.s.Wo};
    int64_t pys[2] = {r->c.s.N, r->c.s.Ho}, pxs[2] = {r->c.s.N, r->c.s.Wo};
    r->gy = malloc(gc_count_y(&r->c) * sizeof *r->gy);
    test_fill_uniform(r->gy, gc_count_y(&r->c), -1, 1);
    r->x = test_tensor(ctx, 4, xs, r->c.x);
    r->w = test_tensor(ctx, 4, ws, r->c.w);
    r->py = test_tensor(ctx, 2, pys, r->c.py);
    r->px = test_tensor(ctx, 2, pxs, r->c.px);
    r->tgy = test_tensor(ctx, 4, ys, r->gy);
    r->gw = test_tensor(ctx, 4, ws, NULL);
    ads_conv_desc d = gc_desc(&r->c);
    ads_sampling at = {r->py, r->px, NULL};
    ads_sampling_grad none = {NULL, NULL, NULL};
    ck_assert_ads_ok(ads_gconv_backward(ctx, &d, r->x, r->w, at, r->tgy, NULL, r->gw, NULL, none));
}

static void held_run_free(held_run *r)
{
    ads_tensor *all[] = {r->x, r->w, r->py, r->px, r->tgy, r->gw};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ads_tensor_release(all[i]);
    free(r->gy);
    gc_case_free(&r->c);
}

/* Exit side: the call's work waits on its second queue; the caller's
   kernel, enqueued on its queue right after the call returns, must wait
   for it rather than read gw's zeros. */
START_TEST(callers_kernel_after_a_call_sees_its_results)
{
    app a;
    app_open(&a);
    cl_int err;
    cl_event gate = clCreateUserEvent(a.cl, &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    held_run r;
    hold_second_queue(a.ctx, gate);
    held_backward(a.ctx, &r);
    release_later held = {gate, 300, 0};
    float *got = twice_of(a.cl, a.device, a.queue, r.gw, &held);
    check_twice(&r.c, got, r.gy);
    free(got);
    held_run_free(&r);
    clReleaseEvent(gate);
    app_close(&a);
}
END_TEST

/* A context of ads_context_create: its queue, once asked for, carries the
   same contract, including the work enqueued before it was asked for. */
START_TEST(queue_of_a_created_context_joins_earlier_work)
{
    ads_context *ctx = test_context();
    cl_int err;
    cl_event gate = clCreateUserEvent(ads_context_cl_context(ctx), &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    held_run r;
    hold_second_queue(ctx, gate);
    held_backward(ctx, &r); /* before anyone holds the queue */
    cl_command_queue queue = ads_context_cl_queue(ctx);
    ck_assert_ptr_eq(queue, ctx->dev[0].queues[0]);
    cl_device_id device = test_cl_device(ctx);
    release_later held = {gate, 300, 0};
    float *got = twice_of(ads_context_cl_context(ctx), device, queue, r.gw, &held);
    check_twice(&r.c, got, r.gy);
    free(got);
    held_run_free(&r);

    /* And a call made after: held back the same way. */
    cl_event gate2 = clCreateUserEvent(ads_context_cl_context(ctx), &err);
    ck_assert_int_eq(err, CL_SUCCESS);
    hold_second_queue(ctx, gate2);
    held_backward(ctx, &r);
    held.ev = gate2;
    atomic_store(&held.released, 0);
    got = twice_of(ads_context_cl_context(ctx), device, queue, r.gw, &held);
    check_twice(&r.c, got, r.gy);
    free(got);
    held_run_free(&r);
    clReleaseEvent(gate);
    clReleaseEvent(gate2);
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("interop");
    TCase *tc = tcase_create("interop");
    tcase_add_test(tc, create_from_queue_checks_its_queue);
    tcase_add_test(tc, context_lives_on_the_callers_objects);
    tcase_add_test(tc, wrap_sub_buffers_and_refusals);
    tcase_add_test(tc, forward_backward_on_callers_buffers);
    tcase_add_test(tc, call_sees_the_callers_earlier_write);
    tcase_add_test(tc, callers_kernel_after_a_call_sees_its_results);
    tcase_add_test(tc, queue_of_a_created_context_joins_earlier_work);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
