/* Pooling: argument checks shared by forward and backward, the geometry
   arguments of cl/pool.cl, and the forward launch. */
#include "pool_common.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tuning.h"
#include "workspace.h"

/* Kernels index with int inside a plane and long across planes; these
   bounds keep every int expression (i*sh - ph + ky*dh, ...) in range. */
#define POOL_MAX_DIM (1 << 30)
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
    return ads_check_window_span("d->", k_name, k, d_name, dil, p_name, pad);
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
static ads_status check_positions(const ads_tensor *t, const char *name, int ndim, int N, int last,
                                  const char *want)
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
    ADS_TRY(ads_sampling_kind_of(ctx, at, &c->kind));
    c->py = at.py;
    c->px = at.px;
    c->grid = at.grid;
    if (c->kind == ADS_SAMPLING_GRID) {
        ADS_TRY(check_positions(at.grid, "at.grid", 4, c->N, 2, "[N, Ho, Wo, 2]"));
        c->Ho = (int)at.grid->shape[1];
        c->Wo = (int)at.grid->shape[2];
    } else if (c->kind == ADS_SAMPLING_SEPARABLE) {
        ADS_TRY(check_positions(at.py, "at.py", 2, c->N, 0, "[N, Ho]"));
        ADS_TRY(check_positions(at.px, "at.px", 2, c->N, 0, "[N, Wo]"));
        c->Ho = (int)at.py->shape[1];
        c->Wo = (int)at.px->shape[1];
        /* The backward index holds L*k*2 int entries per image. */
        if ((int64_t)c->Ho * c->d.kh * 2 > INT_MAX || (int64_t)c->Wo * c->d.kw * 2 > INT_MAX)
            return ads_fail(ADS_ERR_TOO_LARGE, "Ho * kh = %lld or Wo * kw = %lld exceeds 2^30",
                            (long long)c->Ho * c->d.kh, (long long)c->Wo * c->d.kw);
    } else {
        const ads_pool_desc *d = &c->d;
        ADS_TRY(fixed_axis("rows", c->H, d->kh, d->stride_h, "stride_h", d->pad_h, "pad_h",
                           d->dil_h, &c->Ho));
        ADS_TRY(fixed_axis("columns", c->W, d->kw, d->stride_w, "stride_w", d->pad_w, "pad_w",
                           d->dil_w, &c->Wo));
    }
    return ADS_OK;
}

ads_status ads_pool_prepare(ads_context *ctx, const ads_device *dev, const ads_pool_desc *d,
                            const ads_tensor *x, ads_sampling at, pool_call *c)
{
    c->dev = dev;
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    if (!d) return ads_fail(ADS_ERR_NULL_ARGUMENT, "d (the pool desc) is NULL");
    ADS_TRY(ads_check_tensor(x, ctx, "x"));
    ADS_TRY(check_desc(d));
    c->d = *d;
    c->x = x;
    ADS_TRY(check_x(x, c));
    return check_sampling(ctx, at, c);
}

ads_status ads_pool_check_output_shape(const pool_call *c, const ads_tensor *t, const char *name)
{
    ADS_TRY(ads_check_tensor(t, c->x->ctx, name));
    int64_t shape[4] = {c->N, c->C, c->Ho, c->Wo};
    return ads_check_shape(t, name, 4, shape);
}

ads_status ads_pool_check_argmax(const pool_call *c, const ads_tensor *argmax)
{
    if (!argmax) return ADS_OK;
    if (c->d.mode != ADS_POOL_MAX)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "argmax is given with %s pooling (d->mode %d); only max pooling has "
                        "winners, pass NULL",
                        mode_name(c->d.mode), (int)c->d.mode);
    return ads_pool_check_output_shape(c, argmax, "argmax");
}

void ads_pool_launch(ads_launcher *l, ads_context *ctx, const char *name)
{
    ads_launch_kernel(l, ctx, "pool", "", name);
}

