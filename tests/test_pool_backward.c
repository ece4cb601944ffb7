/* Pooling backward: the double reference against central finite
   differences, the kernels against the reference (g_x and position
   gradients, every mode and sampling kind), determinism, skipped outputs
   and non-finite positions. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pool_cases.h"
#include "pool_common.h"
#include "tuning.h"

static const char *mode_names[] = {"max", "avg", "avg_excl"};
static const char *kind_names[] = {"fixed", "separable", "grid"};

typedef struct {
    float *gx, *gpy, *gpx, *ggrid;
} grads;

enum { WANT_GX = 1, WANT_POS = 2 };

static void free_grads(grads *g)
{
    free(g->gx), free(g->gpy), free(g->gpx), free(g->ggrid);
    memset(g, 0, sizeof *g);
}

/* The winners of forward_ex as ints (NULL unless max). */
static int *kernel_winners(ads_context *ctx, const pool_case *pc)
{
    if (pc->d.mode != ADS_POOL_MAX) return NULL;
    ads_tensor *y = pc_ytensor(ctx, pc), *arg = pc_ytensor(ctx, pc);
    ck_assert_ads_ok(ads_pool_forward_ex(ctx, &pc->d, pc->tx, pc_at(pc), y, arg));
    float *a = test_read(arg);
    int *w = malloc(pc_ycount(pc) * sizeof *w);
    for (size_t i = 0; i < pc_ycount(pc); i++) w[i] = (int)a[i];
    free(a);
    ads_tensor_release(y);
    ads_tensor_release(arg);
    return w;
}

/* Runs backward (with forward_ex's argmax when with_argmax) and reads the
   requested gradients back. */
static grads run_backward(ads_context *ctx, const pool_case *pc, const float *gy, int want,
                          bool with_argmax)
{
    int64_t xs[4] = {pc->N, pc->C, pc->H, pc->W}, ps[2] = {pc->N, pc->Ho}, qs[2] = {pc->N, pc->Wo},
            gs[4] = {pc->N, pc->Ho, pc->Wo, 2};
    ads_tensor *tgy = pc_ytensor(ctx, pc), *arg = NULL, *y = NULL;
    ck_assert_ads_ok(ads_tensor_write(tgy, gy, pc_ycount(pc)));
    if (with_argmax && pc->d.mode == ADS_POOL_MAX) {
        y = pc_ytensor(ctx, pc);
        arg = pc_ytensor(ctx, pc);
        ck_assert_ads_ok(ads_pool_forward_ex(ctx, &pc->d, pc->tx, pc_at(pc), y, arg));
    }
    ads_tensor *gx = want & WANT_GX ? test_tensor(ctx, 4, xs, NULL) : NULL;
    ads_sampling_grad gat = {NULL, NULL, NULL};
    if (want & WANT_POS && pc->kind == ADS_SAMPLING_SEPARABLE) {
        gat.py = test_tensor(ctx, 2, ps, NULL);
        gat.px = test_tensor(ctx, 2, qs, NULL);
    }
    if (want & WANT_POS && pc->kind == ADS_SAMPLING_GRID) gat.grid = test_tensor(ctx, 4, gs, NULL);
    ck_assert_ads_ok(ads_pool_backward_ex(ctx, &pc->d, pc->tx, pc_at(pc), arg, tgy, gx, gat));
    grads g = {gx ? test_read(gx) : NULL, gat.py ? test_read(gat.py) : NULL,
               gat.px ? test_read(gat.px) : NULL, gat.grid ? test_read(gat.grid) : NULL};
    ads_tensor_release(tgy), ads_tensor_release(arg), ads_tensor_release(y);
    ads_tensor_release(gx), ads_tensor_release(gat.py), ads_tensor_release(gat.px);
    ads_tensor_release(gat.grid);
    return g;
}

static float *random_gy(const pool_case *pc)
{
    float *gy = malloc(pc_ycount(pc) * sizeof *gy);
    test_fill_uniform(gy, pc_ycount(pc), -1, 1);
    return gy;
}

/* ---------------------------------------------- reference vs differences */

typedef struct {
    const pool_case *pc;
    const double *gy;
    double *y;
    int *win;
} fd_problem;

/* sum(gy * y) of the reference at the case's current double data; the
   winners land in win. */
