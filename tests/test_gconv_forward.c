/* Gather-convolution forward: the three sampling kinds and the depthwise
   path against the double reference on random shapes; uniform positions
   reproduce the fixed path; chunking by the memory budget; non-finite
   positions read zero without touching memory outside the input; the
   GPU-shaped (pixel) gathers, forced on this device, give the row
   shape's bits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gconv_gather.h"
#include "gconv_testlib.h"
#include "gemm.h" /* ads_gemm_pack_width */
#include "tuning.h"

static const char *kind_name[3] = {"fixed", "separable", "grid"};

/* Runs the forward on the device; y starts as a sentinel, so every
   element must be written. Returns the host copy of y. */
static float *run_forward(ads_context *ctx, const gc_case *c, const gc_dev *d)
{
    int64_t ys[4] = {c->s.N, c->s.Cout, c->s.Ho, c->s.Wo};
    ads_tensor *y = gc_filled(ctx, 4, ys, 777.0f);
    ads_conv_desc desc = gc_desc(c);
    ck_assert_ads_ok(ads_gconv_forward(ctx, &desc, d->x, d->w, d->b, gc_sampling(d), y));
    float *h = test_read(y);
    ads_tensor_release(y);
    return h;
}

/* Compares a device result with the reference; returns the error ratio. */
static double check_forward(const gc_case *c, const float *got, const char *what, double *max_abs)
{
    size_t n = gc_count_y(c);
    double *want = malloc(n * sizeof *want), *mag = malloc(n * sizeof *mag);
    ref_gconv_forward(&c->s, c->dx, c->dw, c->db, gc_ref_at(c), want);
    ref_gconv_forward_magnitude(&c->s, c->dx, c->dw, c->db, gc_ref_at(c), mag);
    double r = gc_check(what, got, want, mag, n, max_abs);
    free(want);
    free(mag);
    return r;
}

START_TEST(forward_matches_reference)
{
    ads_context *ctx = test_context();
    test_seed(401);
    for (int kind = 0; kind < 3; kind++)
        for (int dw = 0; dw < 2; dw++) {
            double worst = 0, max_abs = 0;
            for (int trial = 0; trial < 8; trial++) {
                gc_case c;
                gc_random_case(&c, kind, dw);
                gc_dev d;
                gc_upload(ctx, &c, &d);
                float *y = run_forward(ctx, &c, &d);
                char what[96];
                snprintf(what, sizeof what, "forward %s%s trial %d", kind_name[kind],
                         dw ? " depthwise" : "", trial);
                double r = check_forward(&c, y, what, &max_abs);
                if (r > worst) worst = r;
                free(y);
                gc_dev_free(&d);
                gc_case_free(&c);
            }
            printf("forward %-9s %-9s max |err| %.3g (%.3g of tolerance)\n", kind_name[kind],
                   dw ? "depthwise" : "groups", max_abs, worst);
        }
    ads_context_release(ctx);
}
END_TEST

/* py = sh*i, px = sw*j through the separable and grid kinds equal the
   fixed path, for every shape (the bilinear read at an integer is the
   pixel itself, so the match is exact up to summation order). */
START_TEST(uniform_positions_equal_fixed)
{
    ads_context *ctx = test_context();
    test_seed(402);
    double max_abs = 0;
    for (int trial = 0; trial < 12; trial++) {
        gc_case c;
        gc_random_case(&c, ADS_SAMPLING_FIXED, trial % 3 == 0);
        gc_dev d;
        gc_upload(ctx, &c, &d);
        float *fixed = run_forward(ctx, &c, &d);
        check_forward(&c, fixed, "fixed", NULL);
        for (int kind = ADS_SAMPLING_SEPARABLE; kind <= ADS_SAMPLING_GRID; kind++) {
            gc_uniform_positions(&c, kind);
            gc_dev dp;
            gc_upload(ctx, &c, &dp);
            float *got = run_forward(ctx, &c, &dp);
            size_t n = gc_count_y(&c);
            double *want = malloc(n * sizeof *want), *mag = malloc(n * sizeof *mag);
            for (size_t i = 0; i < n; i++) want[i] = fixed[i];
            ref_gconv_forward_magnitude(&c.s, c.dx, c.dw, c.db, gc_ref_at(&c), mag);
            gc_check(kind == ADS_SAMPLING_SEPARABLE ? "separable vs fixed" : "grid vs fixed", got,
                     want, mag, n, &max_abs);
            free(want);
            free(mag);
            free(got);
            gc_dev_free(&dp);
            free(c.py), free(c.px), free(c.grid);
            c.py = c.px = c.grid = NULL;
            c.kind = ADS_SAMPLING_FIXED;
            gc_sync(&c);
        }
        free(fixed);
        gc_dev_free(&d);
        gc_case_free(&c);
    }
    printf("uniform positions vs fixed path: max |difference| %.3g\n", max_abs);
    ads_context_release(ctx);
}
END_TEST

