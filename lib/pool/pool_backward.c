/* Pooling backward (docs/design.md 1.5): g_x and the position gradients, all
   deterministic (no float atomics): g_x is summed per (n,c) plane by one
   work-item in a fixed order (separably for the fixed grid and separable
   positions); position gradients are fixed-order reductions. */
#include <stdlib.h>
#include <string.h>

#include "ops_device.h"
#include "pool_common.h"
#include "workspace.h"

/* What one backward call reads and writes. */
typedef struct {
    const pool_call *c;
    const ads_tensor *gy;
    const ads_tensor *argmax; /* max: the winners (given or recomputed); else gy */
    ads_tensor *gx;
    ads_sampling_grad gat;
} pool_bwd;

static ads_status check_grad(const pool_call *c, ads_tensor *t, const char *name, int ndim,
                             const int64_t *shape)
{
    if (!t) return ADS_OK;
    ADS_TRY(ads_check_tensor(t, c->x->ctx, name));
    return ads_check_shape(t, name, ndim, shape);
}

static ads_status check_gat(const pool_call *c, ads_sampling_grad gat)
{
    ADS_TRY(ads_sampling_check_grads(c->kind, gat));
    int64_t rows[2] = {c->N, c->Ho}, cols[2] = {c->N, c->Wo}, grid[4] = {c->N, c->Ho, c->Wo, 2};
    ADS_TRY(check_grad(c, gat.py, "gat.py", 2, rows));
    ADS_TRY(check_grad(c, gat.px, "gat.px", 2, cols));
    return check_grad(c, gat.grid, "gat.grid", 4, grid);
}

/* No output may alias an input or another output. */
static ads_status check_aliasing(const pool_call *c, const ads_tensor *gy, const ads_tensor *argmax,
                                 ads_tensor *gx, ads_sampling_grad gat)
{
    const ads_tensor *all[] = {c->x,   c->py, c->px,  c->grid, gy,
                               argmax, gx,    gat.py, gat.px,  gat.grid};
    const char *names[] = {"x",      "at.py", "at.px",  "at.grid", "gy",
                           "argmax", "gx",    "gat.py", "gat.px",  "gat.grid"};
    for (int o = 6; o < 10; o++) ADS_TRY(ads_check_distinct(all[o], names[o], all, names, o));
    return ADS_OK;
}

static ads_status check_backward(const pool_call *c, const ads_tensor *argmax, const ads_tensor *gy,
                                 ads_tensor *gx, ads_sampling_grad gat)
{
    ADS_TRY(ads_pool_check_output_shape(c, gy, "gy"));
    ADS_TRY(ads_pool_check_argmax(c, argmax));
    int64_t xshape[4] = {c->N, c->C, c->H, c->W};
    ADS_TRY(check_grad(c, gx, "gx", 4, xshape));
    ADS_TRY(check_gat(c, gat));
    ADS_TRY(check_aliasing(c, gy, argmax, gx, gat));
    ADS_TRY(ads_check_finite(c->x, "x"));
    ADS_TRY(ads_check_finite(gy, "gy"));
    return ads_check_finite(argmax, "argmax");
}

/* g_x on the fixed grid or at separable positions (pool_rows_backward_gx):
   the column table, then one work-item per plane. */
