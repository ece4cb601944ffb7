/* The layer: it equals the composition of the operation calls, a fresh
   adaptive layer equals the fixed one, its gradients match finite
   differences through the whole chain in double, and its parameters
   survive a save/load round trip while bad files are refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "internal.h"
#include "ref_gconv.h"
#include "ref_stride.h"

typedef struct {
    int n, c, h, w, cout;
} dims;

static ads_layer_desc conv_desc(const dims *s, ads_adapt adapt, ads_profile phi)
{
    ads_layer_desc d;
    memset(&d, 0, sizeof d);
    d.kind = ADS_LAYER_CONV;
    d.in_channels = s->c;
    d.out_channels = s->cout;
    d.conv = (ads_conv_desc){3, 3, 2, 2, 1, 1, 1, 1, 1};
    d.adapt = adapt;
    d.profile = phi;
    d.temperature = 0.7f;
    d.bias = 1;
    d.seed = 42;
    return d;
}

static ads_tensor *random_tensor(ads_context *ctx, int ndim, const int64_t *shape, double lo,
                                 double hi, float **host)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= (size_t)shape[i];
    float *v = malloc(n * sizeof *v);
    test_fill_uniform(v, n, lo, hi);
    ads_tensor *t = test_tensor(ctx, ndim, shape, v);
    if (host) *host = v;
    else free(v);
    return t;
}

static void write_param(ads_layer *l, ads_param p, double lo, double hi)
{
    ads_tensor *t = ads_layer_param(l, p);
    size_t n = ads_tensor_count(t);
    float *v = malloc(n * sizeof *v);
    test_fill_uniform(v, n, lo, hi);
    ck_assert_ads_ok(ads_tensor_write(t, v, n));
    free(v);
}

/* Fresh adaptive (v = 0) and fixed layers with the same seed agree. */
START_TEST(fresh_adaptive_equals_fixed)
{
    ads_context *ctx = test_context();
    test_seed(1);
    dims s = {2, 3, 13, 10, 4};
    int64_t xs[4] = {s.n, s.c, s.h, s.w};
    ads_tensor *x = random_tensor(ctx, 4, xs, -1, 1, NULL);
    for (int kind = 0; kind < 2; kind++) {
        ads_layer_desc fd = conv_desc(&s, ADS_ADAPT_NONE, ADS_PROFILE_LINEAR);
        if (kind == 1) {
            fd.kind = ADS_LAYER_POOL;
            fd.pool = (ads_pool_desc){ADS_POOL_MAX, 3, 3, 2, 2, 1, 1, 1, 1};
        }
        ads_layer_desc ad = fd;
        ad.adapt = ADS_ADAPT_BOTH;
        ad.profile = ADS_PROFILE_VARIATION;
        ads_layer *fixed, *adaptive;
        ck_assert_ads_ok(ads_layer_create(ctx, &fd, &fixed));
        ck_assert_ads_ok(ads_layer_create(ctx, &ad, &adaptive));
        int64_t ys[4];
        ck_assert_ads_ok(ads_layer_output_shape(fixed, xs, ys));
        ck_assert_int_eq(ys[2], 7);
        ck_assert_int_eq(ys[3], 5);
        ads_tensor *y1 = test_tensor(ctx, 4, ys, NULL), *y2 = test_tensor(ctx, 4, ys, NULL);
        ck_assert_ads_ok(ads_layer_forward(fixed, x, y1));
        ck_assert_ads_ok(ads_layer_forward(adaptive, x, y2));
        float *a = test_read(y1), *b = test_read(y2);
        for (size_t i = 0; i < ads_tensor_count(y1); i++)
            ck_assert_msg(fabsf(a[i] - b[i]) <= 1e-5f * (1 + fabsf(a[i])), "y[%zu]: %g vs %g", i,
                          (double)a[i], (double)b[i]);
        /* The positions read back are the fixed grid. */
        float py[14], px[10];
        ck_assert_ads_ok(ads_layer_positions(adaptive, py, 14, px, 10));
        for (int i = 0; i < 7; i++) ck_assert_float_eq(py[i], 2.0f * i);
        for (int j = 0; j < 5; j++) ck_assert_float_eq(px[5 + j], 2.0f * j);
        free(a), free(b);
        ads_tensor_release(y1), ads_tensor_release(y2);
        ads_layer_release(fixed), ads_layer_release(adaptive);
    }
    ads_tensor_release(x);
    ads_context_release(ctx);
}
END_TEST

