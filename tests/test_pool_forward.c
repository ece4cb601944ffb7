/* Pooling forward against the double reference and PyTorch's loops: every
   mode at fixed, separable and grid positions, borders, dilation,
   non-square inputs, batch > 1, ties, and non-finite positions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pool_cases.h"
#include "pool_common.h"
#include "tuning.h"
#include "ref_bilinear.h"

static const char *mode_names[] = {"max", "avg", "avg_excl"};
static const char *kind_names[] = {"fixed", "separable", "grid"};

/* Runs forward_ex (argmax only for max); returns y and, for max, the
   winners as ints. */
static float *run_forward(ads_context *ctx, const pool_case *pc, int **winners)
{
    ads_tensor *y = pc_ytensor(ctx, pc);
    ads_tensor *arg = pc->d.mode == ADS_POOL_MAX ? pc_ytensor(ctx, pc) : NULL;
    ck_assert_ads_ok(ads_pool_forward_ex(ctx, &pc->d, pc->tx, pc_at(pc), y, arg));
    float *host = test_read(y);
    if (winners) {
        *winners = NULL;
        if (arg) {
            float *a = test_read(arg);
            *winners = malloc(pc_ycount(pc) * sizeof(int));
            for (size_t i = 0; i < pc_ycount(pc); i++) {
                ck_assert_msg(a[i] == floorf(a[i]) && a[i] >= -1 && a[i] < pc->d.kh * pc->d.kw,
                              "argmax[%zu] = %g is not a tap index", i, (double)a[i]);
                (*winners)[i] = (int)a[i];
            }
            free(a);
        }
    }
    ads_tensor_release(y);
    ads_tensor_release(arg);
    return host;
}

/* The value the reference reads at tap t of output o (for near ties). */
static double tap_value(const pool_case *pc, size_t o, int t)
{
    long j = (long)(o % (size_t)pc->Wo), i = (long)(o / (size_t)pc->Wo % (size_t)pc->Ho);
    long nc = (long)(o / ((size_t)pc->Ho * pc->Wo)), n = nc / pc->C;
    double yb, xb;
    if (pc->kind == ADS_SAMPLING_GRID) {
        yb = pc->dgrid[((n * pc->Ho + i) * pc->Wo + j) * 2];
        xb = pc->dgrid[((n * pc->Ho + i) * pc->Wo + j) * 2 + 1];
    } else {
        yb = pc->dpy[n * pc->Ho + i];
        xb = pc->dpx[n * pc->Wo + j];
    }
    double ty = yb - pc->d.pad_h + (t / pc->d.kw) * pc->d.dil_h;
    double tx = xb - pc->d.pad_w + (t % pc->d.kw) * pc->d.dil_w;
    return ref_bl_value(pc->dx + nc * pc->H * pc->W, pc->H, pc->W, ty, tx);
}

/* y against the reference; max winners must agree except at genuine near
   ties (the two taps' values within float rounding). */
static void check_against_reference(ads_context *ctx, const pool_case *pc)
{
    size_t n = pc_ycount(pc);
    double *want = malloc(n * sizeof *want);
    int *want_arg = malloc(n * sizeof *want_arg), *got_arg;
    ref_pool_params p = pc_params(pc);
    ref_pool_dims s = pc_dims(pc);
    ref_pool_forward(&p, &s, pc->dx, pc_ref_at(pc), want, want_arg);
    float *got = run_forward(ctx, pc, &got_arg);
    char what[96];
    snprintf(what, sizeof what, "forward %s %s", kind_names[pc->kind], mode_names[pc->d.mode]);
    /* Each tap value is a blend of 4 floats; a sum of kh*kw of them. */
    pc_compare(what, got, want, n, 1e-6 * (pc->d.kh * pc->d.kw + 1), 1e-6);
    for (size_t i = 0; got_arg && i < n; i++) {
        if (got_arg[i] == want_arg[i]) continue;
        ck_assert_msg(got_arg[i] >= 0 && want_arg[i] >= 0, "%s: winner %d vs reference %d at %zu",
                      what, got_arg[i], want_arg[i], i);
        double a = tap_value(pc, i, got_arg[i]), b = tap_value(pc, i, want_arg[i]);
        ck_assert_msg(fabs(a - b) <= 1e-6, "%s: winner %d (%.9g) vs reference %d (%.9g) at %zu",
                      what, got_arg[i], a, want_arg[i], b, i);
    }
    free(want);
    free(want_arg);
    free(got);
    free(got_arg);
}

