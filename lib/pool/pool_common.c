/* Pooling: argument checks shared by forward and backward, the geometry
   arguments of cl/pool.cl, and the forward launch. */
#include "pool_common.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Kernels index with int inside a plane and long across planes; these
   bounds keep every int expression (i*sh - ph + ky*dh, ...) in range. */
#define POOL_MAX_DIM (1 << 30)
#define POOL_MAX_SPAN (1 << 28)
/* argmax stores ky*kw + kx as a float: exact below 2^24. */
#define POOL_MAX_TAPS (1 << 24)

static const char *mode_name(ads_pool_mode m)
{
    return m == ADS_POOL_MAX ? "max" : m == ADS_POOL_AVG ? "average" : "average excluding padding";
}

static ads_status check_axis(const char *k_name, int k, const char *d_name, int dil,
                             const char *p_name, int pad)
{
    if (k < 1) return ads_fail(ADS_ERR_INVALID_ARGUMENT, "d->%s is %d; must be >= 1", k_name, k);
    if (dil < 1)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "d->%s is %d; must be >= 1", d_name, dil);
    if (pad < 0)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "d->%s is %d; must be >= 0", p_name, pad);
    if ((int64_t)(k - 1) * dil > POOL_MAX_SPAN || pad > POOL_MAX_SPAN)
        return ads_fail(ADS_ERR_TOO_LARGE,
                        "the window (d->%s %d, d->%s %d, d->%s %d) spans more than 2^28 pixels",
                        k_name, k, d_name, dil, p_name, pad);
    return ADS_OK;
}

static ads_status check_desc(const ads_pool_desc *d)
{
    if (d->mode != ADS_POOL_MAX && d->mode != ADS_POOL_AVG && d->mode != ADS_POOL_AVG_EXCLUDE_PAD)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "d->mode is %d; expected ADS_POOL_MAX, ADS_POOL_AVG or "
                        "ADS_POOL_AVG_EXCLUDE_PAD",
                        (int)d->mode);
    ADS_TRY(check_axis("kh", d->kh, "dil_h", d->dil_h, "pad_h", d->pad_h));
    ADS_TRY(check_axis("kw", d->kw, "dil_w", d->dil_w, "pad_w", d->pad_w));
    if ((int64_t)d->kh * d->kw > POOL_MAX_TAPS)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "the window has d->kh * d->kw = %lld taps; at most 2^24 are supported",
                        (long long)d->kh * d->kw);
    return ADS_OK;
}

/* The fixed grid follows PyTorch: stride >= 1, pad <= k/2, and the window
   must fit the padded input. */
static ads_status fixed_axis(const char *axis, int64_t in, int k, int stride, const char *s_name,
                             int pad, const char *p_name, int dil, int *out)
{
    if (stride < 1)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "d->%s is %d; must be >= 1 on the fixed grid",
                        s_name, stride);
    if (pad > k / 2)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "d->%s is %d; the fixed grid needs pad <= kernel/2 = %d (as PyTorch)",
                        p_name, pad, k / 2);
    int64_t n = ads_output_size(in, k, stride, pad, dil);
    if (n <= 0)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "the %s window (kernel %d, dilation %d, padding %d) does not fit the "
                        "input's %lld %s",
                        axis, k, dil, pad, (long long)in, axis);
    *out = (int)n;
    return ADS_OK;
}

static ads_status check_x(const ads_tensor *x, pool_call *c)
{
    char buf[128];
    if (x->ndim != 4)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH,
                        "x has shape %s; expected 4 dimensions N x C x H x W",
                        ads_shape_str(x, buf, sizeof buf));
    for (int i = 0; i < 4; i++)
        if (x->shape[i] > POOL_MAX_DIM)
            return ads_fail(ADS_ERR_TOO_LARGE,
                            "x has shape %s; pooling supports dimensions up to 2^30",
                            ads_shape_str(x, buf, sizeof buf));
    c->N = (int)x->shape[0];
    c->C = (int)x->shape[1];
    c->H = (int)x->shape[2];
    c->W = (int)x->shape[3];
    return ADS_OK;
}

/* A position tensor: ndim dims, first N, last `last` (0: any), the others
   up to 2^30. */
static ads_status check_positions(const ads_tensor *t, const char *name, int ndim, int N,
                                  int last, const char *want)
{
    char buf[128];
    bool ok = t->ndim == ndim && t->shape[0] == N && (!last || t->shape[ndim - 1] == last);
    for (int i = 1; ok && i < ndim; i++) ok = t->shape[i] <= POOL_MAX_DIM;
    if (!ok)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH, "%s has shape %s; expected %s with N = %d", name,
                        ads_shape_str(t, buf, sizeof buf), want, N);
    return ADS_OK;
}

