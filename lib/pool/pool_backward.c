/* Pooling backward (DESIGN.md 1.5): g_x and the position gradients, all
   deterministic (no float atomics): g_x is summed per (n,c) plane by one
   work-item in a fixed order (separably for the fixed grid and separable
   positions); position gradients are fixed-order reductions. */
#include "ops_device.h"
#include "pool_common.h"

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
    static const char *kinds[] = {"the fixed grid", "separable positions", "a grid"};
    bool py_ok = c->kind == POOL_SEPARABLE, grid_ok = c->kind == POOL_GRID;
    const char *bad = gat.py && !py_ok ? "gat.py" : gat.px && !py_ok ? "gat.px"
                      : gat.grid && !grid_ok ? "gat.grid" : NULL;
    if (bad)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "%s is given but the call samples at %s, which has no such gradient; "
                        "pass NULL",
                        bad, kinds[c->kind]);
    int64_t rows[2] = {c->N, c->Ho}, cols[2] = {c->N, c->Wo}, grid[4] = {c->N, c->Ho, c->Wo, 2};
    ADS_TRY(check_grad(c, gat.py, "gat.py", 2, rows));
    ADS_TRY(check_grad(c, gat.px, "gat.px", 2, cols));
    return check_grad(c, gat.grid, "gat.grid", 4, grid);
}

/* No output may alias an input or another output. */
static ads_status check_aliasing(const pool_call *c, const ads_tensor *gy,
                                 const ads_tensor *argmax, ads_tensor *gx, ads_sampling_grad gat)
{
    const ads_tensor *all[] = {c->x, c->py, c->px, c->grid, gy, argmax,
                               gx,   gat.py, gat.px, gat.grid};
    const char *names[] = {"gx", "gat.py", "gat.px", "gat.grid"};
    for (int o = 0; o < 4; o++) ADS_TRY(pool_check_distinct(all[6 + o], names[o], all, 6 + o));
    return ADS_OK;
}

static ads_status check_backward(const pool_call *c, const ads_tensor *argmax,
                                 const ads_tensor *gy, ads_tensor *gx, ads_sampling_grad gat)
{
    ADS_TRY(pool_check_output_shape(c, gy, "gy"));
    ADS_TRY(pool_check_argmax(c, argmax));
    int64_t xshape[4] = {c->N, c->C, c->H, c->W};
    ADS_TRY(check_grad(c, gx, "gx", 4, xshape));
    ADS_TRY(check_gat(c, gat));
    ADS_TRY(check_aliasing(c, gy, argmax, gx, gat));
    ADS_TRY(ads_check_finite(c->x, "x"));
    ADS_TRY(ads_check_finite(gy, "gy"));
    return ads_check_finite(argmax, "argmax");
}

/* Sets the arguments shared by the backward kernels after their buffers. */
static ads_status launch(ads_context *ctx, ads_launch *l, cl_uint geom_at, const pool_call *c,
                         size_t global)
{
    ADS_TRY(pool_set_geometry(l->kernel, geom_at, c));
    l->global[0] = global;
    return pool_enqueue(ctx, l);
}

/* g_x on the fixed grid or at separable positions (pool_rows_backward_gx):
   the column table, then one work-item per plane. */