static ads_status rows_gx(ads_context *ctx, const pool_bwd *b)
{
    const pool_call *c = b->c;
    bool fixed = c->kind == ADS_SAMPLING_FIXED;
    size_t t_rows = c->d.mode == ADS_POOL_MAX ? (size_t)c->d.kh : 1;
    ads_tensor *tab = NULL, *trow = NULL;
    ADS_TRY(ads_workspace_acquire(ctx, ads_pool_col_table_count(c), &tab));
    ads_status st = ads_workspace_acquire(ctx, (size_t)c->N * c->C * t_rows * c->W, &trow);
    if (st == ADS_OK) st = ads_pool_col_table(ctx, c, tab);
    ads_launcher l;
    ads_pool_launch(&l, ctx, "pool_rows_backward_gx");
    /* The fixed grid reads no positions; the argument still needs a buffer. */
    ads_launch_in_or(&l, fixed ? NULL : c->py, tab);
    ads_launch_in(&l, tab);
    ads_launch_int(&l, ads_pool_padded_wo(c));
    ads_launch_int(&l, fixed);
    ads_launch_in(&l, b->gy);
    ads_launch_in(&l, b->argmax);
    ads_pool_geom(&l, c);
    ads_launch_out(&l, trow);
    ads_launch_out(&l, b->gx);
    if (st == ADS_OK) st = ads_pool_run(&l, (size_t)c->N * c->C);
    ads_workspace_release(ctx, tab);
    ads_workspace_release(ctx, trow);
    return st;
}

/* g_x on the fixed grid in the pixel shape (pool_fixed_backward_gx_pixel):
   one work-item per input element, no table. */
static ads_status fixed_gx_pixel(ads_context *ctx, const pool_bwd *b)
{
    const pool_call *c = b->c;
    ads_launcher l;
    ads_pool_launch(&l, ctx, "pool_fixed_backward_gx_pixel");
    ads_launch_in(&l, b->gy);
    ads_launch_in(&l, b->argmax);
    ads_pool_geom(&l, c);
    ads_launch_out(&l, b->gx);
    return ads_pool_run(&l, (size_t)c->N * c->C * c->H * c->W);
}

/* part (rows x C) summed over C into out (pool_reduce_channels). */
static ads_status reduce_channels(ads_context *ctx, const ads_tensor *part, size_t rows, int C,
                                  ads_tensor *out)
{
    ads_launcher l;
    ads_pool_launch(&l, ctx, "pool_reduce_channels");
    ads_launch_in(&l, part);
    ads_launch_long(&l, (int64_t)rows);
    ads_launch_int(&l, C);
    ads_launch_out(&l, out);
    return ads_pool_run(&l, rows);
}

/* The row caches of pool_sep_grad_pos where local memory cannot hold
   them: a global workspace with one cache per plane, for at most this
   share of the memory budget; more planes run in several launches. */
#define GLOBAL_CACHE_BUDGET_SHARE 4

/* Planes per launch of the global-cache variant (0: not even one fits). */
static size_t global_cache_planes(const ads_context *ctx, const pool_call *c, size_t item_floats)
{
    size_t planes = (size_t)c->N * c->C;
    uint64_t fit = ctx->memory_budget / GLOBAL_CACHE_BUDGET_SHARE / (item_floats * sizeof(float));
    if (fit == 0) fit = 1; /* one plane always runs: its cache is a few rows */
    return fit < planes ? (size_t)fit : planes;
}

/* The row-cached position-gradient pass (pool_sep_grad_pos) into the
   per-channel partials prow and pcol. The row caches live in local
   memory where the device's fits a work-item's share (pool_rows_local),
   else in a global workspace (the program built with
   -DPOOL_SCRATCH_GLOBAL): the same arithmetic in the same order, so both
   give the same bits. ADS_POOL_SEP=direct forces the global caches
   (tests). */