/* The layer's forward and backward equal the operation calls made by hand. */
START_TEST(layer_equals_composition)
{
    ads_context *ctx = test_context();
    test_seed(2);
    dims s = {3, 4, 11, 9, 5};
    ads_layer_desc d = conv_desc(&s, ADS_ADAPT_BOTH, ADS_PROFILE_LINEAR);
    ads_layer *l;
    ck_assert_ads_ok(ads_layer_create(ctx, &d, &l));
    write_param(l, ADS_PARAM_V_ROWS, -2, 2);
    write_param(l, ADS_PARAM_V_COLS, -2, 2);
    write_param(l, ADS_PARAM_BIAS, -1, 1);
    int64_t xs[4] = {s.n, s.c, s.h, s.w}, ys[4];
    ck_assert_ads_ok(ads_layer_output_shape(l, xs, ys));
    ads_tensor *x = random_tensor(ctx, 4, xs, -1, 1, NULL);
    ads_tensor *gy = random_tensor(ctx, 4, ys, -1, 1, NULL);
    ads_tensor *y = test_tensor(ctx, 4, ys, NULL), *gx = test_tensor(ctx, 4, xs, NULL);
    ck_assert_ads_ok(ads_layer_forward(l, x, y));
    ck_assert_ads_ok(ads_layer_zero_grad(l));
    ck_assert_ads_ok(ads_layer_backward(l, gy, gx));

    /* By hand. */
    int64_t rs[2] = {s.n, ys[2]}, cs[2] = {s.n, ys[3]};
    ads_tensor *ar = test_tensor(ctx, 2, rs, NULL), *ac = test_tensor(ctx, 2, cs, NULL);
    ads_tensor *py = test_tensor(ctx, 2, rs, NULL), *px = test_tensor(ctx, 2, cs, NULL);
    ads_tensor *y2 = test_tensor(ctx, 4, ys, NULL);
    ads_tensor *W = ads_layer_param(l, ADS_PARAM_WEIGHT), *B = ads_layer_param(l, ADS_PARAM_BIAS);
    ads_tensor *vr = ads_layer_param(l, ADS_PARAM_V_ROWS),
               *vc = ads_layer_param(l, ADS_PARAM_V_COLS);
    ck_assert_ads_ok(ads_stride_logits(ctx, d.profile, x, vr, vc, ar, ac));
    ck_assert_ads_ok(ads_stride_positions(ctx, ar, 2.0f, 0.0f, d.temperature, py));
    ck_assert_ads_ok(ads_stride_positions(ctx, ac, 2.0f, 0.0f, d.temperature, px));
    ads_sampling at = {py, px, NULL};
    ck_assert_ads_ok(ads_gconv_forward(ctx, &d.conv, x, W, B, at, y2));
    float *a = test_read(y), *b = test_read(y2);
    ck_assert_mem_eq(a, b, ads_tensor_count(y) * sizeof *a);
    free(a), free(b);

    ads_tensor *gx2 = test_tensor(ctx, 4, xs, NULL), *gw2 = test_tensor(ctx, 4, W->shape, NULL);
    ads_tensor *gb2 = test_tensor(ctx, 1, B->shape, NULL);
    ads_tensor *gpy = test_tensor(ctx, 2, rs, NULL), *gpx = test_tensor(ctx, 2, cs, NULL);
    ads_tensor *gar = test_tensor(ctx, 2, rs, NULL), *gac = test_tensor(ctx, 2, cs, NULL);
    ads_tensor *gvr = test_tensor(ctx, 1, vr->shape, NULL),
               *gvc = test_tensor(ctx, 1, vc->shape, NULL);
    ads_sampling_grad gat = {gpy, gpx, NULL};
    ck_assert_ads_ok(ads_gconv_backward(ctx, &d.conv, x, W, at, gy, gx2, gw2, gb2, gat));
    ck_assert_ads_ok(ads_stride_positions_backward(ctx, ar, 2.0f, d.temperature, gpy, gar));
    ck_assert_ads_ok(ads_stride_positions_backward(ctx, ac, 2.0f, d.temperature, gpx, gac));
    ck_assert_ads_ok(
        ads_stride_logits_backward(ctx, d.profile, x, vr, vc, gar, gac, gx2, gvr, gvc));
    const ads_tensor *pairs[][2] = {{gx, gx2},
                                    {ads_layer_grad(l, ADS_PARAM_WEIGHT), gw2},
                                    {ads_layer_grad(l, ADS_PARAM_BIAS), gb2},
                                    {ads_layer_grad(l, ADS_PARAM_V_ROWS), gvr},
                                    {ads_layer_grad(l, ADS_PARAM_V_COLS), gvc}};
    for (int k = 0; k < 5; k++) {
        float *p = test_read(pairs[k][0]), *q = test_read(pairs[k][1]);
        /* Bit-identical: the same calls in the same order (zero + share). */
        ck_assert_msg(memcmp(p, q, ads_tensor_count(pairs[k][0]) * sizeof *p) == 0,
                      "gradient %d differs from the composition", k);
        free(p), free(q);
    }
    /* A second backward accumulates: the gradients double. */
    ck_assert_ads_ok(ads_layer_backward(l, gy, gx));
    float *g1 = test_read(gw2), *g2 = test_read(ads_layer_grad(l, ADS_PARAM_WEIGHT));
    for (size_t i = 0; i < ads_tensor_count(gw2); i++)
        ck_assert_float_eq_tol(g2[i], 2 * g1[i], 1e-6f * (1 + fabsf(g1[i])));
    free(g1), free(g2);
    ads_tensor *all[] = {x,   gy,  y,   gx,  ar,  ac,  py,  px,  y2,
                         gx2, gw2, gb2, gpy, gpx, gar, gac, gvr, gvc};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ads_tensor_release(all[i]);
    ads_layer_release(l);
    ads_context_release(ctx);
}
END_TEST

