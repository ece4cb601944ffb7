/* Pooling backward (DESIGN.md 1.5): g_x and the position gradients, all
   deterministic (no float atomics). The fixed grid and separable positions
   gather g_x per input pixel; a grid scatters per (n,c) plane in one
   work-item; position gradients are fixed-order reductions. */
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

static ads_status fixed_gx(ads_context *ctx, const pool_bwd *b)
{
    const pool_call *c = b->c;
    ads_launch l = {.nreads = 2, .nwrites = 1, .reads = {b->gy, b->argmax}, .writes = {b->gx}};
    ADS_TRY(pool_kernel(ctx, "pool_fixed_backward_gx", &l.kernel));
    ADS_TRY(ads_arg_mem(l.kernel, 0, b->gy));
    ADS_TRY(ads_arg_mem(l.kernel, 1, b->argmax));
    ADS_TRY(ads_arg_mem(l.kernel, 17, b->gx));
    return launch(ctx, &l, 2, c, (size_t)c->N * c->C * c->H * c->W);
}

/* The counting-sort index of one axis (pool_sep_index in cl/pool.cl). */
static ads_status sep_index(ads_context *ctx, const pool_call *c, const ads_tensor *pos, int L,
                            int k, int dil, int pad, int n_in, ads_tensor *start,
                            ads_tensor *entries)
{
    cl_kernel kern;
    ADS_TRY(pool_kernel(ctx, "pool_sep_index", &kern));
    int v[6] = {c->N, L, k, dil, pad, n_in};
    ADS_TRY(ads_arg_mem(kern, 0, pos));
    for (cl_uint i = 0; i < 6; i++) ADS_TRY(ads_arg_int(kern, 1 + i, v[i]));
    ADS_TRY(ads_arg_mem(kern, 7, start));
    ADS_TRY(ads_arg_mem(kern, 8, entries));
    ads_launch l = {.kernel = kern, .global = {(size_t)c->N}, .nreads = 1, .nwrites = 2,
                    .reads = {pos}, .writes = {start, entries}};
    return pool_enqueue(ctx, &l);
}

static ads_status sep_gather(ads_context *ctx, const pool_bwd *b, ads_tensor *const ws[4])
{
    const pool_call *c = b->c;
    ads_launch l = {.nreads = 8, .nwrites = 1, .writes = {b->gx},
                    .reads = {c->py, c->px, b->gy, b->argmax, ws[0], ws[1], ws[2], ws[3]}};
    ADS_TRY(pool_kernel(ctx, "pool_sep_backward_gx", &l.kernel));
    for (cl_uint i = 0; i < 8; i++) ADS_TRY(ads_arg_mem(l.kernel, i, l.reads[i]));
    ADS_TRY(ads_arg_mem(l.kernel, 23, b->gx));
    return launch(ctx, &l, 8, c, (size_t)c->N * c->C * c->H * c->W);
}

static ads_status sep_gx(ads_context *ctx, const pool_bwd *b)
{
    const pool_call *c = b->c;
    const ads_pool_desc *d = &c->d;
    size_t counts[4] = {(size_t)c->N * (c->H + 1), (size_t)c->N * c->Ho * d->kh * 2,
                        (size_t)c->N * (c->W + 1), (size_t)c->N * c->Wo * d->kw * 2};
    ads_tensor *ws[4] = {NULL, NULL, NULL, NULL};
    ads_status st = ADS_OK;
    for (int i = 0; i < 4 && st == ADS_OK; i++) st = ads_workspace_acquire(ctx, counts[i], &ws[i]);
    if (st == ADS_OK)
        st = sep_index(ctx, c, c->py, c->Ho, d->kh, d->dil_h, d->pad_h, c->H, ws[0], ws[1]);
    if (st == ADS_OK)
        st = sep_index(ctx, c, c->px, c->Wo, d->kw, d->dil_w, d->pad_w, c->W, ws[2], ws[3]);
    if (st == ADS_OK) st = sep_gather(ctx, b, ws);
    for (int i = 0; i < 4; i++) ads_workspace_release(ctx, ws[i]);
    return st;
}

/* g_py (axis 0) or g_px (axis 1): per-channel partials, then their sum. */
static ads_status sep_grad_pos(ads_context *ctx, const pool_bwd *b, int axis, ads_tensor *out)
{
    const pool_call *c = b->c;
    size_t rows = (size_t)c->N * (axis ? c->Wo : c->Ho);
    ads_tensor *part;
    ADS_TRY(ads_workspace_acquire(ctx, rows * c->C, &part));
    ads_launch l = {.nreads = 5, .nwrites = 1, .writes = {part},
                    .reads = {c->x, c->py, c->px, b->gy, b->argmax}};
    ads_status st = pool_kernel(ctx, "pool_sep_grad_pos", &l.kernel);
    for (cl_uint i = 0; i < 5 && st == ADS_OK; i++) st = ads_arg_mem(l.kernel, i, l.reads[i]);
    if (st == ADS_OK) st = ads_arg_int(l.kernel, 20, axis);
    if (st == ADS_OK) st = ads_arg_mem(l.kernel, 21, part);
    if (st == ADS_OK) st = launch(ctx, &l, 5, c, rows * c->C);
    ads_launch r = {.nreads = 1, .nwrites = 1, .reads = {part}, .writes = {out},
                    .global = {rows}};
    if (st == ADS_OK) st = pool_kernel(ctx, "pool_reduce_channels", &r.kernel);
    if (st == ADS_OK) st = ads_arg_mem(r.kernel, 0, part);
    if (st == ADS_OK) st = ads_arg_long(r.kernel, 1, (int64_t)rows);
    if (st == ADS_OK) st = ads_arg_int(r.kernel, 2, c->C);
    if (st == ADS_OK) st = ads_arg_mem(r.kernel, 3, out);
    if (st == ADS_OK) st = pool_enqueue(ctx, &r);
    ads_workspace_release(ctx, part);
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
        return b->gx ? fixed_gx(ctx, b) : ADS_OK;
    case POOL_SEPARABLE:
        if (b->gx) ADS_TRY(sep_gx(ctx, b));
        if (b->gat.py) ADS_TRY(sep_grad_pos(ctx, b, 0, b->gat.py));
        return b->gat.px ? sep_grad_pos(ctx, b, 1, b->gat.px) : ADS_OK;
    case POOL_GRID:
        if (b->gx) ADS_TRY(grid_gx(ctx, b));
        return b->gat.grid ? grid_grad_pos(ctx, b) : ADS_OK;
    }
    return ADS_OK;
}

ads_status ads_pool_backward_ex(ads_context *ctx, const ads_pool_desc *d, const ads_tensor *x,
                                ads_sampling at, const ads_tensor *argmax, const ads_tensor *gy,
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

ads_status ads_pool_backward(ads_context *ctx, const ads_pool_desc *d, const ads_tensor *x,
                             ads_sampling at, const ads_tensor *gy, ads_tensor *gx,
                             ads_sampling_grad gat)
{
    return ads_pool_backward_ex(ctx, d, x, at, NULL, gy, gx, gat);
}
