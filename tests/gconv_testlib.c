#include "gconv_testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "workspace.h"

size_t gc_count_x(const gc_case *c) { return (size_t)(c->s.N * c->s.C * c->s.H * c->s.W); }
size_t gc_count_w(const gc_case *c)
{
    return (size_t)(c->s.Cout * (c->s.C / c->s.G) * c->s.kh * c->s.kw);
}
size_t gc_count_y(const gc_case *c) { return (size_t)(c->s.N * c->s.Cout * c->s.Ho * c->s.Wo); }
size_t gc_count_pos(const gc_case *c, int which)
{
    if (which == 0) return (size_t)(c->s.N * c->s.Ho);
    if (which == 1) return (size_t)(c->s.N * c->s.Wo);
    return (size_t)(c->s.N * c->s.Ho * c->s.Wo * 2);
}

/* A position along an axis of size n: an exact integer or half-integer in
   [-2, n+1], or a multiple of 1/1024 in (-2.5, n+1.5) whose fraction is
   at least 8/1024 away from an integer. */
static float random_position(long n)
{
    double u = test_uniform(0, 1);
    if (u < 0.2) return (float)test_int(-2, (int)n + 1);
    if (u < 0.3) return (float)test_int(-2, (int)n + 1) + 0.5f;
    int whole = test_int(-3, (int)n + 1), frac = test_int(8, 1016);
    return (float)whole + (float)frac / 1024.0f;
}

static double *to_double(const float *v, size_t n)
{
    if (!v) return NULL;
    double *d = malloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++) d[i] = v[i];
    return d;
}

void gc_sync(gc_case *c)
{
    double **d[6] = {&c->dx, &c->dw, &c->db, &c->dpy, &c->dpx, &c->dgrid};
    const float *f[6] = {c->x, c->w, c->b, c->py, c->px, c->grid};
    size_t n[6] = {gc_count_x(c),      gc_count_w(c),      (size_t)c->s.Cout,
                   gc_count_pos(c, 0), gc_count_pos(c, 1), gc_count_pos(c, 2)};
    for (int i = 0; i < 6; i++) {
        free(*d[i]);
        *d[i] = to_double(f[i], n[i]);
    }
}

static float *random_floats(size_t n)
{
    float *v = malloc(n * sizeof *v);
    test_fill_uniform(v, n, -1, 1);
    return v;
}

void gc_make_case(gc_case *c, const ref_gconv_shape *s, int kind, int has_bias)
{
    *c = (gc_case){.s = *s, .kind = kind, .has_bias = has_bias};
    c->x = random_floats(gc_count_x(c));
    c->w = random_floats(gc_count_w(c));
    if (has_bias) c->b = random_floats((size_t)s->Cout);
    if (kind == ADS_SAMPLING_SEPARABLE) {
        c->py = malloc(gc_count_pos(c, 0) * sizeof(float));
        c->px = malloc(gc_count_pos(c, 1) * sizeof(float));
        for (size_t i = 0; i < gc_count_pos(c, 0); i++) c->py[i] = random_position(s->H);
        for (size_t i = 0; i < gc_count_pos(c, 1); i++) c->px[i] = random_position(s->W);
    } else if (kind == ADS_SAMPLING_GRID) {
        c->grid = malloc(gc_count_pos(c, 2) * sizeof(float));
        for (size_t i = 0; i < gc_count_pos(c, 2); i += 2) {
            c->grid[i] = random_position(s->H);
            c->grid[i + 1] = random_position(s->W);
        }
    }
    gc_sync(c);
}

void gc_random_case(gc_case *c, int kind, int depthwise)
{
    ref_gconv_shape s;
    for (;;) {
        s.G = depthwise ? test_int(1, 5) : test_int(1, 3);
        s.C = depthwise ? s.G : s.G * test_int(1, 3);
        s.Cout = depthwise ? s.G : s.G * test_int(1, 3);
        s.N = test_int(1, 3);
        s.H = test_int(1, 11);
        s.W = test_int(1, 11);
        s.kh = test_int(1, 4);
        s.kw = test_int(1, 4);
        s.sh = test_int(1, 3);
        s.sw = test_int(1, 3);
        s.ph = test_int(0, 3);
        s.pw = test_int(0, 3);
        s.dh = test_int(1, 3);
        s.dw = test_int(1, 3);
        if (kind == ADS_SAMPLING_FIXED) {
            s.Ho = ads_output_size(s.H, s.kh, s.sh, s.ph, s.dh);
            s.Wo = ads_output_size(s.W, s.kw, s.sw, s.pw, s.dw);
            if (s.Ho <= 0 || s.Wo <= 0) continue;
        } else {
            s.Ho = test_int(1, 9); /* may exceed H: upsampling */
            s.Wo = test_int(1, 9);
        }
        break;
    }
    gc_make_case(c, &s, kind, test_int(0, 1));
}

