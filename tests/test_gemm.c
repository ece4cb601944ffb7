/* ads_gemm against the double-precision reference: random shapes, all
   transposes, offsets, pitches, batches, beta 0/1/other, NaN in C with
   beta 0, convolution-shaped products, bad input, the CLBlast path, and
   the GPU-shaped tiled path forced on this device (env and tuning table):
   random shapes, tile shapes, convolution shapes, folded grids. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "harness.h"
#include "tuning.h"
#include "ref_gemm.h"

/* float32 unit roundoff */
#define U32 (1.0 / 16777216.0)

static size_t span(size_t off, size_t rows, size_t cols, size_t ld, size_t batch, size_t bs)
{
    return off + (batch - 1) * bs + (rows - 1) * ld + cols;
}

static ads_gemm_args to_args(const ref_gemm_shape *s)
{
    ads_gemm_args g = {.M = s->M,
                       .N = s->N,
                       .K = s->K,
                       .batch = s->batch,
                       .trans_a = s->trans_a,
                       .trans_b = s->trans_b,
                       .alpha = (float)s->alpha,
                       .beta = (float)s->beta,
                       .a_offset = s->a_offset,
                       .lda = s->lda,
                       .a_batch_stride = s->a_batch_stride,
                       .b_offset = s->b_offset,
                       .ldb = s->ldb,
                       .b_batch_stride = s->b_batch_stride,
                       .c_offset = s->c_offset,
                       .ldc = s->ldc,
                       .c_batch_stride = s->c_batch_stride};
    return g;
}

static double *to_double(const float *v, size_t n)
{
    double *d = malloc(n * sizeof *d);
    ck_assert_ptr_nonnull(d);
    for (size_t i = 0; i < n; i++) d[i] = v[i];
    return d;
}

/* Runs one product on the device and on the reference. Every element of
   the product must lie within the float32 bound (K + 3) u * mag (recursive
   summation in any order, plus alpha, beta and the final add); every
   element outside it must keep its bits. Returns the largest
   |got - want| / mag; *bound_ratio gets the largest error / bound. */
static double run_product(ads_context *ctx, const ref_gemm_shape *s, double *bound_ratio)
{
    size_t na = span(s->a_offset, s->trans_a ? s->K : s->M, s->trans_a ? s->M : s->K, s->lda,
                     s->batch, s->a_batch_stride) +
                (size_t)test_int(0, 3);
    size_t nb = span(s->b_offset, s->trans_b ? s->N : s->K, s->trans_b ? s->K : s->N, s->ldb,
                     s->batch, s->b_batch_stride) +
                (size_t)test_int(0, 3);
    size_t nc =
        span(s->c_offset, s->M, s->N, s->ldc, s->batch, s->c_batch_stride) + (size_t)test_int(0, 3);
    float *a = malloc(na * 4), *b = malloc(nb * 4), *c = malloc(nc * 4);
    ck_assert(a && b && c);
    test_fill_uniform(a, na, -1, 1);
    test_fill_uniform(b, nb, -1, 1);
    test_fill_uniform(c, nc, -2, 2);
    if (s->beta == 0)
        for (size_t i = 0; i < nc; i++) c[i] = NAN; /* must be ignored */
    double *da = to_double(a, na), *db = to_double(b, nb), *dc = to_double(c, nc);
    double *mag = malloc(nc * sizeof *mag);
    ck_assert_ptr_nonnull(mag);
    for (size_t i = 0; i < nc; i++) mag[i] = -1; /* marks "outside the product" */
    ref_gemm(s, da, db, dc, mag);

    int64_t sa[1] = {(int64_t)na}, sb[1] = {(int64_t)nb}, sc[1] = {(int64_t)nc};
    ads_tensor *ta = test_tensor(ctx, 1, sa, a), *tb = test_tensor(ctx, 1, sb, b),
               *tc = test_tensor(ctx, 1, sc, c);
    ads_gemm_args g = to_args(s);
    g.a = ta;
    g.b = tb;
    g.c = tc;
    ck_assert_ads_ok(ads_gemm(ctx, &g));
    float *got = test_read(tc);

    double worst = 0, worst_bound = 0;
    for (size_t i = 0; i < nc; i++) {
        if (mag[i] < 0) {
            ck_assert_msg(memcmp(&got[i], &c[i], 4) == 0,
                          "element %zu outside the product changed: %g -> %g", i, (double)c[i],
                          (double)got[i]);
            continue;
        }
        double err = fabs((double)got[i] - dc[i]);
        double bound = (double)(s->K + 3) * U32 * mag[i] * 1.001 + 1e-30;
        ck_assert_msg(err <= bound,
                      "M=%zu N=%zu K=%zu batch=%zu ta=%d tb=%d beta=%g: element %zu is %.9g, "
                      "reference %.9g, error %.3g > bound %.3g",
                      s->M, s->N, s->K, s->batch, s->trans_a, s->trans_b, s->beta, i,
                      (double)got[i], dc[i], err, bound);
        if (mag[i] > 0 && err / mag[i] > worst) worst = err / mag[i];
        if (err / bound > worst_bound) worst_bound = err / bound;
    }
    if (bound_ratio) *bound_ratio = worst_bound;
    free(got);
    ads_tensor_release(ta);
    ads_tensor_release(tb);
    ads_tensor_release(tc);
    free(a);
    free(b);
    free(c);
    free(da);
    free(db);
    free(dc);
    free(mag);
    return worst;
}