static double loss(const fd_problem *f)
{
    ref_pool_params p = pc_params(f->pc);
    ref_pool_dims s = pc_dims(f->pc);
    ref_pool_forward(&p, &s, f->pc->dx, pc_ref_at(f->pc), f->y, f->win);
    double l = 0;
    for (size_t i = 0; i < pc_ycount(f->pc); i++) l += f->gy[i] * f->y[i];
    return l;
}

/* Central difference of the loss in *v; false when a max winner changes
   across the step (a tie region, where the derivative is undefined). */
static bool central(const fd_problem *f, double *v, const int *base_win, double *d)
{
    const double eps = 1e-6; /* below the 2^-11 distance to any cell edge */
    size_t n = pc_ycount(f->pc);
    double keep = *v;
    *v = keep + eps;
    double lp = loss(f);
    bool same = memcmp(f->win, base_win, n * sizeof *base_win) == 0;
    *v = keep - eps;
    double lm = loss(f);
    same = same && memcmp(f->win, base_win, n * sizeof *base_win) == 0;
    *v = keep;
    *d = (lp - lm) / (2 * eps);
    return same;
}

static void fd_check(const char *what, const fd_problem *f, double *param, size_t n,
                     const double *grad, const int *base_win, int *skipped, int *checked)
{
    for (size_t k = 0; k < n; k++) {
        double d;
        if (!central(f, &param[k], base_win, &d)) {
            (*skipped)++;
            continue;
        }
        (*checked)++;
        /* Piecewise linear within a cell: the difference is exact up to
           double rounding of a loss of O(100). */
        ck_assert_msg(fabs(d - grad[k]) <= 1e-6 * (1 + fabs(d)),
                      "%s[%zu]: reference gradient %.12g, finite difference %.12g", what, k,
                      grad[k], d);
    }
}

START_TEST(reference_matches_finite_differences)
{
    ads_context *ctx = test_context();
    test_seed(601);
    int skipped = 0, checked = 0;
    for (int trial = 0; trial < 36; trial++) {
        pool_case pc;
        pc_random(ctx, &pc, (ads_sampling_kind)(trial % 3), (ads_pool_mode)(trial / 3 % 3), 7);
        size_t ny = pc_ycount(&pc), nx = pc_xcount(&pc);
        double *gy = malloc(ny * sizeof *gy), *y = malloc(ny * sizeof *y);
        for (size_t i = 0; i < ny; i++) gy[i] = test_uniform(-1, 1);
        int *win = malloc(ny * sizeof *win), *base = malloc(ny * sizeof *base);
        fd_problem f = {&pc, gy, y, win};
        loss(&f);
        memcpy(base, win, ny * sizeof *win);
        double *gx = malloc(nx * sizeof *gx), *gpy = malloc(pc.N * pc.Ho * sizeof *gpy),
               *gpx = malloc(pc.N * pc.Wo * sizeof *gpx),
               *ggrid = malloc(ny / pc.C * 2 * sizeof *ggrid);
        ref_pool_params p = pc_params(&pc);
        ref_pool_dims s = pc_dims(&pc);
        ref_pool_backward(&p, &s, pc.dx, pc_ref_at(&pc), NULL, gy, gx, gpy, gpx, ggrid);
        fd_check("gx", &f, pc.dx, nx, gx, base, &skipped, &checked);
        if (pc.kind == ADS_SAMPLING_SEPARABLE) {
            fd_check("gpy", &f, pc.dpy, (size_t)pc.N * pc.Ho, gpy, base, &skipped, &checked);
            fd_check("gpx", &f, pc.dpx, (size_t)pc.N * pc.Wo, gpx, base, &skipped, &checked);
        } else if (pc.kind == ADS_SAMPLING_GRID) {
            fd_check("ggrid", &f, pc.dgrid, ny / pc.C * 2, ggrid, base, &skipped, &checked);
        }
        free(gy), free(y), free(win), free(base), free(gx), free(gpy), free(gpx), free(ggrid);
        pc_free(&pc);
    }
    printf("finite differences: %d gradients checked, %d skipped at max ties\n", checked, skipped);
    ck_assert_int_lt(skipped * 100, checked); /* ties must stay rare */
    ads_context_release(ctx);
}
END_TEST

/* -------------------------------------------------- kernel vs reference */