static ads_status rows_gx(ads_context *ctx, const pool_bwd *b)
{
    const pool_call *c = b->c;
    bool fixed = c->kind == POOL_FIXED;
    size_t t_rows = c->d.mode == ADS_POOL_MAX ? (size_t)c->d.kh : 1;
    ads_tensor *tab = NULL, *trow = NULL;
    ADS_TRY(ads_workspace_acquire(ctx, pool_col_table_count(c), &tab));
    ads_status st = ads_workspace_acquire(ctx, (size_t)c->N * c->C * t_rows * c->W, &trow);
    if (st == ADS_OK) st = pool_col_table(ctx, c, tab);
    /* The fixed grid reads no positions; the argument still needs a buffer. */
    const ads_tensor *py = fixed ? tab : c->py;
    ads_launch l = {.nreads = 4, .nwrites = 2, .reads = {py, tab, b->gy, b->argmax},
                    .writes = {trow, b->gx}};
    if (st == ADS_OK) st = pool_kernel(ctx, "pool_rows_backward_gx", &l.kernel);
    if (st == ADS_OK) st = ads_arg_mem(l.kernel, 0, py);
    if (st == ADS_OK) st = ads_arg_mem(l.kernel, 1, tab);
    if (st == ADS_OK) st = ads_arg_int(l.kernel, 2, pool_padded_wo(c));
    if (st == ADS_OK) st = ads_arg_int(l.kernel, 3, fixed);
    if (st == ADS_OK) st = ads_arg_mem(l.kernel, 4, b->gy);
    if (st == ADS_OK) st = ads_arg_mem(l.kernel, 5, b->argmax);
    if (st == ADS_OK) st = ads_arg_mem(l.kernel, 21, trow);
    if (st == ADS_OK) st = ads_arg_mem(l.kernel, 22, b->gx);
    if (st == ADS_OK) st = launch(ctx, &l, 6, c, (size_t)c->N * c->C);
    ads_workspace_release(ctx, tab);
    ads_workspace_release(ctx, trow);
    return st;
}

/* part (rows x C) summed over C into out (pool_reduce_channels). */
static ads_status reduce_channels(ads_context *ctx, const ads_tensor *part, size_t rows, int C,
                                  ads_tensor *out)
{
    ads_launch r = {.nreads = 1, .nwrites = 1, .reads = {part}, .writes = {out},
                    .global = {rows}};
    ADS_TRY(pool_kernel(ctx, "pool_reduce_channels", &r.kernel));
    ADS_TRY(ads_arg_mem(r.kernel, 0, part));
    ADS_TRY(ads_arg_long(r.kernel, 1, (int64_t)rows));
    ADS_TRY(ads_arg_int(r.kernel, 2, C));
    ADS_TRY(ads_arg_mem(r.kernel, 3, out));
    return pool_enqueue(ctx, &r);
}

/* The row-cached position-gradient pass (pool_sep_grad_pos) into the
   per-channel partials prow and pcol. */
static ads_status sep_grad_pos_partials(ads_context *ctx, const pool_bwd *b, ads_tensor *prow,
                                        ads_tensor *pcol)
{
    const pool_call *c = b->c;
    size_t group = 1, local = pool_rows_local(ctx, pool_rows_item_floats(c, 2), &group);
    if (!local)
        return ads_fail(ADS_ERR_TOO_LARGE,
                        "the position gradients of Wo = %d columns with kw = %d need more local "
                        "memory than the device has (%llu bytes)",
                        c->Wo, c->d.kw, (unsigned long long)ctx->dev[0].info.local_mem_bytes);
    ads_tensor *tab;
    ADS_TRY(ads_workspace_acquire(ctx, pool_col_table_count(c), &tab));
    ads_launch l = {.nreads = 5, .nwrites = 2, .writes = {prow, pcol},
                    .reads = {c->x, c->py, tab, b->gy, b->argmax}};
    ads_status st = pool_col_table(ctx, c, tab);
    if (st == ADS_OK) st = pool_kernel(ctx, "pool_sep_grad_pos", &l.kernel);
    for (cl_uint i = 0; i < 3 && st == ADS_OK; i++) st = ads_arg_mem(l.kernel, i, l.reads[i]);
    if (st == ADS_OK) st = ads_arg_int(l.kernel, 3, pool_padded_wo(c));
    if (st == ADS_OK) st = ads_arg_mem(l.kernel, 4, b->gy);
    if (st == ADS_OK) st = ads_arg_mem(l.kernel, 5, b->argmax);
    if (st == ADS_OK) st = pool_set_geometry(l.kernel, 6, c);
    if (st == ADS_OK) st = ads_arg_mem(l.kernel, 21, prow);
    if (st == ADS_OK) st = ads_arg_mem(l.kernel, 22, pcol);
    if (st == ADS_OK) st = ads_arg_local(l.kernel, 23, local);
    l.dims = 1;
    l.global[0] = (size_t)c->N * c->C;
    l.local[0] = group;
    if (st == ADS_OK) st = ads_enqueue(ctx, &l);
    ads_workspace_release(ctx, tab);
    return st;
}

