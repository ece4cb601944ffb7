/* Every operation at the benchmark's spatial shapes, checked against the
   double references: run on a small GPU-like device (.ci/oclgrind.sh runs
   it under oclgrind with 32 KiB of local memory and work-groups of at
   most 256, then 64), it proves that no operation needs more local memory
   or larger work-groups than such a device has: a shape that works on one
   device works on every device. On PoCL it is one more reference check.

   Batch 1 and two or three channels: what a kernel asks of local memory
   and of the work-group size depends on the widths, window and stride
   (a row cache per work-item, a group per row), never on the batch or the
   channel count; small channel counts keep the interpreted run short. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gconv_testlib.h"
#include "pool_cases.h"
#include "ref_stride.h"
#include "tuning.h" /* ads_tune_set: the row shape on any device */

/* ------------------------------------------------------------- shapes */

/* The benchmark's convolution shapes (bench/bench_workloads.c): input
   side, kernel, stride, padding, depthwise. */
typedef struct {
    int hw, k, s, p, depthwise;
} conv_shape;

static const conv_shape CONV_SHAPES[] = {
    {224, 11, 4, 2, 0}, /* alex-conv1 */
    {320, 3, 2, 1, 0},  /* yolox-dark2, the widest */
    {224, 3, 2, 1, 0},  /* mbv1-stem */
    {112, 3, 2, 1, 1},  /* mbv1-dw2, dw */
    {56, 3, 2, 1, 0},   /* res */
};

/* The benchmark's pooling shapes, plus a separable 3x3 max pool with
   Wo = 224: in the row shape its position gradients' row cache (about
   44 KiB a work-item) fits no 32 KiB device (the pixel shape keeps no
   cache). */
typedef struct {
    int hw, k, s, p;
    ads_pool_mode mode;
} pool_shape;

static const pool_shape POOL_SHAPES[] = {
    {112, 3, 2, 1, ADS_POOL_MAX}, /* pool-max3 (Wo = 56) */
    {112, 2, 2, 0, ADS_POOL_AVG}, /* pool-avg2 */
    {224, 2, 2, 0, ADS_POOL_MAX}, /* vgg16-pool1, unet-pool1 (Wo = 112) */
    {55, 3, 2, 0, ADS_POOL_MAX},  /* alex-pool1 */
    {224, 3, 1, 1, ADS_POOL_MAX}, /* Wo = 224 */
    {224, 3, 1, 1, ADS_POOL_AVG_EXCLUDE_PAD},
};

#define NSHAPES(a) (int)(sizeof a / sizeof *a)

static int out_size(int n, int k, int s, int p) { return (n + 2 * p - k) / s + 1; }

/* ------------------------------------------------------- convolution */

static void conv_forward_check(ads_context *ctx, const gc_case *c, const gc_dev *d)
{
    int64_t ys[4] = {c->s.N, c->s.Cout, c->s.Ho, c->s.Wo};
    ads_tensor *y = gc_filled(ctx, 4, ys, 777.0f);
    ads_conv_desc desc = gc_desc(c);
    ck_assert_ads_ok(ads_gconv_forward(ctx, &desc, d->x, d->w, d->b, gc_sampling(d), y));
    float *got = test_read(y);
    size_t n = gc_count_y(c);
    double *want = malloc(n * sizeof *want), *mag = malloc(n * sizeof *mag);
    ref_gconv_forward(&c->s, c->dx, c->dw, c->db, gc_ref_at(c), want);
    ref_gconv_forward_magnitude(&c->s, c->dx, c->dw, c->db, gc_ref_at(c), mag);
    gc_check("small device conv forward", got, want, mag, n, NULL);
    free(got), free(want), free(mag);
    ads_tensor_release(y);
}

enum { G_X, G_W, G_B, G_PY, G_PX, G_GRID, NGRAD };