static ads_status sep_grad_pos_partials(ads_context *ctx, const pool_bwd *b, ads_tensor *prow,
                                        ads_tensor *pcol)
{
    const pool_call *c = b->c;
    const size_t item_floats = ads_pool_rows_item_floats(c, 2), planes = (size_t)c->N * c->C;
    const char *env = ads_env_get(&ctx->env, ADS_ENV_POOL_SEP);
    size_t group = 1, local = env && strcmp(env, "direct") == 0
                                  ? 0
                                  : ads_pool_rows_local(c, item_floats, &group);
    size_t chunk = local ? planes : global_cache_planes(ctx, c, item_floats);
    ads_tensor *tab, *cache = NULL;
    ADS_TRY(ads_workspace_acquire(ctx, ads_pool_col_table_count(c), &tab));
    ads_status st = local ? ADS_OK : ads_workspace_acquire(ctx, chunk * item_floats, &cache);
    if (st == ADS_OK) st = ads_pool_col_table(ctx, c, tab);
    for (size_t first = 0; first < planes && st == ADS_OK; first += chunk) {
        ads_launcher l;
        ads_launch_kernel(&l, ctx, "pool", local ? "" : "-DPOOL_SCRATCH_GLOBAL",
                          "pool_sep_grad_pos");
        ads_launch_in(&l, c->x);
        ads_launch_in(&l, c->py);
        ads_launch_in(&l, tab);
        ads_launch_int(&l, ads_pool_padded_wo(c));
        ads_launch_in(&l, b->gy);
        ads_launch_in(&l, b->argmax);
        ads_pool_geom(&l, c);
        ads_launch_out(&l, prow);
        ads_launch_out(&l, pcol);
        if (local) ads_launch_local(&l, local);
        else ads_launch_out(&l, cache);
        ads_launch_int(&l, (int)first);
        size_t global = planes - first < chunk ? planes - first : chunk;
        /* The global caches are indexed by the global id: no rounding up
           to a wished group size, the driver picks the group. */
        st = ads_launch_run(&l, 1, &global, local ? &group : NULL);
    }
    ads_workspace_release(ctx, cache);
    ads_workspace_release(ctx, tab);
    return st;
}

/* g_py and g_px in the pixel shape (GPUs): every output's shares of both,
   summed over the channels (pool_sep_grad_pos_pixel), then each
   position's sum over its row or column (pool_sep_sum_pos). */
static ads_status sep_grad_pos_pixel(ads_context *ctx, const pool_bwd *b)
{
    const pool_call *c = b->c;
    size_t outputs = (size_t)c->N * c->Ho * c->Wo;
    ads_tensor *part;
    ADS_TRY(ads_workspace_acquire(ctx, 2 * outputs, &part));
    ads_launcher l;
    ads_pool_launch(&l, ctx, "pool_sep_grad_pos_pixel");
    ads_launch_in(&l, c->x);
    ads_launch_in(&l, c->py);
    ads_launch_in(&l, c->px);
    ads_launch_in(&l, b->gy);
    ads_launch_in(&l, b->argmax);
    ads_pool_geom(&l, c);
    ads_launch_out(&l, part);
    ads_status st = ads_pool_run(&l, outputs);
    if (st == ADS_OK) {
        ads_launcher s;
        ads_pool_launch(&s, ctx, "pool_sep_sum_pos");
        ads_launch_in(&s, part);
        ads_launch_ints(&s, (const int[]){c->N, c->Ho, c->Wo}, 3);
        /* An output not asked for is never written: its argument is the other. */
        ads_launch_out_or(&s, b->gat.py, b->gat.px);
        ads_launch_int(&s, b->gat.py != NULL);
        ads_launch_out_or(&s, b->gat.px, b->gat.py);
        ads_launch_int(&s, b->gat.px != NULL);
        st = ads_pool_run(&s, (size_t)c->N * ((size_t)c->Ho + (size_t)c->Wo));
    }
    ads_workspace_release(ctx, part);
    return st;
}

/* g_py and g_px (either may be NULL): per-channel partials of both in one
   pass over the outputs, then their sums over the channels (row shape),
   or the pixel shape's passes. */
