/* Gather-convolution backward: every gradient (gx, gw, gb, gpy, gpx, the
   grid) of the three sampling kinds and the depthwise path against the
   double reference; the reference against central finite differences in
   double; determinism; chunking; non-finite positions; the GPU-shaped
   (pixel) gathers and col2im, forced on this device, give the row
   shape's bits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gconv_testlib.h"
#include "internal.h"
#include "gconv_gather.h"
#include "tuning.h"

static const char *kind_name[3] = {"fixed", "separable", "grid"};
enum { G_X, G_W, G_B, G_PY, G_PX, G_GRID, NGRAD };
static const char *grad_name[NGRAD] = {"gx", "gw", "gb", "gpy", "gpx", "ggrid"};

typedef struct {
    ads_tensor *t[NGRAD]; /* device outputs, NULL when skipped */
    float *h[NGRAD];      /* host copies after the call        */
    size_t n[NGRAD];
} grads;

static void grad_sizes(const gc_case *c, size_t *n)
{
    n[G_X] = gc_count_x(c);
    n[G_W] = gc_count_w(c);
    n[G_B] = (size_t)c->s.Cout;
    n[G_PY] = gc_count_pos(c, 0);
    n[G_PX] = gc_count_pos(c, 1);
    n[G_GRID] = gc_count_pos(c, 2);
}

/* Runs the backward with the outputs selected by `want` (a bit per grad),
   each starting as a sentinel so every element must be overwritten. */
static void run_backward(ads_context *ctx, const gc_case *c, const gc_dev *d, const ads_tensor *gy,
                         unsigned want, grads *g)
{
    const ref_gconv_shape *s = &c->s;
    int64_t shapes[NGRAD][4] = {{s->N, s->C, s->H, s->W},
                                {s->Cout, s->C / s->G, s->kh, s->kw},
                                {s->Cout},
                                {s->N, s->Ho},
                                {s->N, s->Wo},
                                {s->N, s->Ho, s->Wo, 2}};
    int ndims[NGRAD] = {4, 4, 1, 2, 2, 4};
    bool possible[NGRAD] = {1,
                            1,
                            1,
                            c->kind == ADS_SAMPLING_SEPARABLE,
                            c->kind == ADS_SAMPLING_SEPARABLE,
                            c->kind == ADS_SAMPLING_GRID};
    memset(g, 0, sizeof *g);
    grad_sizes(c, g->n);
    for (int i = 0; i < NGRAD; i++)
        if (possible[i] && (want >> i & 1)) g->t[i] = gc_filled(ctx, ndims[i], shapes[i], 777.0f);
    ads_conv_desc desc = gc_desc(c);
    ads_sampling_grad gat = {g->t[G_PY], g->t[G_PX], g->t[G_GRID]};
    ck_assert_ads_ok(ads_gconv_backward(ctx, &desc, d->x, d->w, gc_sampling(d), gy, g->t[G_X],
                                        g->t[G_W], g->t[G_B], gat));
    for (int i = 0; i < NGRAD; i++)
        if (g->t[i]) g->h[i] = test_read(g->t[i]);
}

static void grads_free(grads *g)
{
    for (int i = 0; i < NGRAD; i++) {
        ads_tensor_release(g->t[i]);
        free(g->h[i]);
    }
}

/* The reference gradients and their magnitudes for the case. */
typedef struct {
    double *v[NGRAD], *mag[NGRAD];
} ref_grads;

static void ref_backward(const gc_case *c, const double *gy, ref_grads *r)
{
    size_t n[NGRAD];
    grad_sizes(c, n);
    for (int i = 0; i < NGRAD; i++) {
        bool used = i == G_PY || i == G_PX ? c->kind == ADS_SAMPLING_SEPARABLE
                    : i == G_GRID          ? c->kind == ADS_SAMPLING_GRID
                                           : true;
        r->v[i] = used ? malloc(n[i] * sizeof(double)) : NULL;
        r->mag[i] = used ? malloc(n[i] * sizeof(double)) : NULL;
    }
    for (int m = 0; m < 2; m++) {
        double **o = m ? r->mag : r->v;
        ref_gconv_backward(&c->s, c->dx, c->dw, gc_ref_at(c), gy, o[G_X], o[G_W], o[G_B], o[G_PY],
                           o[G_PX], o[G_GRID], m);
    }
}

static void ref_grads_free(ref_grads *r)
{
    for (int i = 0; i < NGRAD; i++) free(r->v[i]), free(r->mag[i]);
}