START_TEST(fixed_grid_reproduces_pytorch)
{
    ads_context *ctx = test_context();
    test_seed(501);
    for (int trial = 0; trial < 60; trial++) {
        ads_pool_mode mode = (ads_pool_mode)(trial % 3);
        pool_case pc;
        pc_random(ctx, &pc, ADS_SAMPLING_FIXED, mode, 12);
        if (mode != ADS_POOL_MAX) { /* avg_pool2d has no dilation */
            ads_pool_desc d = pc.d;
            d.dil_h = d.dil_w = 1;
            int N = pc.N, C = pc.C, H = pc.H, W = pc.W;
            pc_free(&pc);
            pc_make(ctx, &pc, ADS_SAMPLING_FIXED, d, N, C, H, W, 0, 0);
        }
        size_t n = pc_ycount(&pc);
        ref_pool_dims s = pc_dims(&pc);
        double *want = malloc(n * sizeof *want);
        int *got_arg;
        float *got = run_forward(ctx, &pc, &got_arg);
        const ads_pool_desc *d = &pc.d;
        if (mode == ADS_POOL_MAX) {
            long *index = malloc(n * sizeof *index);
            ref_torch_max_pool2d(&s, pc.dx, d->kh, d->kw, d->stride_h, d->stride_w, d->pad_h,
                                 d->pad_w, d->dil_h, d->dil_w, want, index);
            for (size_t o = 0; o < n; o++) {
                /* A max is one input value: exact. */
                ck_assert_msg((double)got[o] == want[o], "max y[%zu] %.9g vs torch %.9g", o,
                              (double)got[o], want[o]);
                int i = (int)(o / (size_t)pc.Wo % (size_t)pc.Ho), j = (int)(o % (size_t)pc.Wo);
                int t = got_arg[o], ih = i * d->stride_h - d->pad_h + t / d->kw * d->dil_h,
                    iw = j * d->stride_w - d->pad_w + t % d->kw * d->dil_w;
                ck_assert_msg(t >= 0 && ih * pc.W + iw == index[o],
                              "max argmax[%zu] tap %d is pixel %d, torch %ld", o, t, ih * pc.W + iw,
                              index[o]);
            }
            pc_compare("forward fixed max vs torch", got, want, n, 1e-30, 0);
            free(index);
        } else {
            ref_torch_avg_pool2d(&s, pc.dx, d->kh, d->kw, d->stride_h, d->stride_w, d->pad_h,
                                 d->pad_w, mode == ADS_POOL_AVG, want);
            pc_compare(mode == ADS_POOL_AVG ? "forward fixed avg vs torch"
                                            : "forward fixed avg_excl vs torch",
                       got, want, n, 1e-6 * (d->kh * d->kw + 1), 1e-6);
        }
        check_against_reference(ctx, &pc);
        free(want);
        free(got);
        free(got_arg);
        pc_free(&pc);
    }
    /* Dilated average pools against the reference too. */
    for (int trial = 0; trial < 20; trial++) {
        pool_case pc;
        pc_random(ctx, &pc, ADS_SAMPLING_FIXED, (ads_pool_mode)(1 + trial % 2), 12);
        check_against_reference(ctx, &pc);
        pc_free(&pc);
    }
    pc_summary();
    ads_context_release(ctx);
}
END_TEST

static void random_positions_match_reference(ads_sampling_kind kind, uint64_t seed)
{
    ads_context *ctx = test_context();
    test_seed(seed);
    for (int trial = 0; trial < 60; trial++) {
        pool_case pc;
        pc_random(ctx, &pc, kind, (ads_pool_mode)(trial % 3), 11);
        check_against_reference(ctx, &pc);
        pc_free(&pc);
    }
    pc_summary();
    ads_context_release(ctx);
}

START_TEST(separable_positions_match_reference)
{
    random_positions_match_reference(ADS_SAMPLING_SEPARABLE, 502);
}
END_TEST

START_TEST(grid_positions_match_reference)
{
    random_positions_match_reference(ADS_SAMPLING_GRID, 503);
}
END_TEST

/* py = stride*i, px = stride*j through the separable and the grid paths
   give bit for bit the fixed path's y and winners. */