/* With Cout/G >= 32 the GEMM packs its column operand, and the gather
   writes the columns in that packed layout itself (gc_col_seg): output
   rows straddle column tiles, P is no multiple of the tile, groups,
   batch > 1; whole and chunked to one image per chunk. */
START_TEST(packed_columns_match_reference)
{
    ads_context *ctx = test_context();
    test_seed(406);
    double worst = 0, max_abs = 0;
    for (int run = 0; run < 6; run++) {
        int kind = run % 3;
        ref_gconv_shape s = {.N = 3,
                             .C = 4,
                             .H = 13,
                             .W = 11,
                             .Cout = run < 3 ? 64 : 40,
                             .kh = 3,
                             .kw = 2,
                             .sh = 1,
                             .sw = 2,
                             .ph = 1,
                             .pw = 1,
                             .dh = 1,
                             .dw = 2,
                             .G = run < 3 ? 2 : 1};
        s.Ho = kind == ADS_SAMPLING_FIXED ? (int)ads_output_size(s.H, s.kh, s.sh, s.ph, s.dh) : 9;
        s.Wo = kind == ADS_SAMPLING_FIXED ? (int)ads_output_size(s.W, s.kw, s.sw, s.pw, s.dw) : 17;
        gc_case c;
        gc_make_case(&c, &s, kind, run % 2);
        gc_dev d;
        gc_upload(ctx, &c, &d);
        for (int chunked = 0; chunked < 2; chunked++) {
            uint64_t saved = ads_context_memory_budget(ctx);
            /* One image's packed columns (P rounded up to the GEMM's
               column tile, 32 wide by default) and its tap table: exactly
               one image per chunk; a byte less is rejected, which the
               plain layout's smaller columns would not be. On a GEMM path
               that takes plain columns (ADS_GEMM=tiled), the same with P. */
            uint64_t P = (uint64_t)s.Ho * s.Wo, rows = (uint64_t)s.C * s.kh * s.kw;
            uint64_t tn = ads_gemm_pack_width(ctx, (size_t)(s.Cout / s.G), (size_t)(rows / s.G));
            uint64_t taps = kind == ADS_SAMPLING_SEPARABLE
                                ? (uint64_t)(s.Ho * s.kh + s.Wo * s.kw) * 16
                            : kind == ADS_SAMPLING_GRID ? (uint64_t)s.kh * s.kw * P * 16
                                                        : 0;
            uint64_t one_image = rows * (tn ? (P + tn - 1) / tn * tn : P) * 4 + taps;
            if (chunked) {
                ck_assert_ads_ok(ads_context_set_memory_budget(ctx, one_image - 1));
                int64_t ys[4] = {s.N, s.Cout, s.Ho, s.Wo};
                ads_tensor *y0 = gc_filled(ctx, 4, ys, 777.0f);
                ads_conv_desc desc = gc_desc(&c);
                ck_assert_int_eq(ads_gconv_forward(ctx, &desc, d.x, d.w, d.b, gc_sampling(&d), y0),
                                 ADS_ERR_TOO_LARGE);
                ck_assert(gc_all_equal(y0, 777.0f));
                ads_tensor_release(y0);
                ck_assert_ads_ok(ads_context_set_memory_budget(ctx, one_image));
            }
            float *y = run_forward(ctx, &c, &d);
            char what[96];
            snprintf(what, sizeof what, "packed forward %s %s", kind_name[kind],
                     chunked ? "chunked" : "whole");
            double r = check_forward(&c, y, what, &max_abs);
            if (r > worst) worst = r;
            ck_assert_ads_ok(ads_context_set_memory_budget(ctx, saved));
            free(y);
        }
        gc_dev_free(&d);
        gc_case_free(&c);
    }
    printf("forward packed columns max |err| %.3g (%.3g of tolerance)\n", max_abs, worst);
    ads_context_release(ctx);
}
END_TEST