/* A random gy on the device and in double. */
static ads_tensor *random_gy(ads_context *ctx, const gc_case *c, double **dgy)
{
    size_t n = gc_count_y(c);
    float *h = malloc(n * sizeof *h);
    test_fill_uniform(h, n, -1, 1);
    *dgy = malloc(n * sizeof **dgy);
    for (size_t i = 0; i < n; i++) (*dgy)[i] = h[i];
    int64_t ys[4] = {c->s.N, c->s.Cout, c->s.Ho, c->s.Wo};
    ads_tensor *gy = test_tensor(ctx, 4, ys, h);
    free(h);
    return gy;
}

static void check_grads(const gc_case *c, const grads *g, const ref_grads *r, const char *what,
                        double *max_abs)
{
    for (int i = 0; i < NGRAD; i++) {
        if (!g->h[i]) continue;
        char name[128];
        snprintf(name, sizeof name, "%s %s", what, grad_name[i]);
        gc_check(name, g->h[i], r->v[i], r->mag[i], g->n[i], &max_abs[i]);
    }
    (void)c;
}

START_TEST(backward_matches_reference)
{
    ads_context *ctx = test_context();
    test_seed(501);
    for (int kind = 0; kind < 3; kind++)
        for (int dw = 0; dw < 2; dw++) {
            double max_abs[NGRAD] = {0};
            for (int trial = 0; trial < 6; trial++) {
                gc_case c;
                gc_random_case(&c, kind, dw);
                gc_dev d;
                gc_upload(ctx, &c, &d);
                double *dgy;
                ads_tensor *gy = random_gy(ctx, &c, &dgy);
                /* All outputs on even trials, only the position
                   gradients (and gb) on trial 1, a random subset on the
                   other odd ones. */
                unsigned positions_only = 63u & ~(1u << G_X | 1u << G_W);
                unsigned want = trial == 1  ? positions_only
                                : trial % 2 ? (unsigned)test_int(1, 63)
                                            : 63u;
                grads g;
                run_backward(ctx, &c, &d, gy, want, &g);
                ref_grads r;
                ref_backward(&c, dgy, &r);
                char what[96];
                snprintf(what, sizeof what, "backward %s%s trial %d", kind_name[kind],
                         dw ? " depthwise" : "", trial);
                check_grads(&c, &g, &r, what, max_abs);
                ref_grads_free(&r);
                grads_free(&g);
                ads_tensor_release(gy);
                free(dgy);
                gc_dev_free(&d);
                gc_case_free(&c);
            }
            printf("backward %-9s %-9s max |err|:", kind_name[kind], dw ? "depthwise" : "groups");
            for (int i = 0; i < NGRAD; i++)
                if ((i != G_PY && i != G_PX) || kind == ADS_SAMPLING_SEPARABLE)
                    if (i != G_GRID || kind == ADS_SAMPLING_GRID)
                        printf(" %s %.3g", grad_name[i], max_abs[i]);
            printf("\n");
        }
    ads_context_release(ctx);
}
END_TEST

/* L = sum(gy * y) in double on the reference. */
static double loss(const gc_case *c, const double *gy)
{
    size_t n = gc_count_y(c);
    double *y = malloc(n * sizeof *y), sum = 0;
    ref_gconv_forward(&c->s, c->dx, c->dw, c->db, gc_ref_at(c), y);
    for (size_t i = 0; i < n; i++) sum += gy[i] * y[i];
    free(y);
    return sum;
}

/* Central differences of L in every element of v against the analytic
   gradient. L is piecewise linear in each single input (positions stay
   inside one cell: their fractions are >= 8/1024 from an integer), so the
   difference is exact up to double rounding of L: about 1e-16 * |terms| /
   eps, far below the 1e-7 * (magnitude + 1) allowed. */
static double fd_check(gc_case *c, const double *gy, double *v, size_t n, const double *grad,
                       const double *mag, const char *what)
{
    const double eps = 1e-6;
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double keep = v[i];
        v[i] = keep + eps;
        double up = loss(c, gy);
        v[i] = keep - eps;
        double down = loss(c, gy);
        v[i] = keep;
        double fd = (up - down) / (2 * eps), e = fabs(fd - grad[i]);
        ck_assert_msg(e <= 1e-7 * (mag[i] + 1), "%s[%zu]: finite difference %.12g, analytic %.12g",
                      what, i, fd, grad[i]);
        if (e > worst) worst = e;
    }
    return worst;
}

/* Moves exact-integer positions of the case off the integer grid. */
static void nudge_integers(double *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++)
        if (p[i] == floor(p[i])) p[i] += 0.25;
}