static ads_status check_sampling(ads_context *ctx, ads_sampling at, pool_call *c)
{
    if (at.grid && (at.py || at.px))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "at.grid and at.py/at.px are both given; pass py with px, or grid, "
                        "or none");
    if (!at.py != !at.px)
        return ads_fail(ADS_ERR_NULL_ARGUMENT, "at.%s is NULL while at.%s is given; separable "
                        "sampling needs both", at.py ? "px" : "py", at.py ? "py" : "px");
    c->py = at.py;
    c->px = at.px;
    c->grid = at.grid;
    if (at.grid) {
        ADS_TRY(ads_check_tensor(at.grid, ctx, "at.grid"));
        ADS_TRY(check_positions(at.grid, "at.grid", 4, c->N, 2, "[N, Ho, Wo, 2]"));
        c->kind = POOL_GRID;
        c->Ho = (int)at.grid->shape[1];
        c->Wo = (int)at.grid->shape[2];
    } else if (at.py) {
        ADS_TRY(ads_check_tensor(at.py, ctx, "at.py"));
        ADS_TRY(ads_check_tensor(at.px, ctx, "at.px"));
        ADS_TRY(check_positions(at.py, "at.py", 2, c->N, 0, "[N, Ho]"));
        ADS_TRY(check_positions(at.px, "at.px", 2, c->N, 0, "[N, Wo]"));
        c->kind = POOL_SEPARABLE;
        c->Ho = (int)at.py->shape[1];
        c->Wo = (int)at.px->shape[1];
        /* The backward index holds L*k*2 int entries per image. */
        if ((int64_t)c->Ho * c->d.kh * 2 > INT_MAX || (int64_t)c->Wo * c->d.kw * 2 > INT_MAX)
            return ads_fail(ADS_ERR_TOO_LARGE, "Ho * kh = %lld or Wo * kw = %lld exceeds 2^30",
                            (long long)c->Ho * c->d.kh, (long long)c->Wo * c->d.kw);
    } else {
        c->kind = POOL_FIXED;
        const ads_pool_desc *d = &c->d;
        ADS_TRY(fixed_axis("rows", c->H, d->kh, d->stride_h, "stride_h", d->pad_h, "pad_h",
                           d->dil_h, &c->Ho));
        ADS_TRY(fixed_axis("columns", c->W, d->kw, d->stride_w, "stride_w", d->pad_w, "pad_w",
                           d->dil_w, &c->Wo));
    }
    return ADS_OK;
}

ads_status pool_prepare(ads_context *ctx, const ads_pool_desc *d, const ads_tensor *x,
                        ads_sampling at, pool_call *c)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    if (!d) return ads_fail(ADS_ERR_NULL_ARGUMENT, "d (the pool desc) is NULL");
    ADS_TRY(ads_check_tensor(x, ctx, "x"));
    ADS_TRY(check_desc(d));
    c->d = *d;
    c->x = x;
    ADS_TRY(check_x(x, c));
    return check_sampling(ctx, at, c);
}

ads_status pool_check_output_shape(const pool_call *c, const ads_tensor *t, const char *name)
{
    ADS_TRY(ads_check_tensor(t, c->x->ctx, name));
    int64_t shape[4] = {c->N, c->C, c->Ho, c->Wo};
    return ads_check_shape(t, name, 4, shape);
}

ads_status pool_check_argmax(const pool_call *c, const ads_tensor *argmax)
{
    if (!argmax) return ADS_OK;
    if (c->d.mode != ADS_POOL_MAX)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "argmax is given with %s pooling (d->mode %d); only max pooling has "
                        "winners, pass NULL",
                        mode_name(c->d.mode), (int)c->d.mode);
    return pool_check_output_shape(c, argmax, "argmax");
}

ads_status pool_check_distinct(const ads_tensor *out, const char *name,
                               const ads_tensor *const *others, int n)
{
    for (int i = 0; out && i < n; i++)
        if (others[i] == out)
            return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                            "%s is the same tensor as another argument of the call; outputs "
                            "must not alias inputs or each other",
                            name);
    return ADS_OK;
}

ads_status pool_kernel(ads_context *ctx, const char *name, cl_kernel *k)
{
    return ads_get_kernel(ctx, "pool", "", name, k);
}