static ads_status sep_grad_pos(ads_context *ctx, const pool_bwd *b)
{
    const pool_call *c = b->c;
    if (ads_pool_call_pixel(ctx, c)) return sep_grad_pos_pixel(ctx, b);
    size_t rows = (size_t)c->N * c->Ho, cols = (size_t)c->N * c->Wo;
    ads_tensor *prow = NULL, *pcol = NULL;
    ADS_TRY(ads_workspace_acquire(ctx, rows * c->C, &prow));
    ads_status st = ads_workspace_acquire(ctx, cols * c->C, &pcol);
    if (st == ADS_OK) st = sep_grad_pos_partials(ctx, b, prow, pcol);
    if (st == ADS_OK && b->gat.py) st = reduce_channels(ctx, prow, rows, c->C, b->gat.py);
    if (st == ADS_OK && b->gat.px) st = reduce_channels(ctx, pcol, cols, c->C, b->gat.px);
    ads_workspace_release(ctx, prow);
    ads_workspace_release(ctx, pcol);
    return st;
}

static ads_status grid_gx(ads_context *ctx, const pool_bwd *b)
{
    const pool_call *c = b->c;
    ads_launcher l;
    ads_pool_launch(&l, ctx, "pool_grid_backward_gx");
    ads_launch_in(&l, c->grid);
    ads_launch_in(&l, b->gy);
    ads_launch_in(&l, b->argmax);
    ads_pool_geom(&l, c);
    ads_launch_out(&l, b->gx);
    return ads_pool_run(&l, (size_t)c->N * c->C);
}

static ads_status grid_grad_pos(ads_context *ctx, const pool_bwd *b)
{
    const pool_call *c = b->c;
    ads_launcher l;
    ads_pool_launch(&l, ctx, "pool_grid_grad_pos");
    ads_launch_in(&l, c->x);
    ads_launch_in(&l, c->grid);
    ads_launch_in(&l, b->gy);
    ads_launch_in(&l, b->argmax);
    ads_pool_geom(&l, c);
    ads_launch_out(&l, b->gat.grid);
    return ads_pool_run(&l, (size_t)c->N * c->Ho * c->Wo);
}

static ads_status run_backward(ads_context *ctx, const pool_bwd *b)
{
    switch (b->c->kind) {
    case ADS_SAMPLING_FIXED:
        if (!b->gx) return ADS_OK;
        return ads_pool_call_pixel(ctx, b->c) ? fixed_gx_pixel(ctx, b) : rows_gx(ctx, b);
    case ADS_SAMPLING_SEPARABLE:
        if (b->gx) ADS_TRY(rows_gx(ctx, b));
        return b->gat.py || b->gat.px ? sep_grad_pos(ctx, b) : ADS_OK;
    case ADS_SAMPLING_GRID:
        if (b->gx) ADS_TRY(grid_gx(ctx, b));
        return b->gat.grid ? grid_grad_pos(ctx, b) : ADS_OK;
    }
    return ADS_OK;
}

ads_status ads_pool_backward_ex_on_device(ads_context *ctx, const ads_device *dev,
                                          const ads_pool_desc *d, const ads_tensor *x,
                                          ads_sampling at, const ads_tensor *argmax,
                                          const ads_tensor *gy, ads_tensor *gx,
                                          ads_sampling_grad gat)
{
    pool_call c;
    ADS_TRY(ads_pool_prepare(ctx, dev, d, x, at, &c));
    ADS_TRY(check_backward(&c, argmax, gy, gx, gat));
    if (!gx && !gat.py && !gat.px && !gat.grid) return ADS_OK;
    pool_bwd b = {.c = &c, .gy = gy, .argmax = argmax ? argmax : gy, .gx = gx, .gat = gat};
    ads_tensor *winners = NULL;
    if (d->mode == ADS_POOL_MAX && !argmax) {
        /* Recompute the winners with the forward kernel. */
        ADS_TRY(ads_workspace_acquire(ctx, (size_t)c.N * c.C * c.Ho * c.Wo, &winners));
        ads_status st = ads_pool_enqueue_forward(ctx, &c, NULL, winners);
        if (st != ADS_OK) {
            ads_workspace_release(ctx, winners);
            return st;
        }
        b.argmax = winners;
    }
    ads_status st = run_backward(ctx, &b);
    ads_workspace_release(ctx, winners);
    return st;
}