static void conv_backward_check(ads_context *ctx, const gc_case *c, const gc_dev *d)
{
    const ref_gconv_shape *s = &c->s;
    size_t ny = gc_count_y(c);
    float *hgy = malloc(ny * sizeof *hgy);
    test_fill_uniform(hgy, ny, -1, 1);
    double *dgy = pc_double(hgy, ny);
    int64_t ys[4] = {s->N, s->Cout, s->Ho, s->Wo};
    ads_tensor *gy = test_tensor(ctx, 4, ys, hgy);
    int64_t shapes[NGRAD][4] = {{s->N, s->C, s->H, s->W},
                                {s->Cout, s->C / s->G, s->kh, s->kw},
                                {s->Cout},
                                {s->N, s->Ho},
                                {s->N, s->Wo},
                                {s->N, s->Ho, s->Wo, 2}};
    const int ndims[NGRAD] = {4, 4, 1, 2, 2, 4};
    const bool used[NGRAD] = {1,
                              1,
                              1,
                              c->kind == ADS_SAMPLING_SEPARABLE,
                              c->kind == ADS_SAMPLING_SEPARABLE,
                              c->kind == ADS_SAMPLING_GRID};
    const size_t n[NGRAD] = {gc_count_x(c),      gc_count_w(c),      (size_t)s->Cout,
                             gc_count_pos(c, 0), gc_count_pos(c, 1), gc_count_pos(c, 2)};
    ads_tensor *t[NGRAD] = {0};
    double *want[NGRAD] = {0}, *mag[NGRAD] = {0};
    for (int i = 0; i < NGRAD; i++)
        if (used[i]) {
            t[i] = gc_filled(ctx, ndims[i], shapes[i], 777.0f);
            want[i] = malloc(n[i] * sizeof(double));
            mag[i] = malloc(n[i] * sizeof(double));
        }
    ads_conv_desc desc = gc_desc(c);
    ads_sampling_grad gat = {t[G_PY], t[G_PX], t[G_GRID]};
    ck_assert_ads_ok(ads_gconv_backward(ctx, &desc, d->x, d->w, gc_sampling(d), gy, t[G_X], t[G_W],
                                        t[G_B], gat));
    ref_gconv_backward(s, c->dx, c->dw, gc_ref_at(c), dgy, want[G_X], want[G_W], want[G_B],
                       want[G_PY], want[G_PX], want[G_GRID], 0);
    ref_gconv_backward(s, c->dx, c->dw, gc_ref_at(c), dgy, mag[G_X], mag[G_W], mag[G_B], mag[G_PY],
                       mag[G_PX], mag[G_GRID], 1);
    static const char *names[NGRAD] = {"gx", "gw", "gb", "gpy", "gpx", "ggrid"};
    for (int i = 0; i < NGRAD; i++) {
        if (!used[i]) continue;
        float *got = test_read(t[i]);
        char what[64];
        snprintf(what, sizeof what, "small device conv backward %s", names[i]);
        gc_check(what, got, want[i], mag[i], n[i], NULL);
        free(got), free(want[i]), free(mag[i]);
        ads_tensor_release(t[i]);
    }
    ads_tensor_release(gy);
    free(hgy), free(dgy);
}

/* ADS_TEST_MAX_SIDE=n caps the convolution inputs' side at n (same
   kernel, stride, padding and checks): .ci/oclgrind.sh passes 112, since
   the 224 and 320 inputs take over 10 minutes interpreted, and nothing a
   convolution kernel asks of local memory or of the work-group size
   depends on the width. Pooling and sampling always run at full width. */
static int max_side(void)
{
    const char *env = getenv("ADS_TEST_MAX_SIDE");
    int n = env ? atoi(env) : 0;
    return n > 0 ? n : 1 << 20;
}

START_TEST(convolution_at_bench_shapes)
{
    ads_context *ctx = test_context();
    test_seed(1401);
    for (int i = 0; i < NSHAPES(CONV_SHAPES); i++)
        for (int kind = ADS_SAMPLING_FIXED; kind <= ADS_SAMPLING_GRID; kind++) {
            const conv_shape *b = &CONV_SHAPES[i];
            int hw = b->hw < max_side() ? b->hw : max_side();
            int o = out_size(hw, b->k, b->s, b->p), C = b->depthwise ? 3 : 2;
            ref_gconv_shape s = {1,    C,    hw,   hw,   3,    o, o, b->k,
                                 b->k, b->s, b->s, b->p, b->p, 1, 1, b->depthwise ? 3 : 1};
            gc_case c;
            gc_make_case(&c, &s, kind, 1);
            gc_dev d;
            gc_upload(ctx, &c, &d);
            conv_forward_check(ctx, &c, &d);
            conv_backward_check(ctx, &c, &d);
            gc_dev_free(&d);
            gc_case_free(&c);
        }
    ads_context_release(ctx);
}
END_TEST

/* ----------------------------------------------------------- pooling */

/* Forward (with winners) and backward against the reference, the
   tolerances of the pool suites. */