START_TEST(reference_matches_finite_differences)
{
    test_seed(502);
    double worst[NGRAD] = {0};
    for (int trial = 0; trial < 9; trial++) {
        gc_case c;
        ref_gconv_shape s = {.N = 2,
                             .C = 2 * (1 + trial % 2),
                             .H = 5,
                             .W = 4,
                             .kh = 2,
                             .kw = 3,
                             .sh = 2,
                             .sw = 1,
                             .ph = 1,
                             .pw = 2,
                             .dh = 1 + trial % 2,
                             .dw = 2,
                             .G = 1 + trial % 2};
        s.Cout = s.G * 2;
        int kind = trial % 3;
        if (kind == ADS_SAMPLING_FIXED) {
            s.Ho = ads_output_size(s.H, s.kh, s.sh, s.ph, s.dh);
            s.Wo = ads_output_size(s.W, s.kw, s.sw, s.pw, s.dw);
        } else {
            s.Ho = 3, s.Wo = 4;
        }
        gc_make_case(&c, &s, kind, 1);
        nudge_integers(c.dpy, c.dpy ? gc_count_pos(&c, 0) : 0);
        nudge_integers(c.dpx, c.dpx ? gc_count_pos(&c, 1) : 0);
        nudge_integers(c.dgrid, c.dgrid ? gc_count_pos(&c, 2) : 0);
        size_t ny = gc_count_y(&c);
        double *gy = malloc(ny * sizeof *gy);
        for (size_t i = 0; i < ny; i++) gy[i] = test_uniform(-1, 1);
        ref_grads r;
        ref_backward(&c, gy, &r);
        size_t n[NGRAD];
        grad_sizes(&c, n);
        double *vals[NGRAD] = {c.dx, c.dw, c.db, c.dpy, c.dpx, c.dgrid};
        for (int i = 0; i < NGRAD; i++) {
            if (!r.v[i]) continue;
            double e = fd_check(&c, gy, vals[i], n[i], r.v[i], r.mag[i], grad_name[i]);
            if (e > worst[i]) worst[i] = e;
        }
        ref_grads_free(&r);
        free(gy);
        gc_case_free(&c);
    }
    printf("reference vs central differences, max |err|:");
    for (int i = 0; i < NGRAD; i++) printf(" %s %.3g", grad_name[i], worst[i]);
    printf("\n");
}
END_TEST

/* At an exact integer position the position derivative is the forward
   difference (docs/design.md 1.3), never zero by convention. */
START_TEST(integer_positions_take_the_forward_difference)
{
    test_seed(503);
    ref_gconv_shape s = {.N = 1,
                         .C = 2,
                         .H = 6,
                         .W = 5,
                         .Cout = 2,
                         .Ho = 3,
                         .Wo = 3,
                         .kh = 2,
                         .kw = 2,
                         .sh = 1,
                         .sw = 1,
                         .ph = 0,
                         .pw = 0,
                         .dh = 1,
                         .dw = 1,
                         .G = 1};
    gc_case c;
    gc_make_case(&c, &s, ADS_SAMPLING_SEPARABLE, 0);
    for (int i = 0; i < 3; i++) c.dpy[i] = 1 + i, c.dpx[i] = i;
    double gy[18], gpy[3], gpx[3];
    for (int i = 0; i < 18; i++) gy[i] = test_uniform(-1, 1);
    ref_gconv_backward(&c.s, c.dx, c.dw, gc_ref_at(&c), gy, NULL, NULL, NULL, gpy, gpx, NULL, 0);
    const double eps = 1e-6;
    for (int axis = 0; axis < 2; axis++)
        for (int i = 0; i < 3; i++) {
            double *p = axis ? c.dpx : c.dpy, keep = p[i], base = loss(&c, gy);
            p[i] = keep + eps;
            double fwd = (loss(&c, gy) - base) / eps;
            p[i] = keep;
            double an = axis ? gpx[i] : gpy[i];
            ck_assert_msg(fabs(fwd - an) <= 1e-6 * (1 + fabs(an)), "axis %d [%d]: %g vs %g", axis,
                          i, fwd, an);
            ck_assert_msg(an != 0.0, "axis %d [%d]: zero derivative at an integer", axis, i);
        }
    gc_case_free(&c);
}
END_TEST

/* Two runs give bit-identical gradients, for separable positions that are
   not monotone (rows and columns repeat and cross) and for a grid. */