void ads_pool_geom(ads_launcher *l, const pool_call *c)
{
    const ads_pool_desc *d = &c->d;
    int mode = d->mode == ADS_POOL_MAX ? 0 : d->mode == ADS_POOL_AVG ? 1 : 2; /* MODE_* */
    const int v[15] = {c->N,        c->C,     c->H,     c->W,     c->Ho,
                       c->Wo,       mode,     d->kh,    d->kw,    d->stride_h,
                       d->stride_w, d->pad_h, d->pad_w, d->dil_h, d->dil_w};
    ads_launch_ints(l, v, 15);
}

#define POOL_LOCAL_SIZE 64

ads_status ads_pool_run(ads_launcher *l, size_t global)
{
    return ads_launch_run(l, 1, &global, (size_t[]){POOL_LOCAL_SIZE});
}

/* Outputs per work-item of the fixed and separable forward kernels (VW in
   cl/pool.cl). */
#define POOL_VW 16

static size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

size_t ads_pool_col_table_count(const pool_call *c)
{
    return (size_t)3 * c->N * c->d.kw * ads_pool_padded_wo(c);
}

int ads_pool_padded_wo(const pool_call *c) { return (int)round_up((size_t)c->Wo, POOL_VW); }

ads_status ads_pool_col_table(ads_context *ctx, const pool_call *c, ads_tensor *tab)
{
    const ads_pool_desc *d = &c->d;
    bool fixed = c->kind == ADS_SAMPLING_FIXED;
    int Wp = ads_pool_padded_wo(c);
    ads_launcher l;
    ads_pool_launch(&l, ctx, "pool_sep_col_table");
    /* The fixed grid reads no positions; the argument still needs a buffer. */
    ads_launch_in_or(&l, fixed ? NULL : c->px, c->x);
    ads_launch_ints(
        &l,
        (const int[]){fixed ? d->stride_w : 0, c->N, c->W, c->Wo, Wp, d->kw, d->dil_w, d->pad_w},
        8);
    ads_launch_out(&l, tab);
    return ads_pool_run(&l, (size_t)c->N * d->kw * Wp);
}

/* The output arguments: an unwritten output's argument still needs a
   buffer, the other one; then which of the two are written. */
static void outputs(ads_launcher *l, ads_tensor *y, ads_tensor *argmax)
{
    ads_launch_out_or(l, y, argmax);
    ads_launch_out_or(l, argmax, y);
    ads_launch_int(l, y != NULL);
    ads_launch_int(l, argmax != NULL);
}

bool ads_pool_call_pixel(const ads_context *ctx, const pool_call *c)
{
    return ads_tune_on(ctx, c->dev, "pool.item_pixel") != 0;
}

/* One work-item per VW outputs of a row (row shape: CPUs) or per output
   (pixel shape: GPUs); see cl/pool.cl. */
static ads_status fixed_forward(ads_context *ctx, const pool_call *c, ads_tensor *y,
                                ads_tensor *argmax)
{
    size_t rows = (size_t)c->N * c->C * c->Ho;
    bool pixel = ads_pool_call_pixel(ctx, c);
    ads_launcher l;
    ads_pool_launch(&l, ctx, pixel ? "pool_fixed_forward_pixel" : "pool_fixed_forward");
    ads_launch_in(&l, c->x);
    ads_pool_geom(&l, c);
    outputs(&l, y, argmax);
    return ads_pool_run(
        &l, rows * (pixel ? (size_t)c->Wo : round_up((size_t)c->Wo, POOL_VW) / POOL_VW));
}

/* Input rows a row-cached kernel keeps per work-item (POOL_SLOTS in
   cl/pool.cl). */
#define POOL_SLOTS 8