static void pool_check(ads_context *ctx, pool_case *pc)
{
    size_t ny = pc_ycount(pc), nx = pc_xcount(pc);
    ref_pool_params p = pc_params(pc);
    ref_pool_dims s = pc_dims(pc);
    const bool max = pc->d.mode == ADS_POOL_MAX;
    ads_tensor *y = pc_ytensor(ctx, pc), *arg = max ? pc_ytensor(ctx, pc) : NULL;
    ck_assert_ads_ok(ads_pool_forward_ex(ctx, &pc->d, pc->tx, pc_at(pc), y, arg));
    float *got = test_read(y), *garg = max ? test_read(arg) : NULL;
    double *want = malloc(ny * sizeof *want);
    ref_pool_forward(&p, &s, pc->dx, pc_ref_at(pc), want, NULL);
    pc_compare("small device pool forward", got, want, ny, 1e-6 * (pc->d.kh * pc->d.kw + 1), 1e-6);
    int *win = NULL;
    if (max) {
        win = malloc(ny * sizeof *win);
        for (size_t i = 0; i < ny; i++) win[i] = (int)garg[i];
    }
    float *gy = malloc(ny * sizeof *gy);
    test_fill_uniform(gy, ny, -1, 1);
    double *dgy = pc_double(gy, ny);
    ads_tensor *tgy = pc_ytensor(ctx, pc);
    ck_assert_ads_ok(ads_tensor_write(tgy, gy, ny));
    int64_t xs[4] = {pc->N, pc->C, pc->H, pc->W}, ps[2] = {pc->N, pc->Ho}, qs[2] = {pc->N, pc->Wo},
            gs[4] = {pc->N, pc->Ho, pc->Wo, 2};
    ads_tensor *gx = test_tensor(ctx, 4, xs, NULL);
    ads_sampling_grad gat = {NULL, NULL, NULL};
    if (pc->kind == ADS_SAMPLING_SEPARABLE) {
        gat.py = test_tensor(ctx, 2, ps, NULL);
        gat.px = test_tensor(ctx, 2, qs, NULL);
    }
    if (pc->kind == ADS_SAMPLING_GRID) gat.grid = test_tensor(ctx, 4, gs, NULL);
    ck_assert_ads_ok(ads_pool_backward_ex(ctx, &pc->d, pc->tx, pc_at(pc), arg, tgy, gx, gat));
    double *rgx = malloc(nx * sizeof *rgx), *rpy = malloc(pc->N * pc->Ho * sizeof *rpy),
           *rpx = malloc(pc->N * pc->Wo * sizeof *rpx),
           *rgrid = malloc(ny / pc->C * 2 * sizeof *rgrid);
    ref_pool_backward(&p, &s, pc->dx, pc_ref_at(pc), win, dgy, rgx, rpy, rpx, rgrid);
    float *h = test_read(gx);
    pc_compare("small device pool gx", h, rgx, nx, 1e-5, 1e-5);
    free(h);
    double terms = (double)pc->C * (pc->Ho > pc->Wo ? pc->Ho : pc->Wo) * pc->d.kh * pc->d.kw;
    ads_tensor *pos[3] = {gat.py, gat.px, gat.grid};
    const double *ref[3] = {rpy, rpx, rgrid};
    const size_t npos[3] = {(size_t)pc->N * pc->Ho, (size_t)pc->N * pc->Wo, ny / pc->C * 2};
    for (int k = 0; k < 3; k++) {
        if (!pos[k]) continue;
        h = test_read(pos[k]);
        pc_compare("small device pool position gradient", h, ref[k], npos[k], 1e-6 + 3e-7 * terms,
                   1e-5);
        free(h);
        ads_tensor_release(pos[k]);
    }
    ads_tensor_release(y), ads_tensor_release(arg), ads_tensor_release(tgy);
    ads_tensor_release(gx);
    free(got), free(garg), free(want), free(win), free(gy), free(dgy);
    free(rgx), free(rpy), free(rpx), free(rgrid);
}

static void pool_shape_check(ads_context *ctx, const pool_shape *b, ads_sampling_kind kind)
{
    ads_pool_desc d = {b->mode, b->k, b->k, b->s, b->s, b->p, b->p, 1, 1};
    int o = out_size(b->hw, b->k, b->s, b->p);
    pool_case pc;
    pc_make(ctx, &pc, kind, d, 1, 2, b->hw, b->hw, o, o);
    pool_check(ctx, &pc);
    pc_free(&pc);
}

/* Every shape and kind in the device's default work-item shape; then the
   Wo = 224 separable shapes in the row shape too (pool.item_pixel 0),
   whose row caches fit no 32 KiB device: on a GPU-like device, whose
   default is the pixel shape, that is the row shape's fallback to caches
   in a global workspace. */
START_TEST(pooling_at_bench_shapes)
{
    ads_context *ctx = test_context();
    test_seed(1402);
    for (int i = 0; i < NSHAPES(POOL_SHAPES); i++)
        for (ads_sampling_kind kind = ADS_SAMPLING_FIXED; kind <= ADS_SAMPLING_GRID; kind++)
            pool_shape_check(ctx, &POOL_SHAPES[i], kind);
    ck_assert_ads_ok(ads_tune_set(ctx, "pool.item_pixel", 0));
    for (int i = 0; i < NSHAPES(POOL_SHAPES); i++)
        if (out_size(POOL_SHAPES[i].hw, POOL_SHAPES[i].k, POOL_SHAPES[i].s, POOL_SHAPES[i].p) ==
            224)
            pool_shape_check(ctx, &POOL_SHAPES[i], ADS_SAMPLING_SEPARABLE);
    ads_tune_unset(ctx, "pool.item_pixel");
    pc_summary();
    ads_context_release(ctx);
}
END_TEST