/* A budget of one image's workspaces (columns and tap table; the
   depthwise path has only the table, and its channel-blocked full-grid
   shape the blocked copy of x beside it) forces one image per chunk; the
   result is the same. A budget below one image fails cleanly, writing
   nothing. The CPU-shaped kernels are forced (the row kernels, then for
   the depthwise runs the plane and channel-blocked ones), so the sizes
   hold on every device. */
START_TEST(memory_budget_chunks_the_batch)
{
    ads_context *ctx = test_context();
    test_seed(403);
    ref_gconv_shape s = {.N = 4,
                         .C = 4,
                         .H = 9,
                         .W = 7,
                         .Cout = 6,
                         .kh = 3,
                         .kw = 2,
                         .sh = 2,
                         .sw = 1,
                         .ph = 1,
                         .pw = 0,
                         .dh = 1,
                         .dw = 2,
                         .G = 2};
    s.Ho = ads_output_size(s.H, s.kh, s.sh, s.ph, s.dh);
    s.Wo = ads_output_size(s.W, s.kw, s.sw, s.pw, s.dw);
    ck_assert_ads_ok(ads_tune_set(ctx, "gconv.item_pixel", 0));
    for (int run = 0; run < 9; run++) {
        int kind = run % 3, depthwise = run >= 3, plane = run >= 6;
        ck_assert_ads_ok(ads_tune_set(ctx, "gconv.dw_plane", plane));
        s.G = depthwise ? s.C : 2;
        s.Cout = depthwise ? s.C : 6;
        gc_case c;
        gc_make_case(&c, &s, kind, 1);
        gc_dev d;
        gc_upload(ctx, &c, &d);
        uint64_t saved = ads_context_memory_budget(ctx);
        float *whole = run_forward(ctx, &c, &d);
        /* The columns and the tap table (separable: one int4 per row and
           column tap; grid: one per tap and output). */
        uint64_t taps = kind == ADS_SAMPLING_SEPARABLE ? (uint64_t)(s.Ho * s.kh + s.Wo * s.kw) * 16
                        : kind == ADS_SAMPLING_GRID    ? (uint64_t)s.kh * s.kw * s.Ho * s.Wo * 16
                                                       : 0;
        uint64_t cols = depthwise ? 0 : (uint64_t)s.C * s.kh * s.kw * s.Ho * s.Wo * 4;
        uint64_t blocked =
            plane && kind == ADS_SAMPLING_GRID ? (uint64_t)(s.C + 15) / 16 * 16 * s.H * s.W * 4 : 0;
        uint64_t one_image = cols + taps + blocked;
        if (one_image == 0) { /* depthwise fixed stride: no workspace at all */
            free(whole);
            gc_dev_free(&d);
            gc_case_free(&c);
            continue;
        }
        ck_assert_ads_ok(ads_context_set_memory_budget(ctx, one_image));
        float *chunked = run_forward(ctx, &c, &d);
        check_forward(&c, chunked, "chunked forward", NULL);
        check_forward(&c, whole, "whole forward", NULL);
        for (size_t i = 0; i < gc_count_y(&c); i++)
            ck_assert_msg(fabsf(whole[i] - chunked[i]) <= 1e-5f * (1 + fabsf(whole[i])),
                          "chunked %g vs whole %g at %zu", whole[i], chunked[i], i);
        ck_assert_ads_ok(ads_context_set_memory_budget(ctx, one_image - 1));
        int64_t ys[4] = {s.N, s.Cout, s.Ho, s.Wo};
        ads_tensor *y = gc_filled(ctx, 4, ys, 777.0f);
        ads_conv_desc desc = gc_desc(&c);
        ck_assert_int_eq(ads_gconv_forward(ctx, &desc, d.x, d.w, d.b, gc_sampling(&d), y),
                         ADS_ERR_TOO_LARGE);
        ck_assert_msg(strstr(ads_last_error(), "memory budget") != NULL, "%s", ads_last_error());
        ck_assert(gc_all_equal(y, 777.0f));
        ads_tensor_release(y);
        ck_assert_ads_ok(ads_context_set_memory_budget(ctx, saved));
        free(whole);
        free(chunked);
        gc_dev_free(&d);
        gc_case_free(&c);
    }
    ads_tune_unset(ctx, "gconv.item_pixel");
    ads_tune_unset(ctx, "gconv.dw_plane");
    ads_context_release(ctx);
}
END_TEST