START_TEST(uniform_positions_equal_fixed_path)
{
    ads_context *ctx = test_context();
    test_seed(504);
    for (int trial = 0; trial < 30; trial++) {
        pool_case f;
        pc_random(ctx, &f, ADS_SAMPLING_FIXED, (ads_pool_mode)(trial % 3), 13);
        pool_case s, g;
        pc_make(ctx, &s, ADS_SAMPLING_SEPARABLE, f.d, f.N, f.C, f.H, f.W, f.Ho, f.Wo);
        pc_make(ctx, &g, ADS_SAMPLING_GRID, f.d, f.N, f.C, f.H, f.W, f.Ho, f.Wo);
        memcpy(s.x, f.x, pc_xcount(&f) * sizeof(float));
        memcpy(g.x, f.x, pc_xcount(&f) * sizeof(float));
        for (int n = 0; n < f.N; n++) {
            for (int i = 0; i < f.Ho; i++) s.py[n * f.Ho + i] = (float)(f.d.stride_h * i);
            for (int j = 0; j < f.Wo; j++) s.px[n * f.Wo + j] = (float)(f.d.stride_w * j);
            for (int i = 0; i < f.Ho; i++)
                for (int j = 0; j < f.Wo; j++) {
                    g.grid[((n * f.Ho + i) * f.Wo + j) * 2] = (float)(f.d.stride_h * i);
                    g.grid[((n * f.Ho + i) * f.Wo + j) * 2 + 1] = (float)(f.d.stride_w * j);
                }
        }
        pc_sync(&s);
        pc_sync(&g);
        int *af, *as, *ag;
        float *yf = run_forward(ctx, &f, &af), *ys = run_forward(ctx, &s, &as),
              *yg = run_forward(ctx, &g, &ag);
        size_t n = pc_ycount(&f);
        ck_assert_msg(memcmp(yf, ys, n * sizeof *yf) == 0, "separable differs (trial %d)", trial);
        ck_assert_msg(memcmp(yf, yg, n * sizeof *yf) == 0, "grid differs (trial %d)", trial);
        if (af) {
            ck_assert(memcmp(af, as, n * sizeof *af) == 0);
            ck_assert(memcmp(af, ag, n * sizeof *af) == 0);
        }
        free(yf), free(ys), free(yg), free(af), free(as), free(ag);
        pc_free(&f), pc_free(&s), pc_free(&g);
    }
    ads_context_release(ctx);
}
END_TEST

/* A constant plane makes every inside tap tie: the first inside tap in
   (ky, kx) order wins; a window with no tap inside is 0 with winner -1. */
START_TEST(ties_and_empty_windows)
{
    ads_context *ctx = test_context();
    ads_pool_desc d = {ADS_POOL_MAX, 3, 2, 2, 2, 1, 1, 1, 1};
    pool_case f, s;
    pc_make(ctx, &f, ADS_SAMPLING_FIXED, d, 1, 2, 5, 4, 0, 0);
    for (size_t i = 0; i < pc_xcount(&f); i++) f.x[i] = 0.25f;
    pc_sync(&f);
    int *arg;
    float *y = run_forward(ctx, &f, &arg);
    /* Row 0 windows start at -1: the first inside tap is ky=1; column 0
       likewise kx=1; elsewhere tap 0. */
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < f.Ho; i++)
            for (int j = 0; j < f.Wo; j++) {
                size_t o = ((size_t)c * f.Ho + i) * f.Wo + j;
                int want = (i == 0 ? 1 : 0) * d.kw + (j == 0 ? 1 : 0);
                ck_assert_int_eq(arg[o], want);
                ck_assert_float_eq(y[o], 0.25f);
            }
    free(y), free(arg);
    /* Separable: output 0 inside, output 1 far outside (no tap inside). */
    pc_make(ctx, &s, ADS_SAMPLING_SEPARABLE, d, 1, 2, 5, 4, 2, 2);
    for (size_t i = 0; i < pc_xcount(&s); i++) s.x[i] = -0.5f;
    s.py[0] = 2.5f, s.py[1] = 40.5f, s.px[0] = 1.5f, s.px[1] = -10.5f;
    pc_sync(&s);
    y = run_forward(ctx, &s, &arg);
    for (int c = 0; c < 2; c++) {
        /* taps at rows 1.5, 2.5, 3.5 and columns 0.5, 1.5: every tap
           inside, all equal to -0.5: tap 0 wins. */
        ck_assert_int_eq(arg[c * 4 + 0], 0);
        ck_assert_float_eq(y[c * 4 + 0], -0.5f);
        for (int o = 1; o < 4; o++) {
            ck_assert_int_eq(arg[c * 4 + o], -1);
            ck_assert_float_eq(y[c * 4 + o], 0.0f);
        }
    }
    free(y), free(arg);
    pc_free(&f), pc_free(&s);
    ads_context_release(ctx);
}
END_TEST

/* NaN, +-Inf and huge positions read 0 and are never inside: outputs stay
   finite and agree with the reference. */
START_TEST(non_finite_positions_read_zero)
{
    ads_context *ctx = test_context();
    test_seed(505);
    for (int trial = 0; trial < 24; trial++) {
        pool_case pc;
        pc_random(ctx, &pc, trial % 2 ? ADS_SAMPLING_GRID : ADS_SAMPLING_SEPARABLE,
                  (ads_pool_mode)(trial % 3), 9);
        pc_poison_positions(&pc, 3);
        int *arg;
        float *y = run_forward(ctx, &pc, &arg);
        for (size_t i = 0; i < pc_ycount(&pc); i++) ck_assert(isfinite(y[i]));
        free(y), free(arg);
        check_against_reference(ctx, &pc);
        pc_free(&pc);
    }
    pc_summary();
    ads_context_release(ctx);
}
END_TEST