/* ---- the whole chain in double, for finite differences ---- */

typedef struct {
    dims s;
    long ho, wo;
    int variation;
    double t;
    double *x, *w, *b, *vr, *vc, *r; /* r: the loss weights, loss = sum(r * y) */
} chain;

static double chain_loss(const chain *c)
{
    long N = c->s.n, Ho = c->ho, Wo = c->wo;
    double *ar = calloc((size_t)(N * Ho), 8), *ac = calloc((size_t)(N * Wo), 8);
    double *py = calloc((size_t)(N * Ho), 8), *px = calloc((size_t)(N * Wo), 8);
    double *y = calloc((size_t)(N * c->s.cout * Ho * Wo), 8);
    ref_stride_logits(c->variation, c->x, N, c->s.c, c->s.h, c->s.w, c->vr, Ho, ar, c->vc, Wo, ac);
    ref_stride_positions(ar, N, Ho, 2, 0, c->t, py);
    ref_stride_positions(ac, N, Wo, 2, 0, c->t, px);
    ref_gconv_shape sh = {N, c->s.c, c->s.h, c->s.w, c->s.cout, Ho, Wo, 3, 3, 2, 2, 1, 1, 1, 1, 1};
    ref_gconv_at at = {py, px, NULL};
    ref_gconv_forward(&sh, c->x, c->w, c->b, at, y);
    double loss = 0;
    for (long i = 0; i < N * c->s.cout * Ho * Wo; i++) loss += c->r[i] * y[i];
    free(ar), free(ac), free(py), free(px), free(y);
    return loss;
}

static double central_difference(chain *c, double *v, long i)
{
    double h = 1e-6, keep = v[i];
    v[i] = keep + h;
    double up = chain_loss(c);
    v[i] = keep - h;
    double down = chain_loss(c);
    v[i] = keep;
    return (up - down) / (2 * h);
}

static double *to_double(const float *v, size_t n)
{
    double *d = malloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++) d[i] = v[i];
    return d;
}