START_TEST(backward_is_deterministic)
{
    ads_context *ctx = test_context();
    test_seed(504);
    ref_gconv_shape s = {.N = 2,
                         .C = 4,
                         .H = 10,
                         .W = 9,
                         .Cout = 4,
                         .Ho = 9,
                         .Wo = 8,
                         .kh = 3,
                         .kw = 2,
                         .sh = 1,
                         .sw = 1,
                         .ph = 1,
                         .pw = 1,
                         .dh = 2,
                         .dw = 1,
                         .G = 2};
    for (int kind = ADS_SAMPLING_SEPARABLE; kind <= ADS_SAMPLING_GRID; kind++)
        for (int dw = 0; dw < 2; dw++) {
            ref_gconv_shape sk = s;
            if (dw) sk.G = sk.C;
            gc_case c;
            gc_make_case(&c, &sk, kind, 1);
            if (kind == ADS_SAMPLING_SEPARABLE) /* repeated rows: several taps per input row */
                for (int i = 0; i < 4; i++) c.py[i] = c.py[8 - i] = 3.375f;
            gc_sync(&c);
            gc_dev d;
            gc_upload(ctx, &c, &d);
            double *dgy;
            ads_tensor *gy = random_gy(ctx, &c, &dgy);
            grads a, b;
            run_backward(ctx, &c, &d, gy, 63u, &a);
            run_backward(ctx, &c, &d, gy, 63u, &b);
            for (int i = 0; i < NGRAD; i++)
                if (a.h[i])
                    ck_assert_msg(memcmp(a.h[i], b.h[i], a.n[i] * sizeof(float)) == 0,
                                  "%s %s differs between two runs", kind_name[kind], grad_name[i]);
            ref_grads r;
            ref_backward(&c, dgy, &r);
            double max_abs[NGRAD] = {0};
            check_grads(&c, &a, &r, "deterministic run", max_abs);
            ref_grads_free(&r);
            grads_free(&a);
            grads_free(&b);
            ads_tensor_release(gy);
            free(dgy);
            gc_dev_free(&d);
            gc_case_free(&c);
        }
    ads_context_release(ctx);
}
END_TEST

/* The kernel shapes the tests force through the tuning table: the row
   kernels, the pixel shape (the GPU default) and the adaptive depthwise
   CPU shapes of gconv.dw_plane (the CPU default where they apply: the
   separable plane shape and the full grid's channel-blocked one). */
typedef enum { SHAPE_ROW, SHAPE_PIXEL, SHAPE_PLANE } kernel_shape;
static const char *const shape_name[3] = {"row", "pixel", "plane"};

static void force_shape(ads_context *ctx, kernel_shape shape)
{
    ck_assert_ads_ok(ads_tune_set(ctx, "gconv.item_pixel", shape == SHAPE_PIXEL));
    ck_assert_ads_ok(ads_tune_set(ctx, "gconv.dw_plane", shape == SHAPE_PLANE));
}

static void unforce_shape(ads_context *ctx)
{
    ads_tune_unset(ctx, "gconv.item_pixel");
    ads_tune_unset(ctx, "gconv.dw_plane");
}

/* Bytes of workspace one image needs in a backward call (the
   allocation rules of gconv_plan_backward, spelled out): the columns for
   gw and gy beside them (the depthwise path: shares per output row, or
   per plane in the pixel and plane shapes, instead), the column gradient
   for gx and the positions (none on the depthwise path), the separable
   gx index (rows and columns), the separable
   position shares, and the tap tables (the gw branch's; the one gx and
   the positions share). The plane shape (separable depthwise) reads one
   table for everything, needs no index and keeps one position share
   per plane; the channel-blocked shape (full-grid depthwise) likewise,
   with a share of ggrid per block of 16 channels and the blocked copy
   of x. */
static uint64_t one_image_bytes(const ref_gconv_shape *s, int kind, int depthwise, bool gpos,
                                kernel_shape shape)
{
    bool pixel = shape == SHAPE_PIXEL;
    bool plane = shape == SHAPE_PLANE && depthwise && kind == ADS_SAMPLING_SEPARABLE;
    bool blocked = shape == SHAPE_PLANE && depthwise && kind == ADS_SAMPLING_GRID;
    uint64_t gw_shares = (uint64_t)s->C * (s->kh * s->kw + 1) * 4; /* one share row per plane */
    if (plane) {
        uint64_t taps = (uint64_t)(s->Ho * s->kh + s->Wo * s->kw) * 16;
        uint64_t part = gpos ? (uint64_t)s->C * (s->Ho + s->Wo) * 4 : 0;
        return gw_shares + part + taps;
    }
    if (blocked) { /* gw is always asked for here, so x is always blocked */
        uint64_t blocks = (uint64_t)(s->C + 15) / 16;
        uint64_t taps = (uint64_t)s->kh * s->kw * s->Ho * s->Wo * 16;
        uint64_t part = gpos ? blocks * 2 * s->Ho * s->Wo * 4 : 0;
        return gw_shares + part + taps + blocks * 16 * s->H * s->W * 4;
    }
    uint64_t cols = (uint64_t)s->C * s->kh * s->kw * s->Ho * s->Wo * 4;
    uint64_t taps = (uint64_t)(s->Ho * s->kh + s->Wo * s->kw) * 16;
    uint64_t index = (uint64_t)(s->H + 1 + 4 * s->Ho * s->kh) * 4;
    /* the column index, which both separable col2im shapes read */
    index += (uint64_t)(s->W + 1 + 4 * s->Wo * s->kw) * 4;
    if (kind == ADS_SAMPLING_GRID) {
        taps = (uint64_t)s->kh * s->kw * s->Ho * s->Wo * 16;
        index = (uint64_t)(s->H + 2 + s->kh * s->kw * s->Ho * s->Wo) * 4;
    }
    if (kind == ADS_SAMPLING_FIXED) taps = index = 0;
    uint64_t part = kind == ADS_SAMPLING_SEPARABLE && gpos
                        ? (uint64_t)s->C * s->kh * s->kw * (s->Ho + s->Wo) * 4
                        : 0;
    /* gy beside the columns; ads_gemm would also pack the columns for gw
       with 32 or more output channels per group, which these shapes lack. */
    uint64_t gys = (uint64_t)s->Cout * s->Ho * s->Wo * 4;
    ck_assert_int_lt(s->Cout / s->G, 32);
    /* depthwise: every output row's (or plane's) share of each tap and of gb */
    uint64_t share_rows = pixel ? 1 : (uint64_t)s->Ho;
    uint64_t gw_part =
        depthwise ? (uint64_t)s->C * share_rows * (s->kh * s->kw + 1) * 4 : cols + gys;
    uint64_t gcol = depthwise ? 0 : cols;
    /* one tap table, shared by the gw branch, gx and the positions (gw
       is asked for in every call here, so the table is always built) */
    return gw_part + gcol + index + part + taps;
}