static void check_case(ads_context *ctx, const pool_case *pc)
{
    size_t ny = pc_ycount(pc), nx = pc_xcount(pc);
    float *gy = random_gy(pc);
    double *dgy = pc_double(gy, ny);
    int *win = kernel_winners(ctx, pc);
    double *gx = malloc(nx * sizeof *gx), *gpy = malloc(pc->N * pc->Ho * sizeof *gpy),
           *gpx = malloc(pc->N * pc->Wo * sizeof *gpx),
           *ggrid = malloc(ny / pc->C * 2 * sizeof *ggrid);
    ref_pool_params p = pc_params(pc);
    ref_pool_dims s = pc_dims(pc);
    ref_pool_backward(&p, &s, pc->dx, pc_ref_at(pc), win, dgy, gx, gpy, gpx, ggrid);
    int want = pc->kind == ADS_SAMPLING_FIXED ? WANT_GX : WANT_GX | WANT_POS;
    grads g = run_backward(ctx, pc, gy, want, true), r = run_backward(ctx, pc, gy, want, false);
    char what[96];
    snprintf(what, sizeof what, "gx %s %s", kind_names[pc->kind], mode_names[pc->d.mode]);
    /* O(1) terms, at most a few hundred per pixel: float rounding < 1e-5. */
    pc_compare(what, g.gx, gx, nx, 1e-5, 1e-5);
    /* Position gradients sum C * (Wo or Ho) * kh * kw terms of size <= 2. */
    double terms = (double)pc->C * (pc->Ho > pc->Wo ? pc->Ho : pc->Wo) * pc->d.kh * pc->d.kw;
    if (pc->kind == ADS_SAMPLING_SEPARABLE) {
        snprintf(what, sizeof what, "gpy separable %s", mode_names[pc->d.mode]);
        pc_compare(what, g.gpy, gpy, (size_t)pc->N * pc->Ho, 1e-6 + 3e-7 * terms, 1e-5);
        snprintf(what, sizeof what, "gpx separable %s", mode_names[pc->d.mode]);
        pc_compare(what, g.gpx, gpx, (size_t)pc->N * pc->Wo, 1e-6 + 3e-7 * terms, 1e-5);
        ck_assert(memcmp(g.gpy, r.gpy, pc->N * pc->Ho * sizeof(float)) == 0);
        ck_assert(memcmp(g.gpx, r.gpx, pc->N * pc->Wo * sizeof(float)) == 0);
    } else if (pc->kind == ADS_SAMPLING_GRID) {
        snprintf(what, sizeof what, "ggrid %s", mode_names[pc->d.mode]);
        pc_compare(what, g.ggrid, ggrid, ny / pc->C * 2, 1e-6 + 3e-7 * terms, 1e-5);
        ck_assert(memcmp(g.ggrid, r.ggrid, ny / pc->C * 2 * sizeof(float)) == 0);
    }
    /* Recomputed winners are the recorded ones: identical gradients. */
    ck_assert_msg(memcmp(g.gx, r.gx, nx * sizeof(float)) == 0, "argmax vs recompute differ");
    free_grads(&g), free_grads(&r);
    free(gy), free(dgy), free(win), free(gx), free(gpy), free(gpx), free(ggrid);
}

static void kernels_match_reference(ads_sampling_kind kind, uint64_t seed, int trials)
{
    ads_context *ctx = test_context();
    test_seed(seed);
    for (int trial = 0; trial < trials; trial++) {
        pool_case pc;
        pc_random(ctx, &pc, kind, (ads_pool_mode)(trial % 3), 12);
        check_case(ctx, &pc);
        pc_free(&pc);
    }
    pc_summary();
    ads_context_release(ctx);
}

START_TEST(fixed_backward_matches_reference)
{
    kernels_match_reference(ADS_SAMPLING_FIXED, 602, 45);
}
END_TEST

START_TEST(separable_backward_matches_reference)
{
    kernels_match_reference(ADS_SAMPLING_SEPARABLE, 603, 45);
}
END_TEST

START_TEST(grid_backward_matches_reference) { kernels_match_reference(ADS_SAMPLING_GRID, 604, 45); }
END_TEST

/* Non-monotone, overlapping positions on a larger problem: two runs give
   bit-identical gradients (no atomics), and they match the reference. */