static const float bad_positions[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 3e9f, -3e9f};
#define NBAD (sizeof bad_positions / sizeof bad_positions[0])

/* Sprinkles non-finite and huge values over the positions of a case. */
static void spoil_positions(gc_case *c)
{
    float *p = c->kind == ADS_SAMPLING_GRID ? c->grid : c->py;
    size_t n = gc_count_pos(c, c->kind == ADS_SAMPLING_GRID ? 2 : 0);
    for (size_t i = 0; i < n; i += 3) p[i] = bad_positions[(i / 3) % NBAD];
    if (c->kind == ADS_SAMPLING_SEPARABLE)
        for (size_t i = 1; i < gc_count_pos(c, 1); i += 2) c->px[i] = bad_positions[i % NBAD];
    gc_sync(c);
}

START_TEST(non_finite_positions_read_zero)
{
    ads_context *ctx = test_context();
    test_seed(404);
    double max_abs = 0;
    for (int trial = 0; trial < 8; trial++) {
        gc_case c;
        gc_random_case(&c, trial % 2 ? ADS_SAMPLING_GRID : ADS_SAMPLING_SEPARABLE, trial % 4 == 0);
        spoil_positions(&c);
        gc_dev d;
        gc_upload(ctx, &c, &d);
        float *y = run_forward(ctx, &c, &d);
        for (size_t i = 0; i < gc_count_y(&c); i++) ck_assert(isfinite(y[i]));
        check_forward(&c, y, "forward with non-finite positions", &max_abs);
        free(y);
        gc_dev_free(&d);
        gc_case_free(&c);
    }
    printf("non-finite positions: max |err| %.3g\n", max_abs);
    ads_context_release(ctx);
}
END_TEST

/* x lives inside a larger buffer between guard bands of sentinels; with
   positions at and beyond every border, the guard bands are never read
   into the result (outputs match the reference) and never written. */
START_TEST(guard_band_is_never_touched)
{
    ads_context *ctx = test_context();
    test_seed(405);
    size_t guard = test_align_floats(ctx);
    if (guard < 64) guard = 64;
    for (int trial = 0; trial < 6; trial++) {
        gc_case c;
        gc_random_case(&c, trial % 3, trial == 5);
        if (c.kind != ADS_SAMPLING_FIXED) spoil_positions(&c);
        size_t nx = gc_count_x(&c), total = nx + 2 * guard;
        float *host = malloc(total * sizeof *host);
        for (size_t i = 0; i < total; i++) host[i] = 1e30f;
        memcpy(host + guard, c.x, nx * sizeof *host);
        cl_int err;
        cl_mem mem =
            clCreateBuffer(ads_context_cl_context(ctx), CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                           total * 4, host, &err);
        ck_assert_int_eq(err, CL_SUCCESS);
        gc_dev d;
        gc_upload(ctx, &c, &d);
        ads_tensor_release(d.x);
        int64_t xs[4] = {c.s.N, c.s.C, c.s.H, c.s.W};
        ck_assert_ads_ok(ads_tensor_wrap(ctx, mem, guard, 4, xs, &d.x));
        float *y = run_forward(ctx, &c, &d);
        for (size_t i = 0; i < gc_count_y(&c); i++) ck_assert(isfinite(y[i]));
        check_forward(&c, y, "forward inside guard bands", NULL);
        float *back = malloc(total * sizeof *back);
        ck_assert_int_eq(clEnqueueReadBuffer(ads_context_cl_queue(ctx), mem, CL_TRUE, 0, total * 4,
                                             back, 0, NULL, NULL),
                         CL_SUCCESS);
        ck_assert_mem_eq(back, host, total * 4);
        free(back);
        free(host);
        free(y);
        gc_dev_free(&d);
        clReleaseMemObject(mem);
        gc_case_free(&c);
    }
    ads_context_release(ctx);
}
END_TEST