/* Shapes that fill several vectors and row blocks, but not whole ones,
   with random and monotone positions, through the row-cached separable
   kernel and (pool.sep_row_cache = 0, as ADS_POOL_SEP=direct) the direct
   one. */
START_TEST(larger_shapes_match_reference)
{
    ads_context *ctx = test_context();
    test_seed(506);
    for (int trial = 0; trial < 18; trial++) {
        pool_case pc;
        ads_sampling_kind kind = trial % 3 == 2 ? ADS_SAMPLING_FIXED : ADS_SAMPLING_SEPARABLE;
        pc_large(ctx, &pc, kind, (ads_pool_mode)(trial % 3), trial % 2 == 0);
        check_against_reference(ctx, &pc);
        if (kind == ADS_SAMPLING_SEPARABLE) {
            ck_assert_ads_ok(ads_tune_set(ctx, "pool.sep_row_cache", 0));
            check_against_reference(ctx, &pc);
            ads_tune_unset(ctx, "pool.sep_row_cache");
        }
        pc_free(&pc);
    }
    pc_summary();
    ads_context_release(ctx);
}
END_TEST

/* The fixed-grid forward's pixel shape (one work-item per output: the
   GPU default) and row shape (VW outputs of a row per work-item: the CPU
   default), each forced through the tuning table, match the reference
   and each other bit for bit, values and winners, every mode, on small
   random shapes and on rows that fill several vectors but not whole
   ones. Its own test case (pixel_shape), small enough for oclgrind:
   CK_RUN_CASE=pixel_shape. */
START_TEST(pixel_shape_matches_row_shape)
{
    ads_context *ctx = test_context();
    test_seed(507);
    for (int trial = 0; trial < 12; trial++) {
        pool_case pc;
        pc_shape_trial(ctx, &pc, ADS_SAMPLING_FIXED, trial);
        float *y[2];
        int *arg[2];
        for (int pixel = 0; pixel < 2; pixel++) {
            ck_assert_ads_ok(ads_tune_set(ctx, "pool.item_pixel", pixel));
            ck_assert_int_eq(ads_tune(ctx, "pool.item_pixel"), pixel);
            check_against_reference(ctx, &pc);
            y[pixel] = run_forward(ctx, &pc, &arg[pixel]);
        }
        size_t n = pc_ycount(&pc);
        ck_assert_mem_eq(y[0], y[1], n * sizeof(float));
        ck_assert((arg[0] == NULL) == (pc.d.mode != ADS_POOL_MAX));
        if (arg[0]) ck_assert_mem_eq(arg[0], arg[1], n * sizeof(int));
        for (int k = 0; k < 2; k++) free(y[k]), free(arg[k]);
        pc_free(&pc);
    }
    ads_tune_unset(ctx, "pool.item_pixel");
    pc_summary();
    ads_context_release(ctx);
}
END_TEST

/* At separable positions the pixel shape (pool_sep_forward_pixel: one
   work-item per output, pool_window at (py, px)) and the row shape (VW
   lanes and a row cache) each match the reference, every mode, small
   random shapes and larger ones. Not bit for bit with each other: the
   row shape's lanes may contract their blends into multiply-adds
   differently. Its own test case (pixel_shape). */
START_TEST(separable_pixel_shape_matches_reference)
{
    ads_context *ctx = test_context();
    test_seed(508);
    for (int trial = 0; trial < 12; trial++) {
        pool_case pc;
        pc_shape_trial(ctx, &pc, ADS_SAMPLING_SEPARABLE, trial);
        for (int pixel = 0; pixel < 2; pixel++) {
            ck_assert_ads_ok(ads_tune_set(ctx, "pool.item_pixel", pixel));
            check_against_reference(ctx, &pc);
        }
        pc_free(&pc);
    }
    ads_tune_unset(ctx, "pool.item_pixel");
    pc_summary();
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pool_forward");
    TCase *tc = tcase_create("pool_forward");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, fixed_grid_reproduces_pytorch);
    tcase_add_test(tc, separable_positions_match_reference);
    tcase_add_test(tc, grid_positions_match_reference);
    tcase_add_test(tc, uniform_positions_equal_fixed_path);
    tcase_add_test(tc, ties_and_empty_windows);
    tcase_add_test(tc, non_finite_positions_read_zero);
    tcase_add_test(tc, larger_shapes_match_reference);
    suite_add_tcase(s, tc);
    TCase *px = tcase_create("pixel_shape");
    tcase_set_timeout(px, 300);
    tcase_add_test(px, pixel_shape_matches_row_shape);
    tcase_add_test(px, separable_pixel_shape_matches_reference);
    suite_add_tcase(s, px);
    return test_run_suite(s);
}