/* A random product: sizes 1..max_dim (odd remainders likely), random
   pitches, offsets and batch strides (0 for a shared A or B). */
static ref_gemm_shape random_shape(int max_dim, int ta, int tb)
{
    ref_gemm_shape s = {0};
    s.M = (size_t)test_int(1, max_dim);
    s.N = (size_t)test_int(1, max_dim);
    s.K = test_int(0, 5) == 0 ? 1 : (size_t)test_int(1, max_dim);
    s.batch = (size_t)test_int(1, 3);
    s.trans_a = ta;
    s.trans_b = tb;
    s.alpha = test_int(0, 2) == 0 ? 1.0 : test_uniform(-2, 2);
    const double betas[4] = {0, 1, -0.75, 0};
    s.beta = betas[test_int(0, 3)];
    size_t a_cols = ta ? s.M : s.K, b_cols = tb ? s.K : s.N;
    s.lda = a_cols + (size_t)test_int(0, 3);
    s.ldb = b_cols + (size_t)test_int(0, 3);
    s.ldc = s.N + (size_t)test_int(0, 3);
    s.a_offset = (size_t)test_int(0, 9);
    s.b_offset = (size_t)test_int(0, 9);
    s.c_offset = (size_t)test_int(0, 9);
    size_t a_size = (ta ? s.K : s.M) * s.lda, b_size = (tb ? s.N : s.K) * s.ldb;
    s.a_batch_stride = test_int(0, 3) == 0 ? 0 : a_size + (size_t)test_int(0, 5);
    s.b_batch_stride = test_int(0, 3) == 0 ? 0 : b_size + (size_t)test_int(0, 5);
    s.c_batch_stride = s.M * s.ldc + (size_t)test_int(0, 5);
    return s;
}

START_TEST(reference_by_hand)
{
    /* [1 2 3; 4 5 6] * [1 0; 0 1; 2 -1] = [7 -1; 16 -1] */
    double a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 2, -1};
    double c[4] = {10, 20, 30, 40}, want[4] = {7 * 2 + 5, -2 + 10, 32 + 15, -2 + 20};
    ref_gemm_shape s = {
        .M = 2, .N = 2, .K = 3, .batch = 1, .alpha = 2, .beta = 0.5, .lda = 3, .ldb = 2, .ldc = 2};
    ref_gemm(&s, a, b, c, NULL);
    for (int i = 0; i < 4; i++) ck_assert_double_eq(c[i], want[i]);
    /* The same product from transposed storage, beta 0 ignoring NaN. */
    double at[6] = {1, 4, 2, 5, 3, 6}, bt[6] = {1, 0, 2, 0, 1, -1};
    double c2[4] = {NAN, NAN, NAN, NAN}, want2[4] = {7, -1, 16, -1};
    ref_gemm_shape t = {.M = 2,
                        .N = 2,
                        .K = 3,
                        .batch = 1,
                        .trans_a = true,
                        .trans_b = true,
                        .alpha = 1,
                        .beta = 0,
                        .lda = 2,
                        .ldb = 3,
                        .ldc = 2};
    ref_gemm(&t, at, bt, c2, NULL);
    for (int i = 0; i < 4; i++) ck_assert_double_eq(c2[i], want2[i]);
}
END_TEST

START_TEST(random_shapes_all_transposes)
{
    ads_context *ctx = test_context();
    test_seed(101);
    double worst[4] = {0}, worst_bound = 0;
    for (int trial = 0; trial < 96; trial++) {
        int ta = trial & 1, tb = (trial >> 1) & 1;
        ref_gemm_shape s = random_shape(trial % 3 == 2 ? 300 : 40, ta, tb);
        double br;
        double e = run_product(ctx, &s, &br);
        if (e > worst[trial & 3]) worst[trial & 3] = e;
        if (br > worst_bound) worst_bound = br;
    }
    printf("gemm random: max |err|/mag NN %.3g TN %.3g NT %.3g TT %.3g; max err/bound %.3g\n",
           worst[0], worst[1], worst[2], worst[3], worst_bound);
    ads_context_release(ctx);
}
END_TEST