/* The gathers' pixel shape (-DGC_ITEM_PIXEL, the GPU default) and row
   shape (the CPU default), each forced through the tuning table, both
   match the reference and each other bit for bit (the same sums in the
   same order; depthwise cases: the reference only): every kind, plain columns on random shapes and packed
   columns (Cout/G >= 32) with groups, batch > 1 and output rows that
   straddle column tiles. The row shape gathers 2 channels per work-item
   here (gconv.col_channels), so groups of 3 and 5 channels end in a
   partial block. A separable case has rows too wide for the row
   shape's blended rows in local memory (gconv_im2col_sep_rows: 9 taps
   of 2000 + 4*1400 floats, over its 256 KiB), so the row shape takes
   the direct gather (gconv_im2col_sep) there; the full grid on the same
   shape runs gconv_im2col_grid_rows over 44 chunks of 64 pixels, the
   last one partial. Its own test case (pixel_shape), small enough
   for oclgrind: CK_RUN_CASE=pixel_shape. */
START_TEST(pixel_shape_matches_row_shape)
{
    ads_context *ctx = test_context();
    test_seed(407);
    double worst = 0, max_abs = 0;
    ck_assert_ads_ok(ads_tune_set(ctx, "gconv.col_channels", 2));
    for (int run = 0; run < 11; run++) {
        int kind = run < 9 ? run % 3 : run == 9 ? ADS_SAMPLING_SEPARABLE : ADS_SAMPLING_GRID;
        gc_case c;
        if (run < 6) {
            gc_random_case(&c, kind, 0);
        } else if (run >= 9) {
            ref_gconv_shape s = {.N = 1,
                                 .C = 2,
                                 .H = 3,
                                 .W = 2000,
                                 .Cout = 4,
                                 .Ho = 2,
                                 .Wo = 1400,
                                 .kh = 3,
                                 .kw = 3,
                                 .sh = 1,
                                 .sw = 1,
                                 .ph = 1,
                                 .pw = 1,
                                 .dh = 1,
                                 .dw = 1,
                                 .G = 1};
            gc_make_case(&c, &s, kind, 1);
        } else {
            ref_gconv_shape s = {.N = 2,
                                 .C = 10,
                                 .H = 9,
                                 .W = 7,
                                 .Cout = 64,
                                 .kh = 3,
                                 .kw = 2,
                                 .sh = 1,
                                 .sw = 2,
                                 .ph = 1,
                                 .pw = 1,
                                 .dh = 1,
                                 .dw = 2,
                                 .G = 2};
            s.Ho =
                kind == ADS_SAMPLING_FIXED ? (int)ads_output_size(s.H, s.kh, s.sh, s.ph, s.dh) : 7;
            s.Wo =
                kind == ADS_SAMPLING_FIXED ? (int)ads_output_size(s.W, s.kw, s.sw, s.pw, s.dw) : 11;
            gc_make_case(&c, &s, kind, 1);
        }
        gc_dev d;
        gc_upload(ctx, &c, &d);
        float *y[2];
        for (int pixel = 0; pixel < 2; pixel++) {
            ck_assert_ads_ok(ads_tune_set(ctx, "gconv.item_pixel", pixel));
            ck_assert_int_eq(ads_tune(ctx, "gconv.item_pixel"), pixel);
            size_t P = (size_t)c.s.Ho * c.s.Wo;
            gc_poison_workspaces(ctx,
                                 (size_t)c.s.N * c.s.C * c.s.kh * c.s.kw * ((P + 31) / 32 * 32), 1);
            y[pixel] = run_forward(ctx, &c, &d);
            char what[96];
            snprintf(what, sizeof what, "forward %s %s shape run %d", kind_name[kind],
                     pixel ? "pixel" : "row", run);
            double r = check_forward(&c, y[pixel], what, &max_abs);
            if (r > worst) worst = r;
        }
        /* A random case can be depthwise (C = G = Cout): its kernels may
           round differently per shape (see the next test). */
        if (strcmp(ads_gconv_path_name(ctx, c.s.G, c.s.C, c.s.Cout, c.s.kh, c.s.kw),
                   "depthwise-direct") != 0)
            ck_assert_mem_eq(y[0], y[1], gc_count_y(&c) * sizeof(float));
        free(y[0]);
        free(y[1]);
        gc_dev_free(&d);
        gc_case_free(&c);
    }
    ads_tune_unset(ctx, "gconv.item_pixel");
    ads_tune_unset(ctx, "gconv.col_channels");
    printf("forward pixel shape = row shape; max |err| %.3g (%.3g of tolerance)\n", max_abs, worst);
    ads_context_release(ctx);
}
END_TEST

