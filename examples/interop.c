/* adastride inside a plain OpenCL application.

   The application owns everything: it picks a device, creates its own
   cl_context, in-order queue and buffers (one of them a sub-buffer),
   writes its data with non-blocking writes, hands the queue to adastride,
   runs a separable adaptive-stride convolution forward and backward on
   its own buffers, and reads the results back with its own non-blocking
   reads and one clFinish. No ads_tensor_read or ads_finish: the ordering
   contract with the queue is all that orders the work. The results are
   checked against a plain-C double-precision reference.

   Build against an installed adastride:
     cc interop.c $(pkg-config --cflags --libs adastride) -lm
   or with CMake: find_package(adastride) and adastride::adastride
   (examples/CMakeLists.txt). Exit status 0 when every result matches. */
#include <adastride.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shapes: 2 images of 3 x 10 x 9, 4 output channels, 3x3 taps, padding 1,
   nominal stride 2: 5 x 5 outputs on an adaptive grid. */
enum { N = 2, C = 3, H = 10, W = 9, CO = 4, K = 3, PAD = 1, HO = 5, WO = 5 };
#define NX (N * C * H * W)
#define NW (CO * C * K * K)
#define NY (N * CO * HO * WO)

#define CHECK_CL(call)                                                                             \
    do {                                                                                           \
        cl_int err_ = (call);                                                                      \
        if (err_ != CL_SUCCESS) {                                                                  \
            fprintf(stderr, "interop: %s failed with OpenCL error %d\n", #call, err_);             \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define CHECK_ADS(call)                                                                            \
    do {                                                                                           \
        ads_status st_ = (call);                                                                   \
        if (st_ != ADS_OK) {                                                                       \
            fprintf(stderr, "interop: %s: %s: %s\n", #call, ads_status_string(st_),                \
                    ads_last_error());                                                             \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* ------------------------------------------------ the application's side */

/* The first GPU, else the first device of any kind. */
static cl_device_id pick_device(void)
{
    cl_platform_id platforms[8];
    cl_uint np = 0;
    CHECK_CL(clGetPlatformIDs(8, platforms, &np));
    cl_device_id any = NULL;
    for (cl_uint p = 0; p < np && p < 8; p++) {
        cl_device_id d;
        cl_uint nd = 0;
        if (clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_GPU, 1, &d, &nd) == CL_SUCCESS && nd)
            return d;
        if (!any && clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 1, &d, &nd) == CL_SUCCESS &&
            nd)
            any = d;
    }
    if (!any) {
        fprintf(stderr, "interop: no OpenCL device\n");
        exit(1);
    }
    return any;
}

static cl_mem buffer(cl_context cl, size_t floats)
{
    cl_int err;
    cl_mem m = clCreateBuffer(cl, CL_MEM_READ_WRITE, floats * sizeof(float), NULL, &err);
    CHECK_CL(err);
    return m;
}

/* ----------------------------------------- the reference (DESIGN.md 1.3-4) */

/* x at (y, x) read bilinearly with zero padding; with its derivatives. */
static double sample(const double *plane, double y, double x, double *dy, double *dx)
{
    *dy = *dx = 0;
    if (!(y > -1 && y < H && x > -1 && x < W)) return 0;
    long y0 = (long)floor(y), x0 = (long)floor(x);
    double fy = y - (double)y0, fx = x - (double)x0, v[2][2];
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            long yy = y0 + a, xx = x0 + b;
            v[a][b] = yy >= 0 && yy < H && xx >= 0 && xx < W ? plane[yy * W + xx] : 0;
        }
    *dy = (1 - fx) * (v[1][0] - v[0][0]) + fx * (v[1][1] - v[0][1]);
    *dx = (1 - fy) * (v[0][1] - v[0][0]) + fy * (v[1][1] - v[1][0]);
    return (1 - fy) * ((1 - fx) * v[0][0] + fx * v[0][1]) +
           fy * ((1 - fx) * v[1][0] + fx * v[1][1]);
}

/* Adds g times the bilinear weights of (y, x) to gplane. */
static void scatter(double *gplane, double y, double x, double g)
{
    if (!(y > -1 && y < H && x > -1 && x < W)) return;
    long y0 = (long)floor(y), x0 = (long)floor(x);
    double fy = y - (double)y0, fx = x - (double)x0;
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            long yy = y0 + a, xx = x0 + b;
            if (yy >= 0 && yy < H && xx >= 0 && xx < W)
                gplane[yy * W + xx] += g * (a ? fy : 1 - fy) * (b ? fx : 1 - fx);
        }
}

typedef struct {
    double y[NY], gx[NX], gw[NW], gpy[N * HO], gpx[N * WO];
} reference;

/* y = conv(x, w) at the separable positions, then every gradient from gy. */
static void compute_reference(const float *x, const float *w, const float *py, const float *px,
                              const float *gy, reference *r)
{
    static double dx[NX];
    for (int i = 0; i < NX; i++) dx[i] = x[i];
    memset(r, 0, sizeof *r);
    for (int n = 0; n < N; n++)
        for (int o = 0; o < CO; o++)
            for (int i = 0; i < HO; i++)
                for (int j = 0; j < WO; j++) {
                    int yi = ((n * CO + o) * HO + i) * WO + j;
                    double sum = 0, g = gy[yi];
                    for (int c = 0; c < C; c++)
                        for (int ky = 0; ky < K; ky++)
                            for (int kx = 0; kx < K; kx++) {
                                double ty = py[n * HO + i] - PAD + ky;
                                double tx = px[n * WO + j] - PAD + kx;
                                int wi = ((o * C + c) * K + ky) * K + kx;
                                double dy, ddx;
                                double v = sample(dx + (n * C + c) * H * W, ty, tx, &dy, &ddx);
                                sum += w[wi] * v;
                                r->gw[wi] += g * v;
                                scatter(r->gx + (n * C + c) * H * W, ty, tx, g * w[wi]);
                                r->gpy[n * HO + i] += g * w[wi] * dy;
                                r->gpx[n * WO + j] += g * w[wi] * ddx;
                            }
                    r->y[yi] = sum;
                }
}

/* Largest |got - want| relative to the largest |want| (at least 1). */
static double error_of(const float *got, const double *want, int n)
{
    double scale = 1, worst = 0;
    for (int i = 0; i < n; i++) scale = fmax(scale, fabs(want[i]));
    for (int i = 0; i < n; i++) {
        double e = fabs((double)got[i] - want[i]) / scale;
        worst = e > worst || e != e ? e : worst;
    }
    return worst;
}

/* -------------------------------------------------------------- the run */

int main(void)
{
    /* The application's own OpenCL objects. */
    cl_device_id device = pick_device();
    cl_int err;
    cl_context cl = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
    CHECK_CL(err);
    cl_command_queue queue = clCreateCommandQueue(cl, device, 0, &err);
    CHECK_CL(err);

    static float x[NX], w[NW], py[N * HO], px[N * WO], gy[NY];
    unsigned seed = 12345;
    for (int i = 0; i < NX; i++)
        x[i] = (float)((seed = seed * 1103515245u + 12345u) >> 16) / 65536.0f - 0.5f;
    for (int i = 0; i < NW; i++)
        w[i] = (float)((seed = seed * 1103515245u + 12345u) >> 16) / 65536.0f - 0.5f;
    for (int i = 0; i < NY; i++)
        gy[i] = (float)((seed = seed * 1103515245u + 12345u) >> 16) / 65536.0f - 0.5f;
    /* Adaptive rows and columns: uneven, fractional spacing, per image. */
    for (int n = 0; n < N; n++) {
        for (int i = 0; i < HO; i++)
            py[n * HO + i] = 0.25f + 1.75f * (float)i + 0.125f * (float)(n * i % 3);
        for (int j = 0; j < WO; j++) px[n * WO + j] = 0.5f * (float)(j * j) + 0.375f * (float)n;
    }

    /* Positions in one buffer: py at its start, px in a sub-buffer at the
       first offset the device's alignment allows. */
    cl_uint align_bits = 0;
    CHECK_CL(clGetDeviceInfo(device, CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits, &align_bits,
                             NULL));
    size_t align = align_bits >= 32 ? align_bits / 32 : 1; /* in floats */
    size_t px_at = (N * HO + align - 1) / align * align;
    cl_mem mx = buffer(cl, NX), mw = buffer(cl, NW), mpos = buffer(cl, px_at + N * WO);
    cl_mem my = buffer(cl, NY), mgy = buffer(cl, NY), mgx = buffer(cl, NX), mgw = buffer(cl, NW);
    cl_mem mgpy = buffer(cl, N * HO), mgpx = buffer(cl, N * WO);
    cl_buffer_region px_region = {px_at * sizeof(float), N * WO * sizeof(float)};
    cl_mem mpx =
        clCreateSubBuffer(mpos, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION, &px_region, &err);
    CHECK_CL(err);

    /* The inputs go in with non-blocking writes: adastride's calls below
       see them because they were enqueued on the queue first. */
    CHECK_CL(clEnqueueWriteBuffer(queue, mx, CL_FALSE, 0, sizeof x, x, 0, NULL, NULL));
    CHECK_CL(clEnqueueWriteBuffer(queue, mw, CL_FALSE, 0, sizeof w, w, 0, NULL, NULL));
    CHECK_CL(clEnqueueWriteBuffer(queue, mpos, CL_FALSE, 0, sizeof py, py, 0, NULL, NULL));
    CHECK_CL(clEnqueueWriteBuffer(queue, mpx, CL_FALSE, 0, sizeof px, px, 0, NULL, NULL));
    CHECK_CL(clEnqueueWriteBuffer(queue, mgy, CL_FALSE, 0, sizeof gy, gy, 0, NULL, NULL));

    /* adastride on the application's queue and buffers. */
    ads_context *ctx;
    CHECK_ADS(ads_context_create_from_queue(queue, &ctx));
    int64_t xs[4] = {N, C, H, W}, ws[4] = {CO, C, K, K}, ys[4] = {N, CO, HO, WO};
    int64_t pys[2] = {N, HO}, pxs[2] = {N, WO};
    ads_tensor *tx, *tw, *tpy, *tpx, *ty, *tgy, *tgx, *tgw, *tgpy, *tgpx;
    CHECK_ADS(ads_tensor_wrap(ctx, mx, 0, 4, xs, &tx));
    CHECK_ADS(ads_tensor_wrap(ctx, mw, 0, 4, ws, &tw));
    CHECK_ADS(ads_tensor_wrap(ctx, mpos, 0, 2, pys, &tpy)); /* the first N*HO floats */
    CHECK_ADS(ads_tensor_wrap(ctx, mpx, 0, 2, pxs, &tpx));  /* the sub-buffer */
    CHECK_ADS(ads_tensor_wrap(ctx, my, 0, 4, ys, &ty));
    CHECK_ADS(ads_tensor_wrap(ctx, mgy, 0, 4, ys, &tgy));
    CHECK_ADS(ads_tensor_wrap(ctx, mgx, 0, 4, xs, &tgx));
    CHECK_ADS(ads_tensor_wrap(ctx, mgw, 0, 4, ws, &tgw));
    CHECK_ADS(ads_tensor_wrap(ctx, mgpy, 0, 2, pys, &tgpy));
    CHECK_ADS(ads_tensor_wrap(ctx, mgpx, 0, 2, pxs, &tgpx));

    ads_conv_desc d = {.kh = K,
                       .kw = K,
                       .stride_h = 2,
                       .stride_w = 2,
                       .pad_h = PAD,
                       .pad_w = PAD,
                       .dil_h = 1,
                       .dil_w = 1,
                       .groups = 1};
    ads_sampling at = {tpy, tpx, NULL};
    ads_sampling_grad gat = {tgpy, tgpx, NULL};
    CHECK_ADS(ads_gconv_forward(ctx, &d, tx, tw, NULL, at, ty));
    CHECK_ADS(ads_gconv_backward(ctx, &d, tx, tw, at, tgy, tgx, tgw, NULL, gat));

    /* The application reads with its own non-blocking reads: they come
       after adastride's calls on the queue, so they see the results. */
    static float y[NY], gx[NX], gw[NW], gpy[N * HO], gpx[N * WO];
    CHECK_CL(clEnqueueReadBuffer(queue, my, CL_FALSE, 0, sizeof y, y, 0, NULL, NULL));
    CHECK_CL(clEnqueueReadBuffer(queue, mgx, CL_FALSE, 0, sizeof gx, gx, 0, NULL, NULL));
    CHECK_CL(clEnqueueReadBuffer(queue, mgw, CL_FALSE, 0, sizeof gw, gw, 0, NULL, NULL));
    CHECK_CL(clEnqueueReadBuffer(queue, mgpy, CL_FALSE, 0, sizeof gpy, gpy, 0, NULL, NULL));
    CHECK_CL(clEnqueueReadBuffer(queue, mgpx, CL_FALSE, 0, sizeof gpx, gpx, 0, NULL, NULL));
    CHECK_CL(clFinish(queue));

    static reference r;
    compute_reference(x, w, py, px, gy, &r);
    const char *names[5] = {"y", "gx", "gw", "gpy", "gpx"};
    double errors[5] = {error_of(y, r.y, NY), error_of(gx, r.gx, NX), error_of(gw, r.gw, NW),
                        error_of(gpy, r.gpy, N * HO), error_of(gpx, r.gpx, N * WO)};
    /* Float32 sums of at most a few hundred terms of order 1 err by about
       1e-7 of the values' scale; 1e-5 leaves room for other summation
       orders on other devices, while a result that missed an input or was
       read too early is off by order 1. */
    int failed = 0;
    for (int i = 0; i < 5; i++) {
        printf("interop: %-3s max error %.2e of its largest value\n", names[i], errors[i]);
        failed |= !(errors[i] <= 1e-5);
    }

    ads_tensor *all[] = {tx, tw, tpy, tpx, ty, tgy, tgx, tgw, tgpy, tgpx};
    for (int i = 0; i < 10; i++) ads_tensor_release(all[i]);
    ads_context_release(ctx);
    cl_mem mems[] = {mpx, mx, mw, mpos, my, mgy, mgx, mgw, mgpy, mgpx};
    for (int i = 0; i < 10; i++) clReleaseMemObject(mems[i]);
    clReleaseCommandQueue(queue);
    clReleaseContext(cl);
    printf("interop: %s\n", failed ? "FAILED: a result differs from the reference"
                                   : "forward and backward match the double reference");
    return failed;
}