START_TEST(gradients_are_deterministic)
{
    ads_context *ctx = test_context();
    test_seed(605);
    for (int trial = 0; trial < 6; trial++) {
        ads_pool_desc d = {(ads_pool_mode)(trial % 3), 3, 4, 1, 1, 1, 2, 2, 1};
        pool_case pc;
        pc_make(ctx, &pc, trial < 3 ? ADS_SAMPLING_SEPARABLE : ADS_SAMPLING_GRID, d, 2, 4, 23, 27,
                17, 19);
        float *gy = random_gy(&pc);
        grads a = run_backward(ctx, &pc, gy, WANT_GX | WANT_POS, trial % 2);
        grads b = run_backward(ctx, &pc, gy, WANT_GX | WANT_POS, trial % 2);
        ck_assert(memcmp(a.gx, b.gx, pc_xcount(&pc) * sizeof(float)) == 0);
        if (pc.kind == ADS_SAMPLING_SEPARABLE) {
            ck_assert(memcmp(a.gpy, b.gpy, pc.N * pc.Ho * sizeof(float)) == 0);
            ck_assert(memcmp(a.gpx, b.gpx, pc.N * pc.Wo * sizeof(float)) == 0);
        } else {
            ck_assert(memcmp(a.ggrid, b.ggrid, pc_ycount(&pc) / pc.C * 2 * sizeof(float)) == 0);
        }
        free_grads(&a), free_grads(&b), free(gy);
        check_case(ctx, &pc);
        pc_free(&pc);
    }
    pc_summary();
    ads_context_release(ctx);
}
END_TEST

/* Uniform positions give the fixed path's g_x (up to summation order). */
START_TEST(uniform_positions_backward_equal_fixed_path)
{
    ads_context *ctx = test_context();
    test_seed(606);
    for (int trial = 0; trial < 18; trial++) {
        pool_case f, s, g;
        pc_random(ctx, &f, ADS_SAMPLING_FIXED, (ads_pool_mode)(trial % 3), 12);
        pc_make(ctx, &s, ADS_SAMPLING_SEPARABLE, f.d, f.N, f.C, f.H, f.W, f.Ho, f.Wo);
        pc_make(ctx, &g, ADS_SAMPLING_GRID, f.d, f.N, f.C, f.H, f.W, f.Ho, f.Wo);
        memcpy(s.x, f.x, pc_xcount(&f) * sizeof(float));
        memcpy(g.x, f.x, pc_xcount(&f) * sizeof(float));
        for (int n = 0; n < f.N; n++)
            for (int i = 0; i < f.Ho; i++)
                for (int j = 0; j < f.Wo; j++) {
                    s.py[n * f.Ho + i] = g.grid[((n * f.Ho + i) * f.Wo + j) * 2] =
                        (float)(f.d.stride_h * i);
                    s.px[n * f.Wo + j] = g.grid[((n * f.Ho + i) * f.Wo + j) * 2 + 1] =
                        (float)(f.d.stride_w * j);
                }
        pc_sync(&s), pc_sync(&g);
        float *gy = random_gy(&f);
        grads a = run_backward(ctx, &f, gy, WANT_GX, false);
        grads b = run_backward(ctx, &s, gy, WANT_GX, false);
        grads c = run_backward(ctx, &g, gy, WANT_GX, false);
        double *want = pc_double(a.gx, pc_xcount(&f));
        pc_compare("gx separable vs fixed (uniform)", b.gx, want, pc_xcount(&f), 1e-6, 1e-6);
        pc_compare("gx grid vs fixed (uniform)", c.gx, want, pc_xcount(&f), 1e-6, 1e-6);
        free(want), free(gy), free_grads(&a), free_grads(&b), free_grads(&c);
        pc_free(&f), pc_free(&s), pc_free(&g);
    }
    pc_summary();
    ads_context_release(ctx);
}
END_TEST

/* Each output alone: the others NULL are skipped and what is asked for is
   still right; nothing asked for is a no-op. */