static double *read_double(const ads_tensor *t)
{
    float *v = test_read(t);
    double *d = to_double(v, ads_tensor_count(t));
    free(v);
    return d;
}

/* Compares a kernel gradient with finite differences of the double chain
   at a few entries. Positions are kept off integers by nonzero v. */
static void check_fd(const char *what, chain *c, double *param, const float *got, size_t n)
{
    double worst = 0, largest = 0;
    for (int k = 0; k < 6; k++) {
        long i = (long)((size_t)test_int(0, (int)n - 1));
        double fd = central_difference(c, param, i);
        double err = fabs(got[i] - fd) / (1e-3 + 1e-3 * fabs(fd));
        if (err > worst) worst = err;
        if (fabs(fd) > largest) largest = fabs(fd);
        ck_assert_msg(err <= 1, "%s[%ld]: layer %.7g, finite difference %.7g", what, i,
                      (double)got[i], fd);
    }
    /* A gradient that is zero everywhere would pass trivially: not here. */
    ck_assert_msg(largest > 1e-3, "%s: every sampled derivative is ~0", what);
    printf("layer fd %-7s worst error/tolerance %.3f, largest |derivative| %.3g\n", what, worst,
           largest);
}

START_TEST(finite_differences_through_the_layer)
{
    ads_context *ctx = test_context();
    for (int variation = 0; variation < 2; variation++) {
        test_seed(10 + (uint64_t)variation);
        chain c = {{2, 3, 10, 9, 2}, 0, 0, variation, 0.7, NULL, NULL, NULL, NULL, NULL, NULL};
        ads_layer_desc d =
            conv_desc(&c.s, ADS_ADAPT_BOTH, variation ? ADS_PROFILE_VARIATION : ADS_PROFILE_LINEAR);
        ads_layer *l;
        ck_assert_ads_ok(ads_layer_create(ctx, &d, &l));
        write_param(l, ADS_PARAM_V_ROWS, -3, 3);
        write_param(l, ADS_PARAM_V_COLS, -3, 3);
        int64_t xs[4] = {c.s.n, c.s.c, c.s.h, c.s.w}, ys[4];
        ck_assert_ads_ok(ads_layer_output_shape(l, xs, ys));
        c.ho = ys[2], c.wo = ys[3];
        float *xh, *rh;
        ads_tensor *x = random_tensor(ctx, 4, xs, -1, 1, &xh);
        ads_tensor *gy = random_tensor(ctx, 4, ys, -1, 1, &rh);
        ads_tensor *y = test_tensor(ctx, 4, ys, NULL), *gx = test_tensor(ctx, 4, xs, NULL);
        ck_assert_ads_ok(ads_layer_forward(l, x, y));
        ck_assert_ads_ok(ads_layer_backward(l, gy, gx));
        c.x = to_double(xh, ads_tensor_count(x));
        c.r = to_double(rh, ads_tensor_count(y));
        c.w = read_double(ads_layer_param(l, ADS_PARAM_WEIGHT));
        c.b = read_double(ads_layer_param(l, ADS_PARAM_BIAS));
        c.vr = read_double(ads_layer_param(l, ADS_PARAM_V_ROWS));
        c.vc = read_double(ads_layer_param(l, ADS_PARAM_V_COLS));
        float *g = test_read(gx);
        check_fd("x", &c, c.x, g, ads_tensor_count(x));
        free(g);
        const char *names[] = {"w", "b", "v_rows", "v_cols"};
        double *params[] = {c.w, c.b, c.vr, c.vc};
        for (int p = 0; p < 4; p++) {
            g = test_read(ads_layer_grad(l, (ads_param)p));
            check_fd(names[p], &c, params[p], g, ads_tensor_count(ads_layer_grad(l, (ads_param)p)));
            free(g);
        }
        free(xh), free(rh), free(c.x), free(c.r), free(c.w), free(c.b), free(c.vr), free(c.vc);
        ads_tensor_release(x), ads_tensor_release(gy), ads_tensor_release(y),
            ads_tensor_release(gx);
        ads_layer_release(l);
    }
    ads_context_release(ctx);
}
END_TEST

/* ---- save and load ---- */