/* Register tiles other than the defaults, as a tuning table may choose
   them (odd TM and DJ, narrow vectors, packing from M = 1, an odd k
   unroll), with op(A) packed for the micro-kernel and read in place:
   every tile edge case must still match the reference. */
START_TEST(tuned_tiles_stay_correct)
{
    ads_context *ctx = test_context();
    test_seed(131);
    const struct {
        const char *key;
        int value;
    } set[] = {{"gemm.vec_tm", 3},          {"gemm.vec_vw", 8},    {"gemm.vec_nv", 3},
               {"gemm.dot_di", 2},          {"gemm.dot_dj", 3},    {"gemm.dot_dw", 4},
               {"gemm.pack_min_m", 1},      {"gemm.dot_max_m", 0}, {"gemm.vec_ku", 3},
               {"gemm.pack_a_min_reuse", 1}};
    for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
        ck_assert_ads_ok(ads_tune_set(ctx, set[i].key, set[i].value));
    double worst = 0, worst_bound = 0;
    for (int trial = 0; trial < 24; trial++) {
        ck_assert_ads_ok(ads_tune_set(ctx, "gemm.pack_a", trial < 12));
        ref_gemm_shape s = random_shape(trial % 4 == 3 ? 120 : 40, trial & 1, (trial >> 1) & 1);
        double br, e = run_product(ctx, &s, &br);
        if (e > worst) worst = e;
        if (br > worst_bound) worst_bound = br;
    }
    printf("gemm tuned tiles: max |err|/mag %.3g; max err/bound %.3g\n", worst, worst_bound);
    ads_context_release(ctx);
}
END_TEST

/* The products a convolution runs (forward, gW, gCol), at one image's
   size and at sizes that leave remainders on every tile edge. */