void gc_uniform_positions(gc_case *c, int kind)
{
    c->kind = kind;
    if (kind == ADS_SAMPLING_SEPARABLE) {
        c->py = malloc(gc_count_pos(c, 0) * sizeof(float));
        c->px = malloc(gc_count_pos(c, 1) * sizeof(float));
        for (long n = 0; n < c->s.N; n++) {
            for (long i = 0; i < c->s.Ho; i++) c->py[n * c->s.Ho + i] = (float)(c->s.sh * i);
            for (long j = 0; j < c->s.Wo; j++) c->px[n * c->s.Wo + j] = (float)(c->s.sw * j);
        }
    } else {
        c->grid = malloc(gc_count_pos(c, 2) * sizeof(float));
        for (long n = 0; n < c->s.N; n++)
            for (long i = 0; i < c->s.Ho; i++)
                for (long j = 0; j < c->s.Wo; j++) {
                    float *g = c->grid + ((n * c->s.Ho + i) * c->s.Wo + j) * 2;
                    g[0] = (float)(c->s.sh * i);
                    g[1] = (float)(c->s.sw * j);
                }
    }
    gc_sync(c);
}

void gc_case_free(gc_case *c)
{
    void *p[12] = {c->x,  c->w,  c->b,  c->py,  c->px,  c->grid,
                   c->dx, c->dw, c->db, c->dpy, c->dpx, c->dgrid};
    for (int i = 0; i < 12; i++) free(p[i]);
    *c = (gc_case){0};
}

ads_conv_desc gc_desc(const gc_case *c)
{
    return (ads_conv_desc){.kh = c->s.kh,
                           .kw = c->s.kw,
                           .stride_h = c->s.sh,
                           .stride_w = c->s.sw,
                           .pad_h = c->s.ph,
                           .pad_w = c->s.pw,
                           .dil_h = c->s.dh,
                           .dil_w = c->s.dw,
                           .groups = c->s.G};
}

ref_gconv_at gc_ref_at(const gc_case *c)
{
    return (ref_gconv_at){.py = c->dpy, .px = c->dpx, .grid = c->dgrid};
}

void gc_upload(ads_context *ctx, const gc_case *c, gc_dev *d)
{
    const ref_gconv_shape *s = &c->s;
    int64_t xs[4] = {s->N, s->C, s->H, s->W}, ws[4] = {s->Cout, s->C / s->G, s->kh, s->kw};
    int64_t bs[1] = {s->Cout}, pys[2] = {s->N, s->Ho}, pxs[2] = {s->N, s->Wo};
    int64_t gs[4] = {s->N, s->Ho, s->Wo, 2};
    *d = (gc_dev){0};
    d->x = test_tensor(ctx, 4, xs, c->x);
    d->w = test_tensor(ctx, 4, ws, c->w);
    if (c->b) d->b = test_tensor(ctx, 1, bs, c->b);
    if (c->py) d->py = test_tensor(ctx, 2, pys, c->py);
    if (c->px) d->px = test_tensor(ctx, 2, pxs, c->px);
    if (c->grid) d->grid = test_tensor(ctx, 4, gs, c->grid);
}

ads_sampling gc_sampling(const gc_dev *d)
{
    return (ads_sampling){.py = d->py, .px = d->px, .grid = d->grid};
}

void gc_dev_free(gc_dev *d)
{
    ads_tensor *t[6] = {d->x, d->w, d->b, d->py, d->px, d->grid};
    for (int i = 0; i < 6; i++) ads_tensor_release(t[i]);
    *d = (gc_dev){0};
}

ads_tensor *gc_filled(ads_context *ctx, int ndim, const int64_t *shape, float v)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= (size_t)shape[i];
    float *h = malloc(n * sizeof *h);
    for (size_t i = 0; i < n; i++) h[i] = v;
    ads_tensor *t = test_tensor(ctx, ndim, shape, h);
    free(h);
    return t;
}

int gc_all_equal(const ads_tensor *t, float v)
{
    float *h = test_read(t);
    int same = 1;
    for (size_t i = 0; i < ads_tensor_count(t); i++) same &= h[i] == v;
    free(h);
    return same;
}

double gc_check(const char *what, const float *got, const double *want, const double *mag, size_t n,
                double *max_abs)
{
    double worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]), e = d / (2e-5 * mag[i] + 1e-6);
        if (max_abs && !(d <= *max_abs)) *max_abs = d;
        if (!(e <= worst)) {
            worst = isnan(e) ? INFINITY : e;
            at = i;
        }
    }
    ck_assert_msg(worst <= 1, "%s: element %zu is %.9g, reference %.9g (sum of |terms| %.3g)", what,
                  at, n ? (double)got[at] : 0.0, n ? want[at] : 0.0, n ? mag[at] : 0.0);
    return worst;
}

void gc_poison_workspaces(ads_context *ctx, size_t count, int k)
{
    ads_workspaces_free(ctx);
    ads_tensor *ws[8];
    ck_assert_int_le(k, 8);
    cl_command_queue q = ads_context_cl_queue(ctx);
    float nan = NAN;
    for (int i = 0; i < k; i++) {
        ck_assert_ads_ok(ads_workspace_acquire(ctx, count, &ws[i]));
        ck_assert_int_eq(clEnqueueFillBuffer(q, ws[i]->mem, &nan, sizeof nan, 0, count * sizeof nan,
                                             0, NULL, NULL),
                         CL_SUCCESS);
    }
    ck_assert_int_eq(clFinish(q), CL_SUCCESS);
    for (int i = 0; i < k; i++) ads_workspace_release(ctx, ws[i]);
}