size_t ads_pool_rows_local(const pool_call *c, size_t per_item_floats, size_t *group)
{
    uint64_t have = c->dev->info.local_mem_bytes;
    size_t max_wg = c->dev->info.max_work_group_size;
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
size_t ads_pool_rows_item_floats(const pool_call *c, int parts)
{
    return ((size_t)POOL_SLOTS * parts * c->d.kw + (parts == 1 ? 2 : 1)) * ads_pool_padded_wo(c);
}

/* ADS_POOL_SEP=direct, or pool.sep_row_cache = 0 in the tuning table,
   forces the direct separable forward (tests and experiments; with
   ADS_POOL_SEP=direct the backward's position gradients also keep their
   row caches in global memory); it also runs where local memory is too
   small. */
static size_t sep_rows_local_bytes(const ads_context *ctx, const pool_call *c, size_t *group)
{
    const char *env = ads_env_get(&ctx->env, ADS_ENV_POOL_SEP);
    if ((env && strcmp(env, "direct") == 0) || !ads_tune_on(ctx, c->dev, "pool.sep_row_cache"))
        return 0;
    return ads_pool_rows_local(c, ads_pool_rows_item_floats(c, 1), group);
}

/* One work-item per output, at the positions of the `npos` tensors pos
   (the grid; py and px): pool_grid_forward, and pool_sep_forward_pixel,
   the separable forward's pixel shape (GPUs). */
static ads_status forward_per_output(ads_context *ctx, const pool_call *c, const char *kernel,
                                     const ads_tensor *const *pos, int npos, ads_tensor *y,
                                     ads_tensor *argmax)
{
    ads_launcher l;
    ads_pool_launch(&l, ctx, kernel);
    ads_launch_in(&l, c->x);
    for (int i = 0; i < npos; i++) ads_launch_in(&l, pos[i]);
    ads_pool_geom(&l, c);
    outputs(&l, y, argmax);
    return ads_pool_run(&l, (size_t)c->N * c->C * c->Ho * c->Wo);
}

/* Row shape (CPUs): the column table, then VW outputs of a row per
   work-item, with the input rows cached in local memory where they fit;
   else the pixel shape. */
static ads_status sep_forward(ads_context *ctx, const pool_call *c, ads_tensor *y,
                              ads_tensor *argmax)
{
    if (ads_pool_call_pixel(ctx, c))
        return forward_per_output(ctx, c, "pool_sep_forward_pixel",
                                  (const ads_tensor *[]){c->py, c->px}, 2, y, argmax);
    int Wp = ads_pool_padded_wo(c);
    size_t group = 1, local = sep_rows_local_bytes(ctx, c, &group);
    ads_tensor *tab;
    ADS_TRY(ads_workspace_acquire(ctx, ads_pool_col_table_count(c), &tab));
    ads_status st = ads_pool_col_table(ctx, c, tab);
    ads_launcher l;
    ads_pool_launch(&l, ctx, local ? "pool_sep_forward_rows" : "pool_sep_forward");
    ads_launch_in(&l, c->x);
    ads_launch_in(&l, c->py);
    ads_launch_in(&l, tab);
    ads_launch_int(&l, Wp);
    ads_pool_geom(&l, c);
    outputs(&l, y, argmax);
    if (st == ADS_OK && local) {
        /* One work-item per POOL_ROWS (8) output rows of a plane. */
        ads_launch_local(&l, local);
        size_t global = (size_t)c->N * c->C * ((c->Ho + 7) / 8);
        st = ads_launch_run(&l, 1, &global, &group);
    } else if (st == ADS_OK) {
        st = ads_pool_run(&l, (size_t)c->N * c->C * c->Ho * (Wp / POOL_VW));
    }
    ads_workspace_release(ctx, tab);
    return st;
}

/* The one place that picks the forward kernels of each sampling kind. */
ads_status ads_pool_enqueue_forward(ads_context *ctx, const pool_call *c, ads_tensor *y,
                                    ads_tensor *argmax)
{
    switch (c->kind) {
    case ADS_SAMPLING_FIXED: return fixed_forward(ctx, c, y, argmax);
    case ADS_SAMPLING_SEPARABLE: return sep_forward(ctx, c, y, argmax);
    case ADS_SAMPLING_GRID:
        return forward_per_output(ctx, c, "pool_grid_forward", &c->grid, 1, y, argmax);
    }
    return ADS_OK;
}