static void run_convolution_shapes(ads_context *ctx)
{
    test_seed(202);
    struct {
        size_t M, N, K;
        bool ta, tb;
        const char *what;
    } cases[] = {
        {128, 3136, 576, false, false, "forward 128x3136x576"},
        {128, 576, 3136, false, true, "gW 128x576x3136"},
        {576, 3136, 128, true, false, "gCol 576x3136x128"},
        {67, 1001, 131, false, false, "forward 67x1001x131"},
        {67, 131, 1001, false, true, "gW 67x131x1001"},
        {131, 1001, 67, true, false, "gCol 131x1001x67"},
        {45, 77, 93, true, true, "TT 45x77x93"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* batch 2 only on the small ones: the big ones cost seconds on the reference */
        ref_gemm_shape s = {.M = cases[i].M,
                            .N = cases[i].N,
                            .K = cases[i].K,
                            .batch = cases[i].M * cases[i].N * cases[i].K > 5000000 ? 1 : 2,
                            .trans_a = cases[i].ta,
                            .trans_b = cases[i].tb,
                            .alpha = 1,
                            .beta = i % 2 ? 1.0 : 0.0};
        s.lda = cases[i].ta ? s.M : s.K;
        s.ldb = cases[i].tb ? s.K : s.N;
        s.ldc = s.N;
        s.a_batch_stride = 0; /* weights shared by the batch */
        s.b_batch_stride = (cases[i].tb ? s.N : s.K) * s.ldb;
        s.c_batch_stride = s.M * s.ldc;
        double br, e = run_product(ctx, &s, &br);
        printf("gemm %s %s: max |err|/mag %.3g, err/bound %.3g\n",
               ads_gemm_path_name(ads_gemm_path_of(ctx)), cases[i].what, e, br);
    }
}

START_TEST(convolution_shapes)
{
    ads_context *ctx = test_context();
    run_convolution_shapes(ctx);
    ads_context_release(ctx);
}
END_TEST

START_TEST(beta_zero_ignores_nan)
{
    ads_context *ctx = test_context();
    test_seed(303);
    for (int trial = 0; trial < 8; trial++) {
        ref_gemm_shape s = random_shape(70, trial & 1, (trial >> 1) & 1);
        s.beta = 0; /* run_product fills C with NaN */
        run_product(ctx, &s, NULL);
    }
    ads_context_release(ctx);
}
END_TEST

/* A memory budget too small for the packed copy of every batch entry:
   the product runs a few entries at a time, with the same results; for
   op(B)'s copy, and (trials 4-7, gemm.pack_a_min_reuse 1 so that op(A)
   is packed too, one copy per entry) for op(A)'s. */
START_TEST(small_budget_packs_in_parts)
{
    ads_context *ctx = test_context();
    ck_assert_ads_ok(ads_context_set_memory_budget(ctx, 64 * 1024));
    test_seed(606);
    for (int trial = 0; trial < 8; trial++) {
        if (trial == 4) ck_assert_ads_ok(ads_tune_set(ctx, "gemm.pack_a_min_reuse", 1));
        ref_gemm_shape s = random_shape(100, trial & 1, trial >> 1);
        s.M = 32 + (size_t)test_int(0, 40); /* large enough to pack op(B) */
        s.K = 60 + (size_t)test_int(0, 40);
        s.N = 100 + (size_t)test_int(0, 40);
        s.batch = 3;
        size_t a_cols = s.trans_a ? s.M : s.K, b_cols = s.trans_b ? s.K : s.N;
        s.lda = a_cols + 1;
        s.ldb = b_cols + 2;
        s.ldc = s.N;
        s.a_batch_stride = (s.trans_a ? s.K : s.M) * s.lda;
        s.b_batch_stride = (s.trans_b ? s.N : s.K) * s.ldb + 5;
        s.c_batch_stride = s.M * s.ldc + 1;
        run_product(ctx, &s, NULL);
    }
    ads_tune_unset(ctx, "gemm.pack_a_min_reuse");
    ads_context_release(ctx);
}
END_TEST

/* Every CPU class's default register tiles, whatever class this
   machine's CPU is (the CPU8 class's 6 x 16 block on an AVX-512 CPU and
   the other way round): each class's GEMM keys forced through the
   tuning table, random shapes with every transpose, edges and the
   packed micro-kernel (M >= 32 on the larger ones) must match the
   reference. */
START_TEST(every_cpu_class_tile_is_correct)
{
    ads_context *ctx = test_context();
    test_seed(707);
    const ads_device_class classes[2] = {ADS_CLASS_CPU, ADS_CLASS_CPU8};
    const char *keys[] = {"gemm.vec_tm", "gemm.vec_vw", "gemm.vec_nv",
                          "gemm.vec_ku", "gemm.pack_a", "gemm.dot_di",
                          "gemm.dot_dj", "gemm.dot_dw", "gemm.dot_max_m"};
    const size_t nkeys = sizeof keys / sizeof keys[0];
    for (int c = 0; c < 2; c++) {
        for (size_t k = 0; k < nkeys; k++)
            ck_assert_ads_ok(
                ads_tune_set(ctx, keys[k], ads_tunable_find(keys[k])->def[classes[c]]));
        double worst = 0;
        for (int trial = 0; trial < 16; trial++) {
            ref_gemm_shape s =
                random_shape((trial >> 2) & 1 ? 120 : 40, trial & 1, (trial >> 1) & 1);
            double e = run_product(ctx, &s, NULL);
            if (e > worst) worst = e;
        }
        printf("gemm %s default tiles: max |err|/mag %.3g\n", c ? "CPU8" : "CPU", worst);
    }
    for (size_t k = 0; k < nkeys; k++) ads_tune_unset(ctx, keys[k]);
    ads_context_release(ctx);
}
END_TEST

/* Products chained through C see the earlier writes (the scheduler). */
START_TEST(chained_products)
{
    ads_context *ctx = test_context();
    const int n = 33;
    float *eye = calloc((size_t)n * n, 4), *x = malloc((size_t)n * n * 4);
    ck_assert(eye && x);
    for (int i = 0; i < n; i++) eye[i * n + i] = 2.0f;
    test_seed(404);
    test_fill_uniform(x, (size_t)n * n, -1, 1);
    int64_t shape[2] = {n, n};
    ads_tensor *e = test_tensor(ctx, 2, shape, eye), *p = test_tensor(ctx, 2, shape, x),
               *q = test_tensor(ctx, 2, shape, NULL);
    ads_gemm_args g = {
        .M = n, .N = n, .K = n, .batch = 1, .alpha = 1, .beta = 0, .lda = n, .ldb = n, .ldc = n};
    for (int round = 0; round < 10; round++) { /* p, q <- 2p, 4p, ... */
        g.a = e;
        g.b = round % 2 ? q : p;
        g.c = round % 2 ? p : q;
        ck_assert_ads_ok(ads_gemm(ctx, &g));
    }
    float *got = test_read(p);
    for (int i = 0; i < n * n; i++) ck_assert_float_eq(got[i], x[i] * 1024.0f);
    free(got);
    free(eye);
    free(x);
    ads_tensor_release(e);
    ads_tensor_release(p);
    ads_tensor_release(q);
    ads_context_release(ctx);
}
END_TEST

/* Each bad argument gets its own status and message, and C keeps its
   sentinel values. */
START_TEST(bad_arguments_change_nothing)
{
    ads_context *ctx = test_context();
    int64_t s12[1] = {12}, s6[1] = {6};
    float sentinel[12];
    for (int i = 0; i < 12; i++) sentinel[i] = -777.0f - (float)i;
    ads_tensor *a = test_tensor(ctx, 1, s6, NULL), *b = test_tensor(ctx, 1, s6, NULL),
               *c = test_tensor(ctx, 1, s12, sentinel);
    /* A 2x3 times 3x2 into 2x2, two batch entries. */
    const ads_gemm_args ok = {.M = 2,
                              .N = 2,
                              .K = 3,
                              .batch = 2,
                              .alpha = 1,
                              .beta = 0,
                              .a = a,
                              .lda = 3,
                              .b = b,
                              .ldb = 2,
                              .c = c,
                              .ldc = 2,
                              .c_batch_stride = 4};
    struct {
        ads_gemm_args g;
        ads_status want;
        const char *phrase;
    } bad[24];
    int nbad = 0;
#define BAD(field_change, status, text)                                                            \
    do {                                                                                           \
        ads_gemm_args g_ = ok;                                                                     \
        field_change;                                                                              \
        bad[nbad].g = g_;                                                                          \
        bad[nbad].want = status;                                                                   \
        bad[nbad++].phrase = text;                                                                 \
    } while (0)
    BAD(g_.a = NULL, ADS_ERR_NULL_ARGUMENT, "a is NULL");
    BAD(g_.b = NULL, ADS_ERR_NULL_ARGUMENT, "b is NULL");
    BAD(g_.c = NULL, ADS_ERR_NULL_ARGUMENT, "c is NULL");
    BAD(g_.lda = 2, ADS_ERR_INVALID_ARGUMENT, "lda is 2");
    BAD(g_.ldc = 1, ADS_ERR_INVALID_ARGUMENT, "ldc is 1");
    BAD(g_.trans_b = true, ADS_ERR_INVALID_ARGUMENT, "ldb is 2"); /* B^T stored 2x3 */
    BAD(g_.K = 4, ADS_ERR_INVALID_ARGUMENT, "lda is 3");
    BAD(g_.a_offset = 1, ADS_ERR_SHAPE_MISMATCH, "a holds 6 elements");
    BAD(g_.b_batch_stride = 1, ADS_ERR_SHAPE_MISMATCH, "b holds 6 elements");
    BAD(g_.c_offset = 5, ADS_ERR_SHAPE_MISMATCH, "c holds 12 elements");
    BAD(g_.c_batch_stride = 3, ADS_ERR_INVALID_ARGUMENT, "c_batch_stride is 3");
    BAD(g_.alpha = NAN, ADS_ERR_INVALID_ARGUMENT, "must be finite");
    BAD(g_.beta = INFINITY, ADS_ERR_INVALID_ARGUMENT, "must be finite");
    BAD((g_.a = c, g_.lda = 3, g_.c_offset = 4, g_.batch = 1), ADS_ERR_INVALID_ARGUMENT,
        "c overlaps a");
    BAD((g_.b_packed = true, g_.trans_b = true, g_.ldb = 3), ADS_ERR_INVALID_ARGUMENT,
        "b_packed is set with trans_b");
    BAD(g_.b_packed = true, ADS_ERR_SHAPE_MISMATCH, "b holds 6 elements"); /* tiles of 32 */
    BAD(g_.bias = a, ADS_ERR_INVALID_ARGUMENT, "bias is set without b_packed");
#undef BAD
    for (int i = 0; i < nbad; i++) {
        ads_status st = ads_gemm(ctx, &bad[i].g);
        ck_assert_msg(st == bad[i].want, "case %d: got %s, want %s (%s)", i, ads_status_string(st),
                      ads_status_string(bad[i].want), ads_last_error());
        ck_assert_msg(strstr(ads_last_error(), bad[i].phrase) != NULL, "case %d: '%s' lacks '%s'",
                      i, ads_last_error(), bad[i].phrase);
    }
    ck_assert_int_eq(ads_gemm(NULL, &ok), ADS_ERR_NULL_ARGUMENT);
    ck_assert_int_eq(ads_gemm(ctx, NULL), ADS_ERR_NULL_ARGUMENT);
    /* ADS_GEMM is read when a context is created, and checked there. */
    setenv("ADS_GEMM", "fastest", 1);
    ads_context *bad_ctx = NULL;
    ck_assert_int_eq(ads_context_create(getenv("ADS_DEVICE"), &bad_ctx), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(bad_ctx);
    ck_assert_ptr_nonnull(strstr(ads_last_error(), "ADS_GEMM is 'fastest'"));
    unsetenv("ADS_GEMM");
    /* An empty product is legal and writes nothing. */
    ads_gemm_args empty = ok;
    empty.M = 0;
    ck_assert_ads_ok(ads_gemm(ctx, &empty));
    float *got = test_read(c);
    ck_assert_mem_eq(got, sentinel, sizeof sentinel);
    /* The valid call itself works (so the rejections above were real). */
    ck_assert_ads_ok(ads_gemm(ctx, &ok));
    free(got);
    got = test_read(c);
    for (int i = 0; i < 8; i++) ck_assert_float_eq(got[i], 0.0f);
    free(got);
    ads_tensor_release(a);
    ads_tensor_release(b);
    ads_tensor_release(c);
    ads_context_release(ctx);
}
END_TEST

/* b_packed: B written by the caller in the packed layout of
   ads_gemm_pack_width (an offset, two batch entries, N no multiple of the
   tile) gives the product of the unpacked B, checked in double; then
   again with a row bias (its own offset and batch stride) added. */
START_TEST(caller_packed_b)
{
    ads_context *ctx = test_context();
    test_seed(708);
    const size_t M = 40, N = 45, K = 7, batch = 2, off = 5;
    size_t tn = ads_gemm_pack_width(ctx, M, K);
    ck_assert_uint_gt(tn, 0);
    ck_assert_uint_eq(ads_gemm_pack_width(ctx, 3, K), 0); /* small M: not packed */
    size_t tiles = (N + tn - 1) / tn, entry = tiles * tn * K;
    float *a = malloc(batch * M * K * 4), *b = malloc(batch * K * N * 4);
    float *pk = calloc(off + batch * entry, 4);
    ck_assert(a && b && pk);
    test_fill_uniform(a, batch * M * K, -1, 1);
    test_fill_uniform(b, batch * K * N, -1, 1);
    for (size_t e = 0; e < batch; e++)
        for (size_t q = 0; q < tiles; q++)
            for (size_t k = 0; k < K; k++)
                for (size_t c = 0; c < tn && q * tn + c < N; c++)
                    pk[off + e * entry + (q * K + k) * tn + c] = b[(e * K + k) * N + q * tn + c];
    int64_t sa[1] = {(int64_t)(batch * M * K)}, sb[1] = {(int64_t)(off + batch * entry)},
            sc[1] = {(int64_t)(batch * M * N)};
    const size_t bias_off = 3, bias_bs = M + 1;
    float *bias = malloc((bias_off + batch * bias_bs) * 4);
    ck_assert(bias);
    test_fill_uniform(bias, bias_off + batch * bias_bs, -1, 1);
    int64_t sbias[1] = {(int64_t)(bias_off + batch * bias_bs)};
    ads_tensor *ta = test_tensor(ctx, 1, sa, a), *tb = test_tensor(ctx, 1, sb, pk),
               *tc = test_tensor(ctx, 1, sc, NULL), *tbias = test_tensor(ctx, 1, sbias, bias);
    ads_gemm_args g = {.M = M,
                       .N = N,
                       .K = K,
                       .batch = batch,
                       .alpha = 1,
                       .beta = 0,
                       .a = ta,
                       .lda = K,
                       .a_batch_stride = M * K,
                       .b = tb,
                       .b_offset = off,
                       .b_batch_stride = entry,
                       .b_packed = true,
                       .c = tc,
                       .ldc = N,
                       .c_batch_stride = M * N};
    double worst = 0;
    for (int with_bias = 0; with_bias < 2; with_bias++) {
        if (with_bias) {
            g.bias = tbias;
            g.bias_offset = bias_off;
            g.bias_batch_stride = bias_bs;
        }
        ck_assert_ads_ok(ads_gemm(ctx, &g));
        float *got = test_read(tc);
        for (size_t e = 0; e < batch; e++)
            for (size_t i = 0; i < M; i++)
                for (size_t j = 0; j < N; j++) {
                    double want = with_bias ? bias[bias_off + e * bias_bs + i] : 0.0;
                    double mag = fabs(want);
                    for (size_t k = 0; k < K; k++) {
                        double t = (double)a[(e * M + i) * K + k] * b[(e * K + k) * N + j];
                        want += t;
                        mag += fabs(t);
                    }
                    double err = fabs(got[(e * M + i) * N + j] - want);
                    ck_assert_msg(err <= (K + 3) * U32 * mag + 1e-30, "(%zu,%zu,%zu): %g vs %g", e,
                                  i, j, got[(e * M + i) * N + j], want);
                    if (err > worst) worst = err;
                }
        free(got);
    }
    printf("caller-packed B, without and with a row bias: max |err| %.3g\n", worst);
    free(a), free(b), free(pk), free(bias);
    ads_tensor_release(tbias);
    ads_tensor_release(ta);
    ads_tensor_release(tb);
    ads_tensor_release(tc);
    ads_context_release(ctx);
}
END_TEST

/* ADS_GEMM=clblast: one shape (CLBlast compiles for seconds on PoCL),
   with offsets, pitches, a batch, a transpose, beta != 0 and beta == 0
   over NaN with a shared A; then products alternating between CLBlast and ours, each
   reading the last one's result (the event hand-over both ways), in a
   second context, with the first one released midway. */
START_TEST(clblast_backend)
{
    setenv("ADS_GEMM", "clblast", 1);
    ads_context *ctx = test_context();
    unsetenv("ADS_GEMM");
    ck_assert_int_eq(ads_gemm_path_of(ctx), ADS_GEMM_PATH_CLBLAST);
    test_seed(505);
    ref_gemm_shape s = random_shape(60, 1, 0);
    s.batch = 2;
    double worst = 0, worst_bound = 0;
    const double betas[2] = {-0.75, 0};
    const size_t a_entry = s.K * s.lda;
    for (int i = 0; i < 2; i++) {
        s.beta = betas[i];
        s.a_batch_stride = i ? 0 : a_entry + 3; /* then A shared by the batch */
        double br, e = run_product(ctx, &s, &br);
        if (e > worst) worst = e;
        if (br > worst_bound) worst_bound = br;
    }
    printf("gemm clblast: max |err|/mag %.3g, err/bound %.3g\n", worst, worst_bound);

    /* The alternation goes through the tuning table: ADS_GEMM would pin
       the path for the context's life. The first context goes while the
       second one uses CLBlast: CLBlast's process-wide cache is cleared
       only when the last context that used it is released. */
    ads_context *first = ctx;
    ctx = test_context();
    const int n = 24;
    float *eye = calloc((size_t)n * n, 4), *x = malloc((size_t)n * n * 4);
    ck_assert(eye && x);
    for (int i = 0; i < n; i++) eye[i * n + i] = 2.0f;
    test_fill_uniform(x, (size_t)n * n, -1, 1);
    int64_t shape[2] = {n, n};
    ads_tensor *e = test_tensor(ctx, 2, shape, eye), *p = test_tensor(ctx, 2, shape, x),
               *q = test_tensor(ctx, 2, shape, NULL);
    ads_gemm_args g = {
        .M = n, .N = n, .K = n, .batch = 1, .alpha = 1, .beta = 0, .lda = n, .ldb = n, .ldc = n};
    for (int round = 0; round < 6; round++) { /* p, q <- 2p, 4p, ... */
        ck_assert_ads_ok(
            ads_tune_set(ctx, "gemm.path", round % 2 ? ADS_GEMM_PATH_CPU : ADS_GEMM_PATH_CLBLAST));
        g.a = e;
        g.b = round % 2 ? q : p;
        g.c = round % 2 ? p : q;
        ck_assert_ads_ok(ads_gemm(ctx, &g));
        if (round == 2) {
            ads_context_release(first);
            first = NULL;
        }
    }
    ads_tune_unset(ctx, "gemm.path");
    float *got = test_read(p);
    for (int i = 0; i < n * n; i++) ck_assert_float_eq(got[i], x[i] * 64.0f);
    free(got);
    free(eye);
    free(x);
    ads_tensor_release(e);
    ads_tensor_release(p);
    ads_tensor_release(q);
    ads_context_release(ctx);
}
END_TEST

/* ------------------------------------------------------ the tiled path */

/* A context whose products take the GPU-shaped tiled path, forced on this
   device the way a user would: ADS_GEMM=tiled. */
static ads_context *tiled_context(void)
{
    setenv("ADS_GEMM", "tiled", 1);
    ads_context *ctx = test_context();
    unsetenv("ADS_GEMM");
    ck_assert_int_eq(ads_gemm_path_of(ctx), ADS_GEMM_PATH_TILED);
    return ctx;
}

/* Random products (every transpose, pitches, offsets, batch strides,
   so aligned and unaligned vector loads, edges on every side of the
   default tile) on the tiled path. Small: it also runs under oclgrind. */
START_TEST(tiled_random_shapes)
{
    ads_context *ctx = tiled_context();
    test_seed(111);
    double worst[4] = {0}, worst_bound = 0;
    for (int trial = 0; trial < 32; trial++) {
        int ta = trial & 1, tb = (trial >> 1) & 1;
        ref_gemm_shape s = random_shape(trial % 4 == 3 ? 150 : 40, ta, tb);
        double br, e = run_product(ctx, &s, &br);
        if (e > worst[trial & 3]) worst[trial & 3] = e;
        if (br > worst_bound) worst_bound = br;
    }
    printf("gemm tiled random: max |err|/mag NN %.3g TN %.3g NT %.3g TT %.3g; max "
           "err/bound %.3g\n",
           worst[0], worst[1], worst[2], worst[3], worst_bound);
    ads_context_release(ctx);
}
END_TEST

/* Tile shapes a tuning table may hold, the path chosen by the table
   (gemm.path 1): small tiles (many groups, edges everywhere), a 1x1
   register block, a 3x5 block with 12-deep panels, a shape whose sizes do
   not divide (the registry's shape runs instead), and 1024 work-items
   (more than oclgrind's 256 or many GPUs allow: the host halves the
   group until the kernel may run). */
START_TEST(tiled_tile_shapes)
{
    ads_context *ctx = test_context();
    ck_assert_ads_ok(ads_tune_set(ctx, "gemm.path", ADS_GEMM_PATH_TILED));
    const char *keys[5] = {"gemm.tiled_mwg", "gemm.tiled_nwg", "gemm.tiled_kwg", "gemm.tiled_mdimc",
                           "gemm.tiled_ndimc"};
    const int shapes[][5] = {{32, 16, 4, 8, 4},
                             {16, 16, 8, 16, 16},
                             {24, 40, 12, 8, 8},
                             {30, 16, 8, 8, 8},
                             {64, 64, 8, 32, 32}};
    test_seed(121);
    double worst = 0, worst_bound = 0;
    for (size_t t = 0; t < sizeof shapes / sizeof shapes[0]; t++) {
        for (int k = 0; k < 5; k++) ck_assert_ads_ok(ads_tune_set(ctx, keys[k], shapes[t][k]));
        for (int trial = 0; trial < 8; trial++) {
            ref_gemm_shape s = random_shape(trial % 4 == 3 ? 90 : 40, trial & 1, (trial >> 1) & 1);
            double br, e = run_product(ctx, &s, &br);
            if (e > worst) worst = e;
            if (br > worst_bound) worst_bound = br;
        }
    }
    for (int k = 0; k < 5; k++) ads_tune_unset(ctx, keys[k]);
    ads_tune_unset(ctx, "gemm.path");
    printf("gemm tiled tile shapes: max |err|/mag %.3g; max err/bound %.3g\n", worst, worst_bound);
    ads_context_release(ctx);
}
END_TEST

/* The convolution's products at full size on the tiled path. */
START_TEST(tiled_convolution_shapes)
{
    ads_context *ctx = tiled_context();
    run_convolution_shapes(ctx);
    ads_context_release(ctx);
}
END_TEST

/* More than 65535 row tiles, and more than 65535 batch entries: the
   launches are folded (NVIDIA's limit on dimensions 1 and 2), and every
   row and entry is still computed once. */
START_TEST(tiled_grid_folds)
{
    ads_context *ctx = tiled_context();
    const int small[5] = {8, 8, 4, 1, 1}; /* one work-item per group */
    const char *keys[5] = {"gemm.tiled_mwg", "gemm.tiled_nwg", "gemm.tiled_kwg", "gemm.tiled_mdimc",
                           "gemm.tiled_ndimc"};
    for (int k = 0; k < 5; k++) ck_assert_ads_ok(ads_tune_set(ctx, keys[k], small[k]));
    test_seed(141);
    ref_gemm_shape tall = {.M = 65535 * 8 + 21,
                           .N = 3,
                           .K = 2,
                           .batch = 1,
                           .trans_a = true,
                           .alpha = 1,
                           .beta = 0.5,
                           .lda = 65535 * 8 + 21,
                           .ldb = 3,
                           .ldc = 3};
    ref_gemm_shape many = {.M = 3,
                           .N = 5,
                           .K = 2,
                           .batch = 65535 + 17,
                           .alpha = 1,
                           .beta = 0,
                           .lda = 2,
                           .ldb = 5,
                           .ldc = 5,
                           .b_batch_stride = 10,
                           .c_batch_stride = 16};
    double br1, br2;
    run_product(ctx, &tall, &br1);
    run_product(ctx, &many, &br2);
    printf("gemm tiled folded grids: err/bound %.3g (rows), %.3g (batch)\n", br1, br2);
    for (int k = 0; k < 5; k++) ads_tune_unset(ctx, keys[k]);
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gemm");
    TCase *tc = tcase_create("gemm");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, reference_by_hand);
    tcase_add_test(tc, random_shapes_all_transposes);
    tcase_add_test(tc, tuned_tiles_stay_correct);
    tcase_add_test(tc, every_cpu_class_tile_is_correct);
    tcase_add_test(tc, convolution_shapes);
    tcase_add_test(tc, beta_zero_ignores_nan);
    tcase_add_test(tc, small_budget_packs_in_parts);
    tcase_add_test(tc, chained_products);
    tcase_add_test(tc, bad_arguments_change_nothing);
    tcase_add_test(tc, clblast_backend);
    tcase_add_test(tc, caller_packed_b);
    suite_add_tcase(s, tc);
    /* The tiled path: "tiled" is small enough for oclgrind
       (CK_RUN_CASE=tiled), "tiled_large" is not. */
    TCase *tiled = tcase_create("tiled");
    tcase_set_timeout(tiled, 300);
    tcase_add_test(tiled, tiled_random_shapes);
    tcase_add_test(tiled, tiled_tile_shapes);
    suite_add_tcase(s, tiled);
    TCase *large = tcase_create("tiled_large");
    tcase_set_timeout(large, 300);
    tcase_add_test(large, tiled_convolution_shapes);
    tcase_add_test(large, tiled_grid_folds);
    suite_add_tcase(s, large);
    return test_run_suite(s);
}