START_TEST(null_outputs_are_skipped)
{
    ads_context *ctx = test_context();
    test_seed(607);
    for (int trial = 0; trial < 6; trial++) {
        pool_case pc;
        pc_random(ctx, &pc, trial % 2 ? ADS_SAMPLING_GRID : ADS_SAMPLING_SEPARABLE,
                  (ads_pool_mode)(trial % 3), 9);
        float *gy = random_gy(&pc);
        double *dgy = pc_double(gy, pc_ycount(&pc));
        ads_tensor *tgy = pc_ytensor(ctx, &pc);
        ck_assert_ads_ok(ads_tensor_write(tgy, gy, pc_ycount(&pc)));
        int64_t cs[2] = {pc.N, pc.Wo}, gs[4] = {pc.N, pc.Ho, pc.Wo, 2};
        ads_sampling_grad only = {NULL, NULL, NULL};
        size_t n;
        if (pc.kind == ADS_SAMPLING_SEPARABLE) {
            only.px = test_tensor(ctx, 2, cs, NULL);
            n = (size_t)pc.N * pc.Wo;
        } else {
            only.grid = test_tensor(ctx, 4, gs, NULL);
            n = (size_t)pc.N * pc.Ho * pc.Wo * 2;
        }
        ck_assert_ads_ok(ads_pool_backward(ctx, &pc.d, pc.tx, pc_at(&pc), tgy, NULL, only));
        ck_assert_ads_ok(ads_pool_backward(ctx, &pc.d, pc.tx, pc_at(&pc), tgy, NULL,
                                           (ads_sampling_grad){NULL, NULL, NULL}));
        double *want = malloc(n * sizeof *want);
        ref_pool_params p = pc_params(&pc);
        ref_pool_dims s = pc_dims(&pc);
        int *win = kernel_winners(ctx, &pc);
        ref_pool_backward(&p, &s, pc.dx, pc_ref_at(&pc), win, dgy, NULL, NULL,
                          pc.kind == ADS_SAMPLING_SEPARABLE ? want : NULL,
                          pc.kind == ADS_SAMPLING_GRID ? want : NULL);
        float *got = test_read(only.px ? only.px : only.grid);
        double terms = (double)pc.C * 6 * pc.d.kh * pc.d.kw;
        pc_compare("position gradient alone", got, want, n, 1e-6 + 3e-7 * terms, 1e-5);
        free(got), free(want), free(win), free(gy), free(dgy);
        ads_tensor_release(tgy), ads_tensor_release(only.px), ads_tensor_release(only.grid);
        pc_free(&pc);
    }
    pc_summary();
    ads_context_release(ctx);
}
END_TEST

/* NaN, Inf and huge positions pass no gradient and corrupt nothing. */
START_TEST(non_finite_positions_backward)
{
    ads_context *ctx = test_context();
    test_seed(608);
    for (int trial = 0; trial < 18; trial++) {
        pool_case pc;
        pc_random(ctx, &pc, trial % 2 ? ADS_SAMPLING_GRID : ADS_SAMPLING_SEPARABLE,
                  (ads_pool_mode)(trial % 3), 9);
        pc_poison_positions(&pc, 4);
        check_case(ctx, &pc);
        pc_free(&pc);
    }
    pc_summary();
    ads_context_release(ctx);
}
END_TEST

/* The separable position gradients with their row caches in local
   memory and (ADS_POOL_SEP=direct) in a global workspace, the path of
   devices whose local memory is too small: the same arithmetic in the
   same order, so the same bits; both are checked against the reference. */
static void global_caches_match_local(ads_context *ctx, const pool_case *pc)
{
    float *gy = random_gy(pc);
    grads a = run_backward(ctx, pc, gy, WANT_POS, true);
    setenv("ADS_POOL_SEP", "direct", 1);
    grads b = run_backward(ctx, pc, gy, WANT_POS, true);
    check_case(ctx, pc);
    /* A tiny memory budget: one plane's caches per launch. */
    uint64_t budget = ads_context_memory_budget(ctx);
    ck_assert_ads_ok(ads_context_set_memory_budget(ctx, 1));
    grads c = run_backward(ctx, pc, gy, WANT_POS, true);
    ck_assert_ads_ok(ads_context_set_memory_budget(ctx, budget));
    unsetenv("ADS_POOL_SEP");
    ck_assert(memcmp(a.gpy, b.gpy, pc->N * pc->Ho * sizeof(float)) == 0);
    ck_assert(memcmp(a.gpx, b.gpx, pc->N * pc->Wo * sizeof(float)) == 0);
    ck_assert(memcmp(a.gpy, c.gpy, pc->N * pc->Ho * sizeof(float)) == 0);
    ck_assert(memcmp(a.gpx, c.gpx, pc->N * pc->Wo * sizeof(float)) == 0);
    free_grads(&a), free_grads(&b), free_grads(&c);
    free(gy);
}