/* The direct depthwise kernels in every shape, forced through the
   tuning table: the row kernels, the CPU shapes of gconv.dw_plane (the
   CPU default: the separable plane shape and the full grid's
   channel-blocked one; the fixed stride takes the row kernels then) and
   gconv_dw_pixel (the GPU default, one kernel for every kind), each
   against the reference on random shapes (borders, dilation, kh != kw,
   batch > 1) and on 19 channels (two channel blocks, the second
   partial). Not compared with each other bit for bit: the row and
   plane kernels sum a tap's 8 columns as one vector, and the compiler
   may contract their multiply-adds differently from the scalar pixel
   kernel's. */
START_TEST(depthwise_pixel_shape_matches_reference)
{
    ads_context *ctx = test_context();
    test_seed(409);
    double worst = 0, max_abs = 0;
    for (int run = 0; run < 12; run++) {
        int kind = run % 3;
        gc_case c;
        if (run < 9) {
            gc_random_case(&c, kind, 1);
        } else { /* 19 channels: a channel block of 16 and one of 3 */
            ref_gconv_shape s = {.N = 2,
                                 .C = 19,
                                 .H = 13,
                                 .W = 11,
                                 .Cout = 19,
                                 .kh = 3,
                                 .kw = 3,
                                 .sh = 2,
                                 .sw = 2,
                                 .ph = 1,
                                 .pw = 1,
                                 .dh = 1,
                                 .dw = 1,
                                 .G = 19};
            s.Ho = kind == ADS_SAMPLING_FIXED ? (int)ads_output_size(s.H, 3, 2, 1, 1) : 7;
            s.Wo = kind == ADS_SAMPLING_FIXED ? (int)ads_output_size(s.W, 3, 2, 1, 1) : 9;
            gc_make_case(&c, &s, kind, 1);
        }
        ck_assert_str_eq(ads_gconv_path_name(ctx, c.s.G, c.s.C, c.s.Cout, c.s.kh, c.s.kw),
                         "depthwise-direct");
        gc_dev d;
        gc_upload(ctx, &c, &d);
        static const char *const shape_name[3] = {"row", "plane", "pixel"};
        for (int shape = 0; shape < 3; shape++) {
            ck_assert_ads_ok(ads_tune_set(ctx, "gconv.item_pixel", shape == 2));
            ck_assert_ads_ok(ads_tune_set(ctx, "gconv.dw_plane", shape == 1));
            float *y = run_forward(ctx, &c, &d);
            char what[96];
            snprintf(what, sizeof what, "depthwise forward %s %s shape run %d", kind_name[kind],
                     shape_name[shape], run);
            double r = check_forward(&c, y, what, &max_abs);
            if (r > worst) worst = r;
            free(y);
        }
        gc_dev_free(&d);
        gc_case_free(&c);
    }
    ads_tune_unset(ctx, "gconv.item_pixel");
    ads_tune_unset(ctx, "gconv.dw_plane");
    printf("depthwise forward, every shape: max |err| %.3g (%.3g of tolerance)\n", max_abs, worst);
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gconv_forward");
    TCase *tc = tcase_create("gconv_forward");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, forward_matches_reference);
    tcase_add_test(tc, uniform_positions_equal_fixed);
    tcase_add_test(tc, memory_budget_chunks_the_batch);
    tcase_add_test(tc, packed_columns_match_reference);
    tcase_add_test(tc, non_finite_positions_read_zero);
    tcase_add_test(tc, guard_band_is_never_touched);
    suite_add_tcase(s, tc);
    TCase *px = tcase_create("pixel_shape");
    tcase_set_timeout(px, 300);
    tcase_add_test(px, pixel_shape_matches_row_shape);
    tcase_add_test(px, depthwise_pixel_shape_matches_reference);
    suite_add_tcase(s, px);
    return test_run_suite(s);
}