static void read_all(ads_layer *l, float **out, size_t *n)
{
    for (int p = 0; p < 4; p++) {
        ads_tensor *t = ads_layer_param(l, (ads_param)p);
        out[p] = t ? test_read(t) : NULL;
        n[p] = t ? ads_tensor_count(t) : 0;
    }
}

static void expect_params(ads_layer *l, float **want, const size_t *n)
{
    float *got[4];
    size_t m[4];
    read_all(l, got, m);
    for (int p = 0; p < 4; p++) {
        ck_assert_uint_eq(m[p], n[p]);
        if (n[p]) ck_assert_mem_eq(got[p], want[p], n[p] * sizeof(float));
        free(got[p]);
    }
}

static void rewrite(const char *path, long at, int flip, long truncate_to)
{
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    unsigned char *data = malloc((size_t)size);
    fseek(f, 0, SEEK_SET);
    ck_assert_uint_eq(fread(data, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    if (flip) data[at] ^= 0x40;
    f = fopen(path, "wb");
    fwrite(data, 1, (size_t)(truncate_to >= 0 ? truncate_to : size), f);
    fclose(f);
    free(data);
}

START_TEST(save_load_and_bad_files)
{
    ads_context *ctx = test_context();
    test_seed(5);
    dims s = {1, 3, 8, 8, 4};
    ads_layer_desc d = conv_desc(&s, ADS_ADAPT_BOTH, ADS_PROFILE_LINEAR);
    ads_layer *a, *b;
    ck_assert_ads_ok(ads_layer_create(ctx, &d, &a));
    write_param(a, ADS_PARAM_V_ROWS, -1, 1);
    write_param(a, ADS_PARAM_BIAS, -1, 1);
    d.seed = 99;
    ck_assert_ads_ok(ads_layer_create(ctx, &d, &b));
    char path[] = "/tmp/ads-layer-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_ads_ok(ads_layer_save(a, path));
    float *want[4], *before[4];
    size_t n[4], nb[4];
    read_all(a, want, n);
    read_all(b, before, nb);

    /* Every damaged file is refused and leaves b as it was. */
    struct {
        long at;
        int flip;
        long truncate_to;
    } damage[] = {
        {0, 1, -1},   /* magic */
        {9, 1, -1},   /* version */
        {40, 1, -1},  /* a shape */
        {200, 1, -1}, /* a value: only the checksum catches it */
        {0, 0, 100},  /* truncated */
        {0, 0, 4},    /* hardly anything */
    };
    for (size_t k = 0; k < sizeof damage / sizeof *damage; k++) {
        ck_assert_ads_ok(ads_layer_save(a, path));
        rewrite(path, damage[k].at, damage[k].flip, damage[k].truncate_to);
        ads_status st = ads_layer_load(b, path);
        ck_assert_msg(st == ADS_ERR_IO || st == ADS_ERR_SHAPE_MISMATCH, "damage %zu loaded: %s", k,
                      ads_status_string(st));
        ck_assert_msg(strstr(ads_last_error(), path) != NULL, "%s", ads_last_error());
        expect_params(b, before, nb);
        ck_assert_ads_ok(ads_layer_save(a, path));
    }
    /* A layer of another shape refuses the file. */
    dims other = s;
    other.cout = 5;
    ads_layer_desc od = conv_desc(&other, ADS_ADAPT_BOTH, ADS_PROFILE_LINEAR);
    ads_layer *c;
    ck_assert_ads_ok(ads_layer_create(ctx, &od, &c));
    ck_assert_ads_ok(ads_layer_save(a, path));
    ck_assert_int_eq(ads_layer_load(c, path), ADS_ERR_SHAPE_MISMATCH);
    ck_assert_int_eq(ads_layer_load(b, "/nonexistent/layer.bin"), ADS_ERR_IO);
    /* A well-formed file (valid checksum) with absurd shapes is refused
       cleanly: the shape message never overruns its buffer. */
    {
        unsigned char file[8 + 12 + 8 + 6 * 8 + 8];
        size_t at = 0;
        uint32_t head[3] = {1, 0, 4}, rec[2] = {0, 6}; /* b has 4 parameters */
        memcpy(file, "ADSLAYR", 8), at = 8;
        memcpy(file + at, head, 12), at += 12;
        memcpy(file + at, rec, 8), at += 8;
        for (int i = 0; i < 6; i++, at += 8) {
            int64_t dim = INT64_MIN;
            memcpy(file + at, &dim, 8);
        }
        uint64_t h = 1469598103934665603ull; /* FNV-1a 64, as the format says */
        for (size_t i = 0; i < at; i++) h = (h ^ file[i]) * 1099511628211ull;
        memcpy(file + at, &h, 8), at += 8;
        FILE *f = fopen(path, "wb");
        ck_assert_uint_eq(fwrite(file, 1, at, f), at);
        fclose(f);
        ads_status st = ads_layer_load(b, path);
        ck_assert_msg(st == ADS_ERR_SHAPE_MISMATCH || st == ADS_ERR_IO, "%s",
                      ads_status_string(st));
        expect_params(b, before, nb);
        ck_assert_ads_ok(ads_layer_save(a, path));
    }
    /* The intact file round-trips exactly. */
    ck_assert_ads_ok(ads_layer_load(b, path));
    expect_params(b, want, n);
    for (int p = 0; p < 4; p++) free(want[p]), free(before[p]);
    remove(path);
    ads_layer_release(a), ads_layer_release(b), ads_layer_release(c);
    ads_context_release(ctx);
}
END_TEST

START_TEST(bad_descriptors_and_calls)
{
    ads_context *ctx = test_context();
    dims s = {1, 3, 8, 8, 4};
    ads_layer_desc d = conv_desc(&s, ADS_ADAPT_BOTH, ADS_PROFILE_LINEAR);
    ads_layer *l = NULL;
    ck_assert_int_eq(ads_layer_create(ctx, NULL, &l), ADS_ERR_NULL_ARGUMENT);
    ads_layer_desc bad = d;
    bad.conv.groups = 2; /* does not divide 3 */
    ck_assert_int_eq(ads_layer_create(ctx, &bad, &l), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(ads_last_error(), "groups") != NULL, "%s", ads_last_error());
    bad = d;
    bad.temperature = NAN;
    ck_assert_int_eq(ads_layer_create(ctx, &bad, &l), ADS_ERR_INVALID_ARGUMENT);
    bad = d;
    bad.adapt = (ads_adapt)7;
    ck_assert_int_eq(ads_layer_create(ctx, &bad, &l), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_ads_ok(ads_layer_create(ctx, &d, &l));
    int64_t xs[4] = {1, 2, 8, 8}, ys[4] = {1, 4, 4, 4};
    ads_tensor *x = test_tensor(ctx, 4, xs, NULL), *y = test_tensor(ctx, 4, ys, NULL);
    ck_assert_int_eq(ads_layer_forward(l, x, y), ADS_ERR_SHAPE_MISMATCH); /* 2 channels, not 3 */
    ck_assert_int_eq(ads_layer_backward(l, y, NULL), ADS_ERR_INVALID_ARGUMENT); /* no forward */
    float py[4], px[4];
    ck_assert_int_eq(ads_layer_positions(l, py, 4, px, 4), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(ads_layer_param(l, (ads_param)9));
    /* y == x is refused before the layer's saved state is touched. */
    ads_layer_desc pd = d;
    pd.kind = ADS_LAYER_POOL;
    pd.pool = (ads_pool_desc){ADS_POOL_MAX, 3, 3, 1, 1, 1, 1, 1, 1};
    ads_layer *pool;
    ck_assert_ads_ok(ads_layer_create(ctx, &pd, &pool));
    int64_t ps[4] = {1, 3, 6, 6};
    ads_tensor *px_in = test_tensor(ctx, 4, ps, NULL), *py_out = test_tensor(ctx, 4, ps, NULL);
    ck_assert_ads_ok(ads_layer_forward(pool, px_in, py_out));
    ck_assert_int_eq(ads_layer_forward(pool, px_in, px_in), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_ads_ok(ads_layer_backward(pool, py_out, NULL)); /* the first forward still holds */
    pd.pool.mode = (ads_pool_mode)9;
    ads_layer *bad_pool = NULL;
    ck_assert_int_eq(ads_layer_create(ctx, &pd, &bad_pool), ADS_ERR_INVALID_ARGUMENT);
    ads_tensor_release(px_in), ads_tensor_release(py_out);
    ads_layer_release(pool);
    ads_tensor_release(x), ads_tensor_release(y);
    ads_layer_release(l);
    ads_context_release(ctx);
}
END_TEST

/* A valid file (checksum and all) whose record holds the values given;
   one pool layer parameter `id` of `len` values. */
static void write_one_record_file(const char *path, uint32_t nparams, uint32_t id, int64_t len,
                                  const float *values)
{
    size_t size = 8 + 12 + 8 + 8 + (size_t)len * 4 + 8, at = 0;
    unsigned char *file = malloc(size);
    uint32_t head[3] = {1, 1 /* a pool */, nparams}, rec[2] = {id, 1};
    memcpy(file, "ADSLAYR", 8), at = 8;
    memcpy(file + at, head, 12), at += 12;
    memcpy(file + at, rec, 8), at += 8;
    memcpy(file + at, &len, 8), at += 8;
    memcpy(file + at, values, (size_t)len * 4), at += (size_t)len * 4;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < at; i++) h = (h ^ file[i]) * 1099511628211ull;
    memcpy(file + at, &h, 8), at += 8;
    FILE *f = fopen(path, "wb");
    ck_assert_uint_eq(fwrite(file, 1, at, f), at);
    fclose(f);
    free(file);
}

/* Files a hostile or careless caller gives: a folder, NaN and Inf with a
   valid checksum, a shape that names neither file nor parameter. */
START_TEST(hostile_layer_files)
{
    ads_context *ctx = test_context();
    dims s = {1, 3, 8, 8, 4};
    ads_layer_desc d = conv_desc(&s, ADS_ADAPT_NONE, ADS_PROFILE_LINEAR);
    d.kind = ADS_LAYER_POOL;
    d.adapt = ADS_ADAPT_ROWS; /* one parameter: v_rows, 3 values */
    d.pool = (ads_pool_desc){ADS_POOL_MAX, 3, 3, 2, 2, 1, 1, 1, 1};
    ads_layer *l;
    ck_assert_ads_ok(ads_layer_create(ctx, &d, &l));
    float v[3] = {0.25f, -0.5f, 1.0f}, got[3];
    ck_assert_ads_ok(ads_tensor_write(ads_layer_param(l, ADS_PARAM_V_ROWS), v, 3));

    /* A folder: ftell says 2^63-1 there, and nothing may be allocated. */
    char dir[] = "/tmp/ads-layer-dir-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(ads_layer_load(l, dir), ADS_ERR_IO);
    ck_assert_msg(strstr(ads_last_error(), "not a regular file") && strstr(ads_last_error(), dir),
                  "%s", ads_last_error());

    /* NaN or Inf in a file whose checksum is right. */
    char path[4200];
    snprintf(path, sizeof path, "%s/layer.bin", dir);
    float bad[2][3] = {{1.0f, NAN, 2.0f}, {1.0f, 2.0f, -INFINITY}};
    for (int k = 0; k < 2; k++) {
        write_one_record_file(path, 1, ADS_PARAM_V_ROWS, 3, bad[k]);
        ck_assert_int_eq(ads_layer_load(l, path), ADS_ERR_IO);
        ck_assert_msg(strstr(ads_last_error(), path) && strstr(ads_last_error(), "v_rows[") &&
                          strstr(ads_last_error(), "finite"),
                      "%s", ads_last_error());
        ck_assert_ads_ok(ads_tensor_read(ads_layer_param(l, ADS_PARAM_V_ROWS), got, 3));
        ck_assert(memcmp(got, v, sizeof v) == 0);
    }
    /* The same file with finite values loads: only the values differ. */
    float fine[3] = {1.0f, 2.0f, 3.0f};
    write_one_record_file(path, 1, ADS_PARAM_V_ROWS, 3, fine);
    ck_assert_ads_ok(ads_layer_load(l, path));
    ck_assert_ads_ok(ads_tensor_read(ads_layer_param(l, ADS_PARAM_V_ROWS), got, 3));
    ck_assert(memcmp(got, fine, sizeof fine) == 0);

    /* A shape mismatch names the file, the parameter and both shapes. */
    float four[4] = {1, 2, 3, 4};
    write_one_record_file(path, 1, ADS_PARAM_V_ROWS, 4, four);
    ck_assert_int_eq(ads_layer_load(l, path), ADS_ERR_SHAPE_MISMATCH);
    ck_assert_msg(strstr(ads_last_error(), path) && strstr(ads_last_error(), "v_rows") &&
                      strstr(ads_last_error(), "[4]") && strstr(ads_last_error(), "[3]"),
                  "%s", ads_last_error());
    remove(path);
    rmdir(dir);
    ads_layer_release(l);
    ads_context_release(ctx);
}
END_TEST

/* Shapes and windows out of range name what is wrong and its range. */
START_TEST(output_shape_and_descriptor_ranges)
{
    ads_context *ctx = test_context();
    dims s = {1, 3, 8, 8, 4};
    ads_layer_desc d = conv_desc(&s, ADS_ADAPT_BOTH, ADS_PROFILE_LINEAR);
    ads_layer *l;
    ck_assert_ads_ok(ads_layer_create(ctx, &d, &l));
    int64_t out[4] = {7, 7, 7, 7};
    int64_t bad_in[][4] = {{0, 3, 8, 8}, {-2, 3, 8, 8}, {1, 3, -8, 8}, {1, 3, 8, 0}};
    const char *names[] = {"N (batch) is 0", "N (batch) is -2", "H is -8", "W is 0"};
    for (int k = 0; k < 4; k++) {
        ck_assert_int_eq(ads_layer_output_shape(l, bad_in[k], out), ADS_ERR_INVALID_ARGUMENT);
        ck_assert_msg(strstr(ads_last_error(), names[k]), "%s", ads_last_error());
        ck_assert_int_eq(out[0], 7); /* nothing echoed */
    }
    /* Sizes near INT64_MAX: no signed overflow (UBSan watches), and the
       result either fits or is refused. */
    int64_t huge[4] = {1, 3, INT64_MAX, INT64_MAX};
    ads_status st = ads_layer_output_shape(l, huge, out);
    ck_assert(st == ADS_OK || st == ADS_ERR_SHAPE_MISMATCH);
    ads_layer_release(l);

    ads_layer_desc bad = d;
    bad.conv.dil_w = 0;
    ck_assert_int_eq(ads_layer_create(ctx, &bad, &l), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(ads_last_error(), "d->conv.dil_w is 0; it must be >= 1"), "%s",
                  ads_last_error());
    bad = d;
    bad.kind = ADS_LAYER_POOL;
    bad.pool = (ads_pool_desc){ADS_POOL_MAX, 3, 3, 1, 1, -1, 1, 1, 1};
    ck_assert_int_eq(ads_layer_create(ctx, &bad, &l), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(ads_last_error(), "d->pool.pad_h is -1; it must be >= 0"), "%s",
                  ads_last_error());
    bad = d;
    bad.adapt = (ads_adapt)4;
    ck_assert_int_eq(ads_layer_create(ctx, &bad, &l), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(ads_last_error(), "d->adapt is 4; expected") &&
                      strstr(ads_last_error(), "(3)"),
                  "%s", ads_last_error());
    bad = d;
    bad.profile = (ads_profile)5;
    ck_assert_int_eq(ads_layer_create(ctx, &bad, &l), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(ads_last_error(), "d->profile is 5; expected") &&
                      strstr(ads_last_error(), "ADS_PROFILE_VARIATION"),
                  "%s", ads_last_error());
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("layer");
    TCase *tc = tcase_create("layer");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, fresh_adaptive_equals_fixed);
    tcase_add_test(tc, layer_equals_composition);
    tcase_add_test(tc, finite_differences_through_the_layer);
    tcase_add_test(tc, save_load_and_bad_files);
    tcase_add_test(tc, bad_descriptors_and_calls);
    tcase_add_test(tc, hostile_layer_files);
    tcase_add_test(tc, output_shape_and_descriptor_ranges);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