/* ---------------------------------------------------------- sampling */

/* Positions from logits (forward and backward) and logits from features
   for the widest output of the benchmark (L = 224). */
START_TEST(sampling_at_bench_shapes)
{
    ads_context *ctx = test_context();
    test_seed(1403);
    enum { N = 1, L = 224, C = 2, H = 448 };
    const double S = 2.0, t = 1.0;
    float a[N * L], gp[N * L];
    test_fill_uniform(a, N * L, -2, 2);
    test_fill_uniform(gp, N * L, -1, 1);
    int64_t ls[2] = {N, L};
    ads_tensor *ta = test_tensor(ctx, 2, ls, a), *tp = test_tensor(ctx, 2, ls, NULL),
               *tgp = test_tensor(ctx, 2, ls, gp), *tga = test_tensor(ctx, 2, ls, NULL);
    ck_assert_ads_ok(ads_stride_positions(ctx, ta, (float)S, 0.0f, (float)t, tp));
    ck_assert_ads_ok(ads_stride_positions_backward(ctx, ta, (float)S, (float)t, tgp, tga));
    double da[N * L], dgp[N * L], want[N * L], gwant[N * L];
    for (int i = 0; i < N * L; i++) da[i] = a[i], dgp[i] = gp[i];
    ref_stride_positions(da, N, L, S, 0.0, t, want);
    ref_stride_positions_backward(da, N, L, S, t, dgp, gwant);
    /* A position is a sum of up to L strides, each at most S*L: float
       rounding of (L + 16) ulps of S*L bounds its error; the gradient's
       sums likewise, of terms up to S*L*|gp| <= S*L. */
    float *got = test_read(tp), *ggot = test_read(tga);
    double tol = (L + 16) * 6e-8 * S * L;
    size_t at;
    ck_assert_double_le(test_max_error(got, want, N * L, tol, 0, &at), 1);
    ck_assert_double_le(test_max_error(ggot, gwant, N * L, tol, 0, &at), 1);
    free(got), free(ggot);
    ads_tensor_release(ta), ads_tensor_release(tp), ads_tensor_release(tgp);
    ads_tensor_release(tga);

    /* Stride logits from a 448 x 448 input to 224 rows and columns. */
    size_t nx = (size_t)N * C * H * H;
    float *x = malloc(nx * sizeof *x), v[C];
    test_fill_uniform(x, nx, -1, 1);
    test_fill_uniform(v, C, -1, 1);
    int64_t xs[4] = {N, C, H, H}, vs[1] = {C};
    ads_tensor *tx = test_tensor(ctx, 4, xs, x), *tv = test_tensor(ctx, 1, vs, v),
               *ar = test_tensor(ctx, 2, ls, NULL), *ac = test_tensor(ctx, 2, ls, NULL);
    ck_assert_ads_ok(ads_stride_logits(ctx, ADS_PROFILE_VARIATION, tx, tv, tv, ar, ac));
    double *dx = pc_double(x, nx), dv[C], rr[N * L], rc[N * L];
    for (int c = 0; c < C; c++) dv[c] = v[c];
    ref_stride_logits(1, dx, N, C, H, H, dv, L, rr, dv, L, rc);
    /* Each logit averages C * (a few rows) * H terms of size <= 2|v|. */
    double ltol = (C * 4.0 * H + 16) * 6e-8 * 2.0;
    float *hr = test_read(ar), *hc = test_read(ac);
    ck_assert_double_le(test_max_error(hr, rr, N * L, ltol, 0, &at), 1);
    ck_assert_double_le(test_max_error(hc, rc, N * L, ltol, 0, &at), 1);
    free(hr), free(hc), free(x), free(dx);
    ads_tensor_release(tx), ads_tensor_release(tv), ads_tensor_release(ar);
    ads_tensor_release(ac);
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("small_device");
    /* One case per module, so CK_RUN_CASE can pick one. */
    static const char *names[3] = {"convolution", "pooling", "sampling"};
    const TTest *tests[3] = {convolution_at_bench_shapes, pooling_at_bench_shapes,
                             sampling_at_bench_shapes};
    for (int i = 0; i < 3; i++) {
        TCase *tc = tcase_create(names[i]);
        tcase_set_timeout(tc, 900);
        tcase_add_test(tc, tests[i]);
        suite_add_tcase(s, tc);
    }
    return test_run_suite(s);
}