/* A budget of one image's workspaces splits the batch; the gradients
   (gw accumulated over chunks) still match; one byte less is refused
   with nothing written. Dense groups and depthwise, in the row shape,
   the pixel shape (whose depthwise gw shares are one row per plane) and
   the plane shape. */
START_TEST(memory_budget_chunks_the_batch)
{
    ads_context *ctx = test_context();
    test_seed(505);
    ref_gconv_shape dense = {.N = 3,
                             .C = 4,
                             .H = 7,
                             .W = 8,
                             .Cout = 2,
                             .Ho = 5,
                             .Wo = 6,
                             .kh = 2,
                             .kw = 3,
                             .sh = 1,
                             .sw = 1,
                             .ph = 0,
                             .pw = 1,
                             .dh = 2,
                             .dw = 1,
                             .G = 2};
    ref_gconv_shape depthwise = dense;
    depthwise.C = depthwise.Cout = depthwise.G = 3;
    depthwise.W = 19; /* two blocks of 8 output columns and a tail */
    depthwise.Wo = 17;
    uint64_t saved = ads_context_memory_budget(ctx);
    for (int run = 0; run < 18; run++) {
        int kind = run % 3, dw = run % 6 >= 3;
        kernel_shape shape = (kernel_shape)(run / 6);
        force_shape(ctx, shape);
        ref_gconv_shape sk = dw ? depthwise : dense;
        if (kind == ADS_SAMPLING_FIXED) {
            sk.Ho = ads_output_size(sk.H, sk.kh, 1, sk.ph, sk.dh);
            sk.Wo = ads_output_size(sk.W, sk.kw, 1, sk.pw, sk.dw);
        }
        gc_case c;
        gc_make_case(&c, &sk, kind, 1);
        gc_dev d;
        gc_upload(ctx, &c, &d);
        double *dgy;
        ads_tensor *gy = random_gy(ctx, &c, &dgy);
        ref_grads r;
        ref_backward(&c, dgy, &r);
        /* Chunks of one image, then of two and one (a chunk of several
           images after the first: the side-by-side gw layout at n0 > 0). */
        for (int per = 1; per <= 2; per++) {
            ck_assert_ads_ok(ads_context_set_memory_budget(
                ctx, per * one_image_bytes(&sk, kind, dw, true, shape)));
            grads g;
            run_backward(ctx, &c, &d, gy, 63u, &g);
            double max_abs[NGRAD] = {0};
            check_grads(&c, &g, &r, dw ? "chunked depthwise backward" : "chunked backward",
                        max_abs);
            grads_free(&g);
        }
        /* One byte less than one image needs (gx and gw only): rejected,
           nothing written. */
        ck_assert_ads_ok(
            ads_context_set_memory_budget(ctx, one_image_bytes(&sk, kind, dw, false, shape) - 1));
        int64_t ws[4] = {sk.Cout, sk.C / sk.G, sk.kh, sk.kw};
        ads_tensor *gw = gc_filled(ctx, 4, ws, 777.0f);
        int64_t xs[4] = {sk.N, sk.C, sk.H, sk.W};
        ads_tensor *gx = gc_filled(ctx, 4, xs, 777.0f);
        ads_conv_desc desc = gc_desc(&c);
        ads_sampling_grad none = {0};
        ck_assert_int_eq(
            ads_gconv_backward(ctx, &desc, d.x, d.w, gc_sampling(&d), gy, gx, gw, NULL, none),
            ADS_ERR_TOO_LARGE);
        ck_assert(gc_all_equal(gw, 777.0f) && gc_all_equal(gx, 777.0f));
        ads_tensor_release(gw);
        ads_tensor_release(gx);
        ck_assert_ads_ok(ads_context_set_memory_budget(ctx, saved));
        ref_grads_free(&r);
        ads_tensor_release(gy);
        free(dgy);
        gc_dev_free(&d);
        gc_case_free(&c);
    }
    unforce_shape(ctx);
    ads_context_release(ctx);
}
END_TEST