ads_status pool_set_geometry(cl_kernel k, cl_uint first, const pool_call *c)
{
    const ads_pool_desc *d = &c->d;
    int mode = d->mode == ADS_POOL_MAX ? 0 : d->mode == ADS_POOL_AVG ? 1 : 2; /* MODE_* */
    int v[15] = {c->N,       c->C,        c->H,     c->W,     c->Ho,    c->Wo,
                 mode,       d->kh,       d->kw,    d->stride_h, d->stride_w, d->pad_h,
                 d->pad_w,   d->dil_h,    d->dil_w};
    for (cl_uint i = 0; i < 15; i++) ADS_TRY(ads_arg_int(k, first + i, v[i]));
    return ADS_OK;
}

#define POOL_LOCAL_SIZE 64

ads_status pool_enqueue(ads_context *ctx, ads_launch *l)
{
    size_t max_wg = ctx->dev[0].info.max_work_group_size;
    l->dims = 1;
    l->local[0] = max_wg && max_wg < POOL_LOCAL_SIZE ? max_wg : POOL_LOCAL_SIZE;
    return ads_enqueue(ctx, l);
}

/* Outputs per work-item of the fixed and separable forward kernels (VW in
   cl/pool.cl). */
#define POOL_VW 16

static size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

size_t pool_col_table_count(const pool_call *c)
{
    return (size_t)3 * c->N * c->d.kw * pool_padded_wo(c);
}

int pool_padded_wo(const pool_call *c) { return (int)round_up((size_t)c->Wo, POOL_VW); }

ads_status pool_col_table(ads_context *ctx, const pool_call *c, ads_tensor *tab)
{
    const ads_pool_desc *d = &c->d;
    bool fixed = c->kind == POOL_FIXED;
    cl_kernel k;
    ADS_TRY(pool_kernel(ctx, "pool_sep_col_table", &k));
    int Wp = pool_padded_wo(c);
    int v[8] = {fixed ? d->stride_w : 0, c->N, c->W, c->Wo, Wp, d->kw, d->dil_w, d->pad_w};
    /* The fixed grid reads no positions; the argument still needs a buffer. */
    const ads_tensor *px = fixed ? c->x : c->px;
    ADS_TRY(ads_arg_mem(k, 0, px));
    for (cl_uint i = 0; i < 8; i++) ADS_TRY(ads_arg_int(k, 1 + i, v[i]));
    ADS_TRY(ads_arg_mem(k, 9, tab));
    ads_launch l = {.kernel = k, .global = {(size_t)c->N * d->kw * Wp}, .nreads = 1,
                    .nwrites = 1, .reads = {px}, .writes = {tab}};
    return pool_enqueue(ctx, &l);
}

/* Sets the output arguments from index a: an unwritten output's argument
   still needs a buffer, the other one. */
static ads_status set_outputs(ads_launch *l, cl_uint a, ads_tensor *y, ads_tensor *argmax)
{
    ADS_TRY(ads_arg_mem(l->kernel, a, y ? y : argmax));
    ADS_TRY(ads_arg_mem(l->kernel, a + 1, argmax ? argmax : y));
    ADS_TRY(ads_arg_int(l->kernel, a + 2, y != NULL));
    ADS_TRY(ads_arg_int(l->kernel, a + 3, argmax != NULL));
    if (y) l->writes[l->nwrites++] = y;
    if (argmax) l->writes[l->nwrites++] = argmax;
    return ADS_OK;
}

static ads_status fixed_forward(ads_context *ctx, const pool_call *c, ads_tensor *y,
                                ads_tensor *argmax)
{
    size_t rows = (size_t)c->N * c->C * c->Ho;
    ads_launch l = {.global = {rows * (round_up((size_t)c->Wo, POOL_VW) / POOL_VW)},
                    .nreads = 1, .reads = {c->x}};
    ADS_TRY(pool_kernel(ctx, "pool_fixed_forward", &l.kernel));
    ADS_TRY(ads_arg_mem(l.kernel, 0, c->x));
    ADS_TRY(pool_set_geometry(l.kernel, 1, c));
    ADS_TRY(set_outputs(&l, 16, y, argmax));
    return pool_enqueue(ctx, &l);
}

/* Input rows a row-cached kernel keeps per work-item (POOL_SLOTS in
   cl/pool.cl). */
#define POOL_SLOTS 8

