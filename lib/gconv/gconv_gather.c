/* The gather-convolution's gather: the kernels, their geometry, the tap
   tables of the positions and the column gather. */
#include "gconv_gather.h"

#include <stdio.h>

#include "tuning.h"
#include "workspace.h"

void ads_gconv_geom(ads_launcher *l, const gconv_plan *p)
{
    const int v[14] = {p->C,  p->H,  p->W,  p->Ho, p->Wo, p->kh, p->kw,
                       p->sh, p->sw, p->ph, p->pw, p->dh, p->dw, (int)p->kind};
    ads_launch_ints(l, v, 14);
}

/* The largest power of two within `tuned`, or the one at or above `n`
   when that is smaller: never much wider than the work, since on small
   images most of a wide group would exit at once, and on PoCL every
   work-item of a group costs its loop turn whether it works or not.
   Powers of two keep the distinct sizes (each a compile on PoCL) few. */
static int group_within(int tuned, long n)
{
    int size = 1;
    while (size * 2 <= tuned && size < n) size *= 2;
    return size;
}

int ads_gconv_pixel_local(const ads_context *ctx, long items)
{
    return group_within(ads_tune(ctx, "gconv.pixel_local"), items);
}

void ads_gconv_launch(ads_launcher *l, ads_context *ctx, const gconv_plan *p, const char *name)
{
    char options[32];
    if (p->item_pixel) snprintf(options, sizeof options, "-DGC_ITEM_PIXEL");
    else snprintf(options, sizeof options, "-DGC_CB=%d", p->col_channels);
    ads_launch_kernel(l, ctx, "gconv", options, name);
}

void ads_gconv_backward_launch(ads_launcher *l, ads_context *ctx, const char *name)
{
    ads_launch_kernel(l, ctx, "gconv_backward", "", name);
}

void ads_gconv_depthwise_launch(ads_launcher *l, ads_context *ctx, const gconv_plan *p,
                                const char *name)
{
    char options[64];
    snprintf(options, sizeof options, "-DKH=%d -DKW=%d", p->kh, p->kw);
    ads_launch_kernel(l, ctx, "gconv_depthwise", options, name);
}

void ads_gconv_gcol_launch(ads_launcher *l, ads_context *ctx, const gconv_plan *p, const char *name)
{
    const char *options = p->path == GCONV_PATH_DEPTHWISE ? "-DGC_DEPTHWISE" : "";
    ads_launch_kernel(l, ctx, "gconv_backward", options, name);
}

int ads_gconv_rows_local(const ads_context *ctx, int rows)
{
    return group_within(ads_tune(ctx, "gconv.rows_local"), rows);
}

/* The tap tables of the chunk's positions: the separable row and column
   tables (gconv_sep_taps), or the full grid's per-(tap, output) table
   (gconv_grid_taps). */
static ads_status fill_taps(ads_context *ctx, const gconv_plan *p, int n0, int nb, int stream,
                            ads_tensor *tab)
{
    bool grid = p->kind == ADS_SAMPLING_GRID, lanes = grid && !p->item_pixel;
    ads_launcher l;
    ads_gconv_launch(&l, ctx, p,
                     lanes  ? "gconv_grid_taps16"
                     : grid ? "gconv_grid_taps"
                            : "gconv_sep_taps");
    ads_launch_stream(&l, stream);
    ads_launch_in(&l, p->pa);
    if (!grid) ads_launch_in(&l, p->pb);
    ads_launch_out(&l, tab);
    ads_launch_int(&l, n0);
    ads_gconv_geom(&l, p);
    if (grid) { /* a work-item per entry, or per 16 on CPUs (gconv_grid_taps16) */
        size_t items = lanes ? ((size_t)p->P + 15) / 16 : (size_t)p->P;
        return ads_launch_run(&l, 3, (size_t[]){items, (size_t)p->kh * p->kw, (size_t)nb},
                              (size_t[])GCONV_LOCAL);
    }
    return ads_launch_run(&l, 2, (size_t[]){(size_t)ads_gconv_taps_size(p) / 4, (size_t)nb},
                          (size_t[])GCONV_LOCAL);
}

ads_status ads_gconv_tap_table(ads_context *ctx, const gconv_plan *p, int n0, int nb, int stream,
                               ads_tensor **tab)
{
    *tab = NULL;
    if (p->kind == ADS_SAMPLING_FIXED) return ADS_OK;
    ADS_TRY(ads_workspace_acquire(ctx, (size_t)nb * (size_t)ads_gconv_taps_size(p), tab));
    ads_status st = fill_taps(ctx, p, n0, nb, stream, *tab);
    if (st != ADS_OK) {
        ads_workspace_release(ctx, *tab);
        *tab = NULL;
    }
    return st;
}

ads_status ads_gconv_im2col(ads_context *ctx, const gconv_plan *p, const ads_tensor *x,
                            const ads_tensor *tab, int n0, int nb, int stream, int tn,
                            ads_tensor *col)
{
    static const char *const names[3] = {"gconv_im2col_fixed", "gconv_im2col_sep",
                                         "gconv_im2col_grid"};
    static const char *const local_rows[3] = {NULL, "gconv_im2col_sep_rows",
                                              "gconv_im2col_grid_rows"};
    ads_launcher l;
    ads_gconv_launch(&l, ctx, p, p->local_rows ? local_rows[p->kind] : names[p->kind]);
    ads_launch_stream(&l, stream);
    ads_launch_in(&l, x);
    if (p->kind != ADS_SAMPLING_FIXED) ads_launch_in(&l, tab);
    ads_launch_out(&l, col);
    ads_launch_int(&l, n0);
    ads_launch_int(&l, p->G);
    ads_launch_int(&l, tn);
    ads_gconv_geom(&l, p);
    if (p->local_rows) ads_launch_local(&l, (size_t)ads_gconv_local_rows_bytes(p));
    /* One work-item per column entry (pixel shape) or per tap of a block
       of col_channels channels of one group (row shape; a work-group per
       block). */
    bool pixel = p->item_pixel;
    size_t taps = (size_t)p->kh * p->kw;
    size_t Cg = (size_t)(p->C / p->G), cb = (size_t)p->col_channels;
    size_t items = pixel ? (size_t)p->C : (size_t)p->G * ((Cg + cb - 1) / cb);
    size_t global[3] = {pixel ? (size_t)p->P : 1, taps, (size_t)nb * items};
    size_t local[3] = {pixel ? (size_t)ads_gconv_pixel_local(ctx, p->P) : 1, pixel ? 1 : taps, 1};
    return ads_launch_run(&l, 3, global, local);
}

ads_status ads_gconv_block_channels(ads_context *ctx, const gconv_plan *p, const ads_tensor *x,
                                    int n0, int nb, ads_tensor *xb)
{
    ads_launcher l;
    ads_gconv_depthwise_launch(&l, ctx, p, "gconv_dw_block_channels");
    ads_launch_in(&l, x);
    ads_launch_out(&l, xb);
    ads_launch_int(&l, n0);
    ads_gconv_geom(&l, p);
    size_t global[2] = {(size_t)p->H, (size_t)nb * (size_t)ads_gconv_dw_blocks(p)};
    size_t local[2] = {(size_t)ads_gconv_rows_local(ctx, p->H), 1};
    return ads_launch_run(&l, 2, global, local);
}