/* Images larger than the random cases: output rows long enough for the
   float16 slices of the gb reduction (with a tail), many input rows for
   the full-grid gx index, batch > 1; every kind, dense groups and
   depthwise (19 channels: on CPUs the full grid's channel-blocked shape
   takes a block of 16 and one of 3). */
START_TEST(larger_images_match_reference)
{
    ads_context *ctx = test_context();
    test_seed(507);
    double max_abs[NGRAD] = {0};
    for (int run = 0; run < 6; run++) {
        int kind = run % 3, depthwise = run >= 3;
        ref_gconv_shape s = {.N = 2,
                             .C = depthwise ? 19 : 4,
                             .H = 23,
                             .W = 29,
                             .kh = 3,
                             .kw = 2,
                             .sh = 1,
                             .sw = 2,
                             .ph = 1,
                             .pw = 1,
                             .dh = 2,
                             .dw = 1,
                             .G = depthwise ? 19 : 2};
        s.Cout = depthwise ? s.C : 6;
        s.Ho = kind == ADS_SAMPLING_FIXED ? (int)ads_output_size(s.H, s.kh, s.sh, s.ph, s.dh) : 19;
        s.Wo = kind == ADS_SAMPLING_FIXED ? (int)ads_output_size(s.W, s.kw, s.sw, s.pw, s.dw) : 27;
        gc_case c;
        gc_make_case(&c, &s, kind, 1);
        gc_dev d;
        gc_upload(ctx, &c, &d);
        double *dgy;
        ads_tensor *gy = random_gy(ctx, &c, &dgy);
        grads g;
        run_backward(ctx, &c, &d, gy, 63u, &g);
        ref_grads r;
        ref_backward(&c, dgy, &r);
        check_grads(&c, &g, &r, "larger images", max_abs);
        grads_free(&g);
        ref_grads_free(&r);
        ads_tensor_release(gy);
        free(dgy);
        gc_dev_free(&d);
        gc_case_free(&c);
    }
    printf("larger images backward: max |err|:");
    for (int i = 0; i < NGRAD; i++) printf(" %s %.3g", grad_name[i], max_abs[i]);
    printf("\n");
    ads_context_release(ctx);
}
END_TEST

/* NaN, +-Inf and huge positions pass zero gradient and leave everything
   else as the reference has it; every output is finite. */
START_TEST(non_finite_positions_pass_zero_gradient)
{
    ads_context *ctx = test_context();
    test_seed(506);
    const float bad[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 3e9f};
    double max_abs[NGRAD] = {0};
    for (int trial = 0; trial < 6; trial++) {
        gc_case c;
        int kind = trial % 2 ? ADS_SAMPLING_GRID : ADS_SAMPLING_SEPARABLE;
        gc_random_case(&c, kind, trial >= 4);
        float *p = kind == ADS_SAMPLING_GRID ? c.grid : c.py;
        size_t np = gc_count_pos(&c, kind == ADS_SAMPLING_GRID ? 2 : 0);
        for (size_t i = 0; i < np; i += 3) p[i] = bad[(i / 3) % 6];
        gc_sync(&c);
        gc_dev d;
        gc_upload(ctx, &c, &d);
        double *dgy;
        ads_tensor *gy = random_gy(ctx, &c, &dgy);
        grads g;
        run_backward(ctx, &c, &d, gy, 63u, &g);
        for (int i = 0; i < NGRAD; i++)
            for (size_t k = 0; g.h[i] && k < g.n[i]; k++) ck_assert(isfinite(g.h[i][k]));
        ref_grads r;
        ref_backward(&c, dgy, &r);
        check_grads(&c, &g, &r, "non-finite positions", max_abs);
        ref_grads_free(&r);
        grads_free(&g);
        ads_tensor_release(gy);
        free(dgy);
        gc_dev_free(&d);
        gc_case_free(&c);
    }
    printf("non-finite positions backward: max |err|:");
    for (int i = 0; i < NGRAD; i++) printf(" %s %.3g", grad_name[i], max_abs[i]);
    printf("\n");
    ads_context_release(ctx);
}
END_TEST

/* Input pixels no output reads may hold anything: with Inf and NaN
   there, every gradient stays finite and matches the reference (which
   never touches them), in every kernel shape, dense and depthwise. The
   positions sit half a pixel past multiples of the stride 4 with 2x2
   taps, so each sample reads input rows and columns 4i..4i+2 and 4i+3
   is read by none: the plane shape's row dot products must skip those
   columns, not multiply them by a zero weight. */