/* g_py and g_px (either may be NULL): per-channel partials of both in one
   pass over the outputs, then their sums over the channels. */
static ads_status sep_grad_pos(ads_context *ctx, const pool_bwd *b)
{
    const pool_call *c = b->c;
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
    ads_launch l = {.nreads = 3, .nwrites = 1, .reads = {c->grid, b->gy, b->argmax},
                    .writes = {b->gx}};
    ADS_TRY(pool_kernel(ctx, "pool_grid_backward_gx", &l.kernel));
    for (cl_uint i = 0; i < 3; i++) ADS_TRY(ads_arg_mem(l.kernel, i, l.reads[i]));
    ADS_TRY(ads_arg_mem(l.kernel, 18, b->gx));
    return launch(ctx, &l, 3, c, (size_t)c->N * c->C);
}

static ads_status grid_grad_pos(ads_context *ctx, const pool_bwd *b)
{
    const pool_call *c = b->c;
    ads_launch l = {.nreads = 4, .nwrites = 1, .reads = {c->x, c->grid, b->gy, b->argmax},
                    .writes = {b->gat.grid}};
    ADS_TRY(pool_kernel(ctx, "pool_grid_grad_pos", &l.kernel));
    for (cl_uint i = 0; i < 4; i++) ADS_TRY(ads_arg_mem(l.kernel, i, l.reads[i]));
    ADS_TRY(ads_arg_mem(l.kernel, 19, b->gat.grid));
    return launch(ctx, &l, 4, c, (size_t)c->N * c->Ho * c->Wo);
}

static ads_status run_backward(ads_context *ctx, const pool_bwd *b)
{
    switch (b->c->kind) {
    case POOL_FIXED:
        return b->gx ? rows_gx(ctx, b) : ADS_OK;
    case POOL_SEPARABLE:
        if (b->gx) ADS_TRY(rows_gx(ctx, b));
        return b->gat.py || b->gat.px ? sep_grad_pos(ctx, b) : ADS_OK;
    case POOL_GRID:
        if (b->gx) ADS_TRY(grid_gx(ctx, b));
        return b->gat.grid ? grid_grad_pos(ctx, b) : ADS_OK;
    }
    return ADS_OK;
}

ads_status ads_pool_backward_ex_on_device(ads_context *ctx, const ads_pool_desc *d,
                                          const ads_tensor *x, ads_sampling at,
                                          const ads_tensor *argmax, const ads_tensor *gy,
                                          ads_tensor *gx, ads_sampling_grad gat)
{
    pool_call c;
    ADS_TRY(pool_prepare(ctx, d, x, at, &c));
    ADS_TRY(check_backward(&c, argmax, gy, gx, gat));
    if (!gx && !gat.py && !gat.px && !gat.grid) return ADS_OK;
    pool_bwd b = {.c = &c, .gy = gy, .argmax = argmax ? argmax : gy, .gx = gx, .gat = gat};
    ads_tensor *winners = NULL;
    if (d->mode == ADS_POOL_MAX && !argmax) {
        /* Recompute the winners with the forward kernel. */
        ADS_TRY(ads_workspace_acquire(ctx, (size_t)c.N * c.C * c.Ho * c.Wo, &winners));
        ads_status st = pool_enqueue_forward(ctx, &c, NULL, winners);
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