size_t pool_rows_local(ads_context *ctx, size_t per_item_floats, size_t *group)
{
    uint64_t have = ctx->dev[0].info.local_mem_bytes;
    size_t max_wg = ctx->dev[0].info.max_work_group_size;
    /* Few distinct sizes: PoCL compiles each (kernel, local size) pair. */
    for (size_t g = 8; g >= 1; g /= 2)
        if ((!max_wg || g <= max_wg) && g * per_item_floats * 4 <= have / 2) {
            *group = g;
            return g * per_item_floats * 4;
        }
    return 0;
}

/* Floats of local memory one work-item of pool_sep_forward_rows (parts 1)
   or pool_sep_grad_pos (parts 2) uses: the row cache and one or two rows
   of running values. */
size_t pool_rows_item_floats(const pool_call *c, int parts)
{
    return ((size_t)POOL_SLOTS * parts * c->d.kw + (parts == 1 ? 2 : 1)) * pool_padded_wo(c);
}

/* ADS_POOL_SEP=direct forces the direct separable forward (tests and
   experiments); it also runs where local memory is too small. */
static size_t sep_rows_local_bytes(ads_context *ctx, const pool_call *c, size_t *group)
{
    const char *env = getenv("ADS_POOL_SEP");
    if (env && strcmp(env, "direct") == 0) return 0;
    return pool_rows_local(ctx, pool_rows_item_floats(c, 1), group);
}

static ads_status sep_forward(ads_context *ctx, const pool_call *c, ads_tensor *y,
                              ads_tensor *argmax)
{
    int Wp = pool_padded_wo(c);
    size_t group = 1, local = sep_rows_local_bytes(ctx, c, &group);
    size_t rows = (size_t)c->N * c->C * c->Ho;
    ads_tensor *tab;
    ADS_TRY(ads_workspace_acquire(ctx, pool_col_table_count(c), &tab));
    ads_launch l = {.nreads = 3, .reads = {c->x, c->py, tab}};
    ads_status st = pool_col_table(ctx, c, tab);
    if (st == ADS_OK)
        st = pool_kernel(ctx, local ? "pool_sep_forward_rows" : "pool_sep_forward", &l.kernel);
    if (st == ADS_OK) st = ads_arg_mem(l.kernel, 0, c->x);
    if (st == ADS_OK) st = ads_arg_mem(l.kernel, 1, c->py);
    if (st == ADS_OK) st = ads_arg_mem(l.kernel, 2, tab);
    if (st == ADS_OK) st = ads_arg_int(l.kernel, 3, Wp);
    if (st == ADS_OK) st = pool_set_geometry(l.kernel, 4, c);
    if (st == ADS_OK) st = set_outputs(&l, 19, y, argmax);
    if (st == ADS_OK && local) {
        /* One work-item per POOL_ROWS (8) output rows of a plane. */
        st = ads_arg_local(l.kernel, 23, local);
        l.dims = 1;
        l.global[0] = (size_t)c->N * c->C * ((c->Ho + 7) / 8);
        l.local[0] = group;
        if (st == ADS_OK) st = ads_enqueue(ctx, &l);
    } else if (st == ADS_OK) {
        l.global[0] = rows * (Wp / POOL_VW);
        st = pool_enqueue(ctx, &l);
    }
    ads_workspace_release(ctx, tab);
    return st;
}

static ads_status grid_forward(ads_context *ctx, const pool_call *c, ads_tensor *y,
                               ads_tensor *argmax)
{
    ads_launch l = {.global = {(size_t)c->N * c->C * c->Ho * c->Wo}, .nreads = 2,
                    .reads = {c->x, c->grid}};
    ADS_TRY(pool_kernel(ctx, "pool_grid_forward", &l.kernel));
    ADS_TRY(ads_arg_mem(l.kernel, 0, c->x));
    ADS_TRY(ads_arg_mem(l.kernel, 1, c->grid));
    ADS_TRY(pool_set_geometry(l.kernel, 2, c));
    ADS_TRY(set_outputs(&l, 17, y, argmax));
    return pool_enqueue(ctx, &l);
}

/* The one place that picks the forward kernels of each sampling kind. */
ads_status pool_enqueue_forward(ads_context *ctx, const pool_call *c, ads_tensor *y,
                                ads_tensor *argmax)
{
    switch (c->kind) {
    case POOL_FIXED:
        return fixed_forward(ctx, c, y, argmax);
    case POOL_SEPARABLE:
        return sep_forward(ctx, c, y, argmax);
    case POOL_GRID:
        return grid_forward(ctx, c, y, argmax);
    }
    return ADS_OK;
}