START_TEST(unread_non_finite_pixels_stay_out)
{
    ads_context *ctx = test_context();
    test_seed(510);
    double max_abs[NGRAD] = {0};
    for (int run = 0; run < 18; run++) {
        int kind = run % 3, depthwise = (run / 3) % 2;
        kernel_shape shape = (kernel_shape)(run / 6);
        ref_gconv_shape s = {.N = 2,
                             .C = depthwise ? 19 : 4,
                             .H = 11,
                             .W = 12,
                             .Cout = depthwise ? 19 : 6,
                             .Ho = 3,
                             .Wo = 3,
                             .kh = 2,
                             .kw = 2,
                             .sh = 4,
                             .sw = 4,
                             .dh = 1,
                             .dw = 1,
                             .G = depthwise ? 19 : 2};
        gc_case c;
        gc_make_case(&c, &s, kind, 1);
        for (size_t i = 0; c.py && i < gc_count_pos(&c, 0); i++) c.py[i] = 4.0f * (i % 3) + 0.5f;
        for (size_t i = 0; c.px && i < gc_count_pos(&c, 1); i++) c.px[i] = 4.0f * (i % 3) + 0.5f;
        for (size_t i = 0; c.grid && i < gc_count_pos(&c, 2); i += 2) {
            c.grid[i] = 4.0f * (i / 2 / 3 % 3) + 0.5f;
            c.grid[i + 1] = 4.0f * (i / 2 % 3) + 0.5f;
        }
        const float bad[] = {INFINITY, NAN, -INFINITY};
        for (size_t e = 0; e < gc_count_x(&c); e++) {
            long xx = (long)(e % 12), yy = (long)(e / 12 % 11);
            if (xx % 4 == 3 || yy % 4 == 3) c.x[e] = bad[e % 3];
        }
        gc_sync(&c);
        gc_dev d;
        gc_upload(ctx, &c, &d);
        double *dgy;
        ads_tensor *gy = random_gy(ctx, &c, &dgy);
        ref_grads r;
        ref_backward(&c, dgy, &r);
        force_shape(ctx, shape);
        grads g;
        run_backward(ctx, &c, &d, gy, 63u, &g);
        char what[96];
        snprintf(what, sizeof what, "unread non-finite pixels, %s%s, %s shape", kind_name[kind],
                 depthwise ? " depthwise" : "", shape_name[shape]);
        for (int i = 0; i < NGRAD; i++)
            for (size_t k = 0; g.h[i] && k < g.n[i]; k++)
                ck_assert_msg(isfinite(g.h[i][k]), "%s: %s[%zu] = %g", what, grad_name[i], k,
                              (double)g.h[i][k]);
        check_grads(&c, &g, &r, what, max_abs);
        grads_free(&g);
        ref_grads_free(&r);
        ads_tensor_release(gy);
        free(dgy);
        gc_dev_free(&d);
        gc_case_free(&c);
    }
    unforce_shape(ctx);
    printf("unread non-finite pixels backward: max |err|:");
    for (int i = 0; i < NGRAD; i++) printf(" %s %.3g", grad_name[i], max_abs[i]);
    printf("\n");
    ads_context_release(ctx);
}
END_TEST

/* The pixel shape (the GPU default: the weight gradient's column gather
   and the fixed and separable col2im one work-item per element) and the row
   shape (the CPU default), each forced through the tuning table on
   poisoned workspaces, both match the reference and each other bit for
   bit (depthwise cases: the reference only), every gradient of every kind
   with groups and batch > 1. Its own
   test case (pixel_shape), small enough for oclgrind:
   CK_RUN_CASE=pixel_shape. */