/* The row-wise kernels on shapes that fill several vectors and row
   blocks but not whole ones, random and monotone positions. */
START_TEST(larger_shapes_backward_match_reference)
{
    ads_context *ctx = test_context();
    test_seed(609);
    for (int trial = 0; trial < 12; trial++) {
        pool_case pc;
        pc_large(ctx, &pc, trial % 4 == 3 ? ADS_SAMPLING_FIXED : ADS_SAMPLING_SEPARABLE,
                 (ads_pool_mode)(trial % 3), trial % 2 == 0);
        check_case(ctx, &pc);
        if (pc.kind == ADS_SAMPLING_SEPARABLE) global_caches_match_local(ctx, &pc);
        pc_free(&pc);
    }
    pc_summary();
    ads_context_release(ctx);
}
END_TEST

/* The fixed grid's g_x in the pixel shape (one work-item per input
   element: the GPU default) and the row shape (one per plane: the CPU
   default), each forced through the tuning table with the forward's
   shape, match the reference (with recorded and recomputed winners) and
   each other bit for bit, every mode, small random shapes and larger
   ones. Its own test case (pixel_shape), small enough for oclgrind:
   CK_RUN_CASE=pixel_shape. */
START_TEST(pixel_shape_matches_row_shape)
{
    ads_context *ctx = test_context();
    test_seed(610);
    for (int trial = 0; trial < 12; trial++) {
        pool_case pc;
        pc_shape_trial(ctx, &pc, ADS_SAMPLING_FIXED, trial);
        float *gy = random_gy(&pc);
        grads g[2];
        for (int pixel = 0; pixel < 2; pixel++) {
            ck_assert_ads_ok(ads_tune_set(ctx, "pool.item_pixel", pixel));
            ck_assert_int_eq(ads_tune(ctx, "pool.item_pixel"), pixel);
            check_case(ctx, &pc);
            g[pixel] = run_backward(ctx, &pc, gy, WANT_GX, true);
        }
        ck_assert_mem_eq(g[0].gx, g[1].gx, pc_xcount(&pc) * sizeof(float));
        free_grads(&g[0]), free_grads(&g[1]);
        free(gy);
        pc_free(&pc);
    }
    ads_tune_unset(ctx, "pool.item_pixel");
    pc_summary();
    ads_context_release(ctx);
}
END_TEST

/* At separable positions the pixel shape (g_py and g_px: every output's
   shares, pool_sep_grad_pos_pixel, then pool_sep_sum_pos) and the row
   shape (row caches, per-channel partials) each match the reference, g_x
   and both position gradients, every mode, small random shapes and
   larger ones. Not bit for bit with each other: the two sum the shares in
   different orders. Its own test case (pixel_shape). */
START_TEST(separable_pixel_shape_matches_reference)
{
    ads_context *ctx = test_context();
    test_seed(611);
    for (int trial = 0; trial < 12; trial++) {
        pool_case pc;
        pc_shape_trial(ctx, &pc, ADS_SAMPLING_SEPARABLE, trial);
        for (int pixel = 0; pixel < 2; pixel++) {
            ck_assert_ads_ok(ads_tune_set(ctx, "pool.item_pixel", pixel));
            check_case(ctx, &pc);
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
    Suite *s = suite_create("pool_backward");
    TCase *tc = tcase_create("pool_backward");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, reference_matches_finite_differences);
    tcase_add_test(tc, fixed_backward_matches_reference);
    tcase_add_test(tc, separable_backward_matches_reference);
    tcase_add_test(tc, grid_backward_matches_reference);
    tcase_add_test(tc, gradients_are_deterministic);
    tcase_add_test(tc, uniform_positions_backward_equal_fixed_path);
    tcase_add_test(tc, null_outputs_are_skipped);
    tcase_add_test(tc, non_finite_positions_backward);
    tcase_add_test(tc, larger_shapes_backward_match_reference);
    suite_add_tcase(s, tc);
    TCase *px = tcase_create("pixel_shape");
    tcase_set_timeout(px, 300);
    tcase_add_test(px, pixel_shape_matches_row_shape);
    tcase_add_test(px, separable_pixel_shape_matches_reference);
    suite_add_tcase(s, px);
    return test_run_suite(s);
}