START_TEST(pixel_shape_matches_row_shape)
{
    ads_context *ctx = test_context();
    test_seed(508);
    double max_abs[NGRAD] = {0};
    /* blocks of 2 channels in the row shape's gathers: groups of 3 end
       in a partial block */
    ck_assert_ads_ok(ads_tune_set(ctx, "gconv.col_channels", 2));
    for (int run = 0; run < 9; run++) {
        int kind = run % 3;
        gc_case c;
        gc_random_case(&c, kind, 0);
        gc_dev d;
        gc_upload(ctx, &c, &d);
        double *dgy;
        ads_tensor *gy = random_gy(ctx, &c, &dgy);
        ref_grads r;
        ref_backward(&c, dgy, &r);
        grads g[2];
        for (int pixel = 0; pixel < 2; pixel++) {
            ck_assert_ads_ok(ads_tune_set(ctx, "gconv.item_pixel", pixel));
            ck_assert_int_eq(ads_tune(ctx, "gconv.item_pixel"), pixel);
            /* Room for the largest workspace (the columns) in each. */
            size_t P = (size_t)c.s.Ho * c.s.Wo, HW = (size_t)c.s.H * c.s.W;
            size_t rows = (size_t)c.s.N * c.s.C * c.s.kh * c.s.kw;
            gc_poison_workspaces(ctx, rows * (P > HW ? P : HW) + 4096, 6);
            run_backward(ctx, &c, &d, gy, 63u, &g[pixel]);
            char what[96];
            snprintf(what, sizeof what, "backward %s %s shape run %d", kind_name[kind],
                     pixel ? "pixel" : "row", run);
            check_grads(&c, &g[pixel], &r, what, max_abs);
        }
        /* A random case can be depthwise (C = G = Cout): its kernels sum
           in a different order per shape (see the next test). */
        bool depthwise = strcmp(ads_gconv_path_name(ctx, c.s.G, c.s.C, c.s.Cout, c.s.kh, c.s.kw),
                                "depthwise-direct") == 0;
        for (int i = 0; i < NGRAD && !depthwise; i++)
            if (g[0].h[i]) ck_assert_mem_eq(g[0].h[i], g[1].h[i], g[0].n[i] * sizeof(float));
        grads_free(&g[0]);
        grads_free(&g[1]);
        ref_grads_free(&r);
        ads_tensor_release(gy);
        free(dgy);
        gc_dev_free(&d);
        gc_case_free(&c);
    }
    ads_tune_unset(ctx, "gconv.item_pixel");
    ads_tune_unset(ctx, "gconv.col_channels");
    printf("backward pixel shape = row shape; max |err|: gx %.3g gw %.3g\n", max_abs[G_X],
           max_abs[G_W]);
    ads_context_release(ctx);
}
END_TEST

/* The depthwise backward in every shape, forced through the tuning
   table, against the reference: every gradient of every kind on random
   shapes. The pixel shape's gw reduces each plane in one work-group;
   half its runs take work-groups of 32 (gconv.pixel_local), so a
   work-item strides over several outputs. The plane shape (separable)
   and the channel-blocked one (full grid) form every gradient in one
   launch; the fixed stride takes the row kernels there. Not compared bit for bit with each other: they sum the
   shares in different orders. */
START_TEST(depthwise_pixel_shape_matches_reference)
{
    ads_context *ctx = test_context();
    test_seed(509);
    double max_abs[NGRAD] = {0};
    for (int run = 0; run < 18; run++) {
        int kind = run % 3;
        kernel_shape shape = run < 3 ? SHAPE_ROW : run < 12 ? SHAPE_PIXEL : SHAPE_PLANE;
        gc_case c;
        gc_random_case(&c, kind, 1);
        gc_dev d;
        gc_upload(ctx, &c, &d);
        double *dgy;
        ads_tensor *gy = random_gy(ctx, &c, &dgy);
        ref_grads r;
        ref_backward(&c, dgy, &r);
        force_shape(ctx, shape);
        ck_assert_ads_ok(ads_tune_set(ctx, "gconv.pixel_local", run % 2 ? 32 : 128));
        grads g;
        run_backward(ctx, &c, &d, gy, 63u, &g);
        char what[96];
        snprintf(what, sizeof what, "depthwise backward %s %s shape run %d", kind_name[kind],
                 shape_name[shape], run);
        check_grads(&c, &g, &r, what, max_abs);
        grads_free(&g);
        ref_grads_free(&r);
        ads_tensor_release(gy);
        free(dgy);
        gc_dev_free(&d);
        gc_case_free(&c);
    }
    unforce_shape(ctx);
    ads_tune_unset(ctx, "gconv.pixel_local");
    printf("depthwise backward, every shape; max |err|: gx %.3g gw %.3g gb %.3g\n", max_abs[G_X],
           max_abs[G_W], max_abs[G_B]);
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gconv_backward");
    TCase *tc = tcase_create("gconv_backward");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, backward_matches_reference);
    tcase_add_test(tc, reference_matches_finite_differences);
    tcase_add_test(tc, integer_positions_take_the_forward_difference);
    tcase_add_test(tc, backward_is_deterministic);
    tcase_add_test(tc, memory_budget_chunks_the_batch);
    tcase_add_test(tc, non_finite_positions_pass_zero_gradient);
    tcase_add_test(tc, unread_non_finite_pixels_stay_out);
    tcase_add_test(tc, larger_images_match_reference);
    suite_add_tcase(s, tc);
    TCase *px = tcase_create("pixel_shape");
    tcase_set_timeout(px, 300);
    tcase_add_test(px, pixel_shape_matches_row_shape);
    tcase_add_test(px, depthwise_pixel_shape_matches_reference);
    suite_add_tcase(s, px);
    return test_run_suite(s);
}
