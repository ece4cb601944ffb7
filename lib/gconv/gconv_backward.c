/* Gather-convolution backward (docs/design.md 1.4). Per chunk of images:
   gcol = W^T gy (ads_gemm), then gx gathered from gcol by one work-item
   per input row, or per input element in the pixel shape (GPUs), in a
   fixed order (no atomics; separable and full-grid positions through a
   per-image index of the taps touching each row, and for the separable
   pixel shape each column)
   and the position gradients from one pass over gcol and the input rows
   (separable: per-(channel, tap) shares, then their ordered sums; grid:
   one work-item per output pixel over every channel); gw = gy col^T, one
   product per chunk with the images side by side, accumulated over
   chunks on stream 1 beside the rest; gb = the sum of gy (a work-group
   per output channel). The depthwise path never stores gcol (its kernels
   form w[c,t] * gy where they read it) and takes gw as per-row (pixel
   shape: per-plane) shares from x and gy (cl/gconv_depthwise.cl); with
   separable positions on CPUs, every gradient of a plane in one launch
   (the plane shape, backward_plane). */
#include "gconv_gather.h"
#include "gemm.h"
#include "ops_device.h"
#include "workspace.h"

/* The gw branch (its column gather and products) reads only x, the
   positions and gy, so it runs on its own queue beside gx and the
   position gradients; the tensors' events keep both correct. */
#define GW_STREAM 1

typedef struct {
    const gconv_plan *p;
    const ads_tensor *x, *w, *gy;
    ads_tensor *gx, *gw, *gb;
    ads_sampling_grad gat;
    /* Workspaces, NULL when not needed: the columns for gw and gy beside
       them (images side by side), the column gradient, the separable gx
       index and position shares, the depthwise gw shares. */
    ads_tensor *col, *gys, *gcol, *index, *part, *dw_part;
    ads_tensor *xb;  /* the channel-blocked x (dw_blocked), or NULL */
    ads_tensor *tab; /* the chunk's tap table for gx and the positions, or NULL */
    /* What the gcol-reading kernels read as gcol: the column gradient, or
       gy on the depthwise path, whose kernels form w[c,t] * gy on the fly
       (gconv_gcol_kernel) instead of storing the columns. */
    const ads_tensor *gsrc;
} job;

static ads_status grad_bias(ads_context *ctx, const job *j)
{
    ads_launcher l;
    ads_gconv_backward_launch(&l, ctx, "gconv_grad_bias");
    ads_launch_in(&l, j->gy);
    ads_launch_out(&l, j->gb);
    ads_launch_int(&l, j->p->N);
    ads_launch_int(&l, j->p->Cout);
    ads_launch_int(&l, (int)j->p->P);
    /* One work-group of 16 (GB_LOCAL in gconv.cl) per output channel. */
    return ads_launch_run(&l, 1, (size_t[]){(size_t)j->p->Cout * 16}, (size_t[]){16});
}

/* The depthwise gw shares of the chunk (see ads_gconv_dw_share_rows):
   each output row's (gconv_dw_gw_<kind>), or each plane's, reduced by its
   work-group (gconv_dw_gw_pixel), reading x through the chunk's own tap
   table. */
static ads_status depthwise_shares(ads_context *ctx, const job *j, int n0, int nb,
                                   const ads_tensor *tab)
{
    static const char *const names[3] = {"gconv_dw_gw_fixed", "gconv_dw_gw_sep",
                                         "gconv_dw_gw_grid"};
    const gconv_plan *p = j->p;
    ads_launcher l;
    ads_gconv_depthwise_launch(&l, ctx, p, p->item_pixel ? "gconv_dw_gw_pixel" : names[p->kind]);
    ads_launch_stream(&l, GW_STREAM);
    ads_launch_in(&l, j->x);
    if (p->item_pixel) ads_launch_in_or(&l, tab, j->x); /* no table at the fixed stride */
    else if (tab) ads_launch_in(&l, tab);
    ads_launch_in(&l, j->gy);
    ads_launch_out(&l, j->dw_part);
    ads_launch_int(&l, n0);
    ads_gconv_geom(&l, p);
    if (!p->item_pixel) {
        size_t global[2] = {(size_t)p->Ho, (size_t)nb * p->C};
        size_t local[2] = {(size_t)ads_gconv_rows_local(ctx, p->Ho), 1};
        return ads_launch_run(&l, 2, global, local);
    }
    /* One work-group per plane, exactly as wide as dimension 0, whose
       shares (kh*kw + 1 floats a work-item) take at most half the
       device's local memory. */
    size_t group = ads_launch_group_pow2(&l, (size_t)ads_gconv_pixel_local(ctx, p->P));
    size_t share_bytes = ((size_t)p->kh * p->kw + 1) * sizeof(float);
    size_t local_mem = ads_device_of_call(ctx)->info.local_mem_bytes;
    while (group > 1 && group * share_bytes > local_mem / 2) group /= 2;
    ads_launch_local(&l, group * share_bytes);
    return ads_launch_run(&l, 2, (size_t[]){group, (size_t)nb * p->C}, (size_t[]){group, 1});
}

/* The ordered sums of the chunk's depthwise gw shares onto the earlier
   chunks' (gconv_dw_gw_sum), gb's too when asked for (so gb costs no
   pass of its own: see dw_fuses_gb). */
static ads_status sum_weight_shares(ads_context *ctx, const job *j, int n0, int nb, int stream)
{
    const gconv_plan *p = j->p;
    ads_launcher s;
    ads_gconv_depthwise_launch(&s, ctx, p, "gconv_dw_gw_sum");
    ads_launch_stream(&s, stream);
    ads_launch_in(&s, j->dw_part);
    ads_launch_inout(&s, j->gw);
    ads_launch_ints(&s, (const int[]){n0 == 0, nb, p->C, (int)ads_gconv_dw_share_rows(p)}, 4);
    /* gb's share too (written, and read after the first chunk) */
    ads_launch_out_or(&s, j->gb, j->gw);
    ads_launch_int(&s, j->gb != NULL);
    return ads_launch_run(&s, 2, (size_t[]){(size_t)p->kh * p->kw + 1, (size_t)p->C},
                          (size_t[])GCONV_LOCAL);
}

/* Depthwise gw of the chunk, without columns: the shares of every tap's
   gradient and of gb (depthwise_shares), then their sums
   (sum_weight_shares). */
static ads_status grad_weight_depthwise(ads_context *ctx, const job *j, int n0, int nb)
{
    ADS_TRY(depthwise_shares(ctx, j, n0, nb, j->tab));
    return sum_weight_shares(ctx, j, n0, nb, GW_STREAM);
}

/* The chunk's gy with its images side by side (gconv_gy_side_by_side),
   on the gw stream. */
static ads_status gy_side_by_side(ads_context *ctx, const job *j, int n0, int nb)
{
    const gconv_plan *p = j->p;
    ads_launcher l;
    ads_gconv_backward_launch(&l, ctx, "gconv_gy_side_by_side");
    ads_launch_stream(&l, GW_STREAM);
    ads_launch_in(&l, j->gy);
    ads_launch_out(&l, j->gys);
    ads_launch_ints(&l, (const int[]){n0, nb, p->Cout, (int)p->P}, 4);
    return ads_launch_run(&l, 2, (size_t[]){(size_t)p->Cout, (size_t)nb}, (size_t[])GCONV_LOCAL);
}

/* gw (+)= gy_g col_g^T over the chunk: one product per chunk (batched
   over groups) whose inner dimension is the chunk's nb*P pixels, the
   columns gathered and gy copied with the images side by side; onto the
   earlier chunks' sum unless first. Per image it would be nb products
   with an inner dimension of P, which on small images costs more in
   launches than in arithmetic. */
static ads_status grad_weight(ads_context *ctx, const job *j, int n0, int nb)
{
    const gconv_plan *p = j->p;
    size_t K = (size_t)nb * (size_t)p->P, Kg = (size_t)p->Kg, Og = (size_t)p->Og;
    ads_gemm_args g = {.M = Og,
                       .N = Kg,
                       .K = K,
                       .batch = (size_t)p->G,
                       .trans_b = true,
                       .alpha = 1.0f,
                       .beta = n0 == 0 ? 0.0f : 1.0f,
                       .a = j->gys,
                       .lda = K,
                       .a_batch_stride = Og * K,
                       .b = j->col,
                       .ldb = K,
                       .b_batch_stride = Kg * K,
                       .c = j->gw,
                       .ldc = Kg,
                       .c_batch_stride = Og * Kg,
                       .stream = GW_STREAM};
    if (nb == 1) { /* one image's gy is already in that layout */
        g.a = j->gy;
        g.a_offset = (size_t)n0 * p->Cout * p->P;
    } else {
        ADS_TRY(gy_side_by_side(ctx, j, n0, nb));
    }
    return ads_gemm(ctx, &g);
}

/* gcol = W_g^T gy_g for every group and image of the chunk. */
static ads_status column_grad(ads_context *ctx, const job *j, int n0, int nb)
{
    const gconv_plan *p = j->p;
    size_t P = (size_t)p->P, Kg = (size_t)p->Kg, Og = (size_t)p->Og;
    ads_gemm_args g = {.M = Kg,
                       .N = P,
                       .K = Og,
                       .trans_a = true,
                       .alpha = 1.0f,
                       .beta = 0.0f,
                       .a = j->w,
                       .lda = Kg,
                       .b = j->gy,
                       .ldb = P,
                       .c = j->gcol,
                       .ldc = P};
    bool by_group = p->G <= nb;
    int outer = by_group ? p->G : nb;
    g.batch = by_group ? (size_t)nb : (size_t)p->G;
    g.a_batch_stride = by_group ? 0 : Og * Kg;
    g.b_batch_stride = by_group ? (size_t)p->Cout * P : Og * P;
    g.c_batch_stride = by_group ? (size_t)p->rows * P : Kg * P;
    for (int q = 0; q < outer; q++) {
        size_t gi = by_group ? (size_t)q : 0, bi = by_group ? 0 : (size_t)q;
        g.a_offset = gi * Og * Kg;
        g.b_offset = ((size_t)n0 + bi) * p->Cout * P + gi * Og * P;
        g.c_offset = bi * (size_t)p->rows * P + gi * Kg * P;
        ADS_TRY(ads_gemm(ctx, &g));
    }
    return ADS_OK;
}

/* The full-grid index of the chunk's images, from their tap table. */
static ads_status build_grid_index(ads_context *ctx, const job *j, int nb)
{
    ads_launcher l;
    ads_gconv_backward_launch(&l, ctx, "gconv_grid_index");
    ads_launch_in(&l, j->tab);
    ads_launch_out(&l, j->index);
    ads_gconv_geom(&l, j->p);
    /* Serial work-items without a bounds guard: one per image. */
    return ads_launch_run(&l, 1, (size_t[]){(size_t)nb}, (size_t[]){1});
}

/* The separable row and column indexes of the chunk's images
   (gconv_sep_index). */
static ads_status build_index(ads_context *ctx, const job *j, int n0, int nb)
{
    ads_launcher l;
    ads_gconv_backward_launch(&l, ctx, "gconv_sep_index");
    ads_launch_in(&l, j->p->pa);
    ads_launch_in(&l, j->p->pb);
    ads_launch_out(&l, j->index);
    ads_launch_int(&l, n0);
    ads_gconv_geom(&l, j->p);
    /* Serial work-items without a bounds guard: one per image. */
    return ads_launch_run(&l, 1, (size_t[]){(size_t)nb}, (size_t[]){1});
}

/* gx of the chunk's images from the column gradient (j->gsrc), by the
   sampling kind; on the depthwise path with the fixed stride, directly
   from gy and w. */
static ads_status grad_input(ads_context *ctx, const job *j, int n0, int nb)
{
    const gconv_plan *p = j->p;
    ads_launcher l;
    bool pixel = false; /* the row shape unless set below (the grid col2im has no other) */
    if (p->kind == ADS_SAMPLING_FIXED && p->path == GCONV_PATH_DEPTHWISE) {
        pixel = p->item_pixel;
        ads_gconv_depthwise_launch(&l, ctx, p,
                                   pixel ? "gconv_dw_gx_fixed_pixel" : "gconv_dw_gx_fixed");
        ads_launch_in(&l, j->w);
        ads_launch_in(&l, j->gy);
    } else if (p->kind == ADS_SAMPLING_FIXED) {
        pixel = p->item_pixel;
        ads_gconv_backward_launch(&l, ctx,
                                  pixel ? "gconv_col2im_fixed_pixel" : "gconv_col2im_fixed");
        ads_launch_in(&l, j->gcol);
    } else if (p->kind == ADS_SAMPLING_SEPARABLE) {
        /* One work-item per input row (its column taps' sums in local
           memory) or, in the pixel shape and where a row's sums do not
           fit, per input element, gathers its taps through the row and
           column indexes in the same order. */
        pixel = !p->sep_col2im_rows;
        ADS_TRY(build_index(ctx, j, n0, nb));
        ads_gconv_gcol_launch(&l, ctx, p, pixel ? "gconv_col2im_sep_pixel" : "gconv_col2im_sep");
        ads_launch_in(&l, j->gsrc);
        ads_launch_in(&l, j->w);
        ads_launch_in(&l, j->index);
    } else {
        /* One work-item per input row gathers its taps in index order. */
        ADS_TRY(build_grid_index(ctx, j, nb));
        ads_gconv_gcol_launch(&l, ctx, p, "gconv_col2im_grid");
        ads_launch_in(&l, j->gsrc);
        ads_launch_in(&l, j->w);
        ads_launch_in(&l, j->tab);
        ads_launch_in(&l, j->index);
    }
    ads_launch_out(&l, j->gx);
    ads_launch_int(&l, n0);
    ads_gconv_geom(&l, p);
    /* One work-item per input row (or, in the pixel shape, element) of
       every (image, channel) of the chunk; for the full grid, per input
       row of a block of channels, which share the index and table reads
       (one channel on GPUs, where work-items are what a block would
       take away). */
    bool grid = p->kind == ADS_SAMPLING_GRID;
    size_t cb = grid && !p->item_pixel && p->path == GCONV_PATH_GEMM ? (size_t)p->col_channels : 1;
    if (grid) ads_launch_int(&l, (int)cb);
    size_t HW = (size_t)p->H * (size_t)p->W;
    size_t global[2] = {pixel ? HW : (size_t)p->H, (size_t)nb * (((size_t)p->C + cb - 1) / cb)};
    size_t local[2] = {pixel ? (size_t)ads_gconv_pixel_local(ctx, (long)HW)
                             : (size_t)ads_gconv_rows_local(ctx, p->H),
                       1};
    if (!pixel && p->kind == ADS_SAMPLING_SEPARABLE)
        ads_launch_local(&l, (size_t)ads_gconv_col2im_sep_bytes(p, (int)local[0]));
    return ads_launch_run(&l, 2, global, local);
}

static ads_status sum_position_shares(ads_context *ctx, const job *j, int n0, int nb,
                                      int64_t shares);

/* gpy and/or gpx of the chunk's images: per (image, channel, tap) shares
   from one pass over gcol and the input rows (gconv_grad_sep_part), then
   their sums (sum_position_shares). */
static ads_status grad_sep(ads_context *ctx, const job *j, int n0, int nb)
{
    const gconv_plan *p = j->p;
    ads_launcher l;
    bool rows = p->sep_part_rows;
    ads_gconv_gcol_launch(&l, ctx, p, rows ? "gconv_grad_sep_part_rows" : "gconv_grad_sep_part");
    ads_launch_in(&l, j->x);
    ads_launch_in(&l, j->gsrc);
    ads_launch_in(&l, j->w);
    ads_launch_in(&l, j->tab);
    ads_launch_out(&l, j->part);
    ads_launch_int(&l, nb);
    ads_launch_int(&l, n0);
    ads_gconv_geom(&l, p);
    if (rows) ads_launch_local(&l, (size_t)ads_gconv_grad_sep_rows_bytes(p));
    ADS_TRY(ads_launch_run(&l, 1, (size_t[]){(size_t)nb * (size_t)p->rows}, (size_t[])GCONV_LOCAL));
    return sum_position_shares(ctx, j, n0, nb, p->rows);
}

/* gpy and/or gpx of the chunk's images: the sums of their `shares`
   shares per image in a fixed order (gconv_grad_sep_sum). */
static ads_status sum_position_shares(ads_context *ctx, const job *j, int n0, int nb,
                                      int64_t shares)
{
    const gconv_plan *p = j->p;
    ads_launcher s;
    ads_gconv_backward_launch(&s, ctx, "gconv_grad_sep_sum");
    ads_launch_in(&s, j->part);
    /* The kernel writes the gradients the mask names; an absent one's
       argument is the other (never written). */
    ads_launch_out_or(&s, j->gat.py, j->gat.px);
    ads_launch_out_or(&s, j->gat.px, j->gat.py);
    ads_launch_int(&s, (j->gat.py ? 1 : 0) | (j->gat.px ? 2 : 0));
    ads_launch_int(&s, n0);
    ads_launch_long(&s, shares);
    ads_gconv_geom(&s, p);
    return ads_launch_run(&s, 2, (size_t[]){(size_t)p->Ho + (size_t)p->Wo, (size_t)nb},
                          (size_t[])GCONV_LOCAL);
}

/* The grid gradient: a work-item per output on GPUs, per 16 outputs
   (one per vector lane: gconv_grad_grid16) on CPUs. */
static ads_status grad_grid(ads_context *ctx, const job *j, int n0, int nb)
{
    const gconv_plan *p = j->p;
    bool lanes = !p->item_pixel && p->int_offsets;
    ads_launcher l;
    ads_gconv_gcol_launch(&l, ctx, p, lanes ? "gconv_grad_grid16" : "gconv_grad_grid");
    ads_launch_in(&l, j->x);
    ads_launch_in(&l, j->gsrc);
    ads_launch_in(&l, j->w);
    ads_launch_in(&l, j->tab);
    ads_launch_out(&l, j->gat.grid);
    ads_launch_int(&l, n0);
    ads_gconv_geom(&l, p);
    size_t items = lanes ? ((size_t)p->P + 15) / 16 : (size_t)p->P;
    return ads_launch_run(&l, 2, (size_t[]){items, (size_t)nb}, (size_t[])GCONV_LOCAL);
}

/* The gradients from gcol: gx and the position gradients. */
static ads_status from_gcol(ads_context *ctx, const job *j, int n0, int nb)
{
    ADS_TRY(j->gx ? grad_input(ctx, j, n0, nb) : ADS_OK);
    ADS_TRY(j->gat.py || j->gat.px ? grad_sep(ctx, j, n0, nb) : ADS_OK);
    return j->gat.grid ? grad_grid(ctx, j, n0, nb) : ADS_OK;
}

/* The separable depthwise plane shape: every gradient of the chunk's
   planes in one launch through one tap table (gconv_dw_backward_plane:
   gx, and the planes' shares of gw and gb and of the positions), then
   the sums of those shares. */
static ads_status backward_plane(ads_context *ctx, const job *j, int n0, int nb)
{
    const gconv_plan *p = j->p;
    bool gpos = j->gat.py || j->gat.px;
    ads_tensor *tab;
    ADS_TRY(ads_gconv_tap_table(ctx, p, n0, nb, 0, &tab));
    ads_launcher l;
    ads_gconv_depthwise_launch(&l, ctx, p, "gconv_dw_backward_plane");
    ads_launch_in(&l, j->x);
    ads_launch_in(&l, tab);
    ads_launch_in(&l, j->w);
    ads_launch_in(&l, j->gy);
    ads_launch_out_or(&l, j->gx, j->x); /* the absent ones are never written */
    ads_launch_out_or(&l, j->gw ? j->dw_part : NULL, j->x);
    ads_launch_out_or(&l, gpos ? j->part : NULL, j->x);
    /* DWP_GX, DWP_GW and DWP_POS in the kernel */
    ads_launch_int(&l, (j->gx ? 1 : 0) | (j->gw ? 2 : 0) | (gpos ? 4 : 0));
    ads_launch_int(&l, n0);
    ads_gconv_geom(&l, p);
    ads_launch_local(&l, (size_t)ads_gconv_dw_plane_bytes(p, true));
    ads_status st = ads_launch_run(&l, 1, (size_t[]){(size_t)nb * p->C}, (size_t[]){1});
    ads_workspace_release(ctx, tab);
    ADS_TRY(st);
    if (j->gw) ADS_TRY(sum_weight_shares(ctx, j, n0, nb, 0));
    return gpos ? sum_position_shares(ctx, j, n0, nb, p->C) : ADS_OK;
}

/* The full-grid depthwise channel-blocked shape: x's chunk in channel
   blocks (when gw or ggrid reads it), every gradient of each block in one
   launch through one tap table (gconv_dw_grid_blocked_backward, gx summed
   in local memory), then the sums of the gw and ggrid shares. */
static ads_status backward_blocked(ads_context *ctx, const job *j, int n0, int nb)
{
    const gconv_plan *p = j->p;
    bool ggrid = j->gat.grid != NULL;
    ads_tensor *tab;
    ADS_TRY(ads_gconv_tap_table(ctx, p, n0, nb, 0, &tab));
    ads_status st = j->xb ? ads_gconv_block_channels(ctx, p, j->x, n0, nb, j->xb) : ADS_OK;
    ads_launcher l;
    ads_gconv_depthwise_launch(&l, ctx, p, "gconv_dw_grid_blocked_backward");
    ads_launch_in_or(&l, j->xb, j->x); /* unread without gw and ggrid */
    ads_launch_in(&l, tab);
    ads_launch_in(&l, j->w);
    ads_launch_in(&l, j->gy);
    ads_launch_out_or(&l, j->gx, j->x); /* the absent ones are never written */
    ads_launch_out_or(&l, j->gw ? j->dw_part : NULL, j->x);
    ads_launch_out_or(&l, ggrid ? j->part : NULL, j->x);
    /* DWP_GX, DWP_GW and DWP_POS in the kernel */
    ads_launch_int(&l, (j->gx ? 1 : 0) | (j->gw ? 2 : 0) | (ggrid ? 4 : 0));
    ads_launch_int(&l, n0);
    ads_gconv_geom(&l, p);
    /* the gx block; a token 64 bytes without gx (a local argument has a size) */
    ads_launch_local(&l, j->gx ? (size_t)ads_gconv_dw_blocked_gx_bytes(p) : 64);
    size_t blocks = (size_t)nb * (size_t)ads_gconv_dw_blocks(p);
    if (st == ADS_OK) st = ads_launch_run(&l, 1, &blocks, (size_t[]){1});
    ads_workspace_release(ctx, tab);
    ADS_TRY(st);
    if (j->gw) ADS_TRY(sum_weight_shares(ctx, j, n0, nb, 0));
    if (!ggrid) return ADS_OK;
    ads_launcher s;
    ads_gconv_depthwise_launch(&s, ctx, p, "gconv_dw_grid_pos_sum");
    ads_launch_in(&s, j->part);
    ads_launch_out(&s, j->gat.grid);
    ads_launch_int(&s, n0);
    ads_gconv_geom(&s, p);
    return ads_launch_run(&s, 2, (size_t[]){(size_t)p->P, (size_t)nb}, (size_t[])GCONV_LOCAL);
}

/* The chunk's gradients through one tap table (j->tab): gw on its own
   stream, then gcol, gx and the position gradients. */
static ads_status chunk_gradients(ads_context *ctx, const job *j, int n0, int nb)
{
    if (j->gw && j->p->path == GCONV_PATH_DEPTHWISE) {
        ADS_TRY(grad_weight_depthwise(ctx, j, n0, nb));
    } else if (j->gw) {
        ADS_TRY(ads_gconv_im2col(ctx, j->p, j->x, j->tab, n0, nb, GW_STREAM, -nb, j->col));
        ADS_TRY(grad_weight(ctx, j, n0, nb));
    }
    if (!j->gx && !j->gat.py && !j->gat.px && !j->gat.grid) return ADS_OK;
    if (j->p->path != GCONV_PATH_DEPTHWISE) ADS_TRY(column_grad(ctx, j, n0, nb));
    return from_gcol(ctx, j, n0, nb);
}

static ads_status backward_chunk(ads_context *ctx, job *j, int n0, int nb)
{
    if (j->p->dw_plane) return backward_plane(ctx, j, n0, nb);
    if (j->p->dw_blocked) return backward_blocked(ctx, j, n0, nb);
    /* One tap table for the gw branch and for gx and the position
       gradients, built first on the stream of the branch that starts
       first; the table's events make the other wait for it. */
    bool gpos = j->gat.py || j->gat.px || j->gat.grid;
    bool used = j->gw || gpos || (j->gx && ads_gconv_gx_reads_taps(j->p));
    j->tab = NULL;
    if (used) ADS_TRY(ads_gconv_tap_table(ctx, j->p, n0, nb, j->gw ? GW_STREAM : 0, &j->tab));
    ads_status st = chunk_gradients(ctx, j, n0, nb);
    /* released after its last use is enqueued: its events order what
       reuses the workspace */
    ads_workspace_release(ctx, j->tab);
    j->tab = NULL;
    return st;
}

static ads_status acquire(ads_context *ctx, bool need, size_t count, ads_tensor **out)
{
    *out = NULL;
    return need ? ads_workspace_acquire(ctx, count, out) : ADS_OK;
}

ads_status ads_gconv_backward_on_device(ads_context *ctx, const ads_device *dev,
                                        const ads_conv_desc *d, const ads_tensor *x,
                                        const ads_tensor *w, ads_sampling at, const ads_tensor *gy,
                                        ads_tensor *gx, ads_tensor *gw, ads_tensor *gb,
                                        ads_sampling_grad gat)
{
    gconv_plan p;
    gconv_backward_needs needs;
    ADS_TRY(ads_gconv_plan_backward(ctx, dev, d, x, w, at, gy, gx, gw, gb, gat, &p, &needs));
    const ads_tensor *in[3] = {x, w, gy};
    const char *names[3] = {"x", "w", "gy"};
    ADS_TRY(ads_check_finite_all(in, names, 3));
    job j = {.p = &p, .x = x, .w = w, .gy = gy, .gx = gx, .gw = gw, .gb = gb, .gat = gat};
    /* The depthwise gw pass sums gb with gw's shares; else gb's own pass. */
    bool dw_fuses_gb = p.path == GCONV_PATH_DEPTHWISE && gw;
    if (gb && !dw_fuses_gb) ADS_TRY(grad_bias(ctx, &j));
    size_t cols = (size_t)p.chunk * (size_t)p.rows * (size_t)p.P;
    ads_status st = acquire(ctx, needs.col, cols, &j.col);
    if (st == ADS_OK)
        st = acquire(ctx, needs.col, (size_t)p.chunk * (size_t)p.Cout * (size_t)p.P, &j.gys);
    if (st == ADS_OK) st = acquire(ctx, needs.gcol, cols, &j.gcol);
    if (st == ADS_OK)
        st =
            acquire(ctx, needs.index, (size_t)p.chunk * (size_t)ads_gconv_index_size(&p), &j.index);
    if (st == ADS_OK)
        st = acquire(ctx, needs.part, (size_t)p.chunk * (size_t)ads_gconv_part_size(&p), &j.part);
    if (st == ADS_OK)
        st = acquire(ctx, needs.dw_part, (size_t)p.chunk * (size_t)ads_gconv_dw_part_size(&p),
                     &j.dw_part);
    if (st == ADS_OK)
        st = acquire(ctx, needs.blocked, (size_t)p.chunk * (size_t)ads_gconv_dw_blocked_size(&p),
                     &j.xb);
    j.gsrc = p.path == GCONV_PATH_DEPTHWISE ? gy : j.gcol;
    bool work = gx || gw || gat.py || gat.px || gat.grid; /* gb: above or with gw */
    for (int n0 = 0; work && n0 < p.N && st == ADS_OK; n0 += p.chunk)
        st = backward_chunk(ctx, &j, n0, p.N - n0 < p.chunk ? p.N - n0 : p.chunk);
    ads_workspace_release(ctx, j.col);
    ads_workspace_release(ctx, j.gys);
    ads_workspace_release(ctx, j.gcol);
    ads_workspace_release(ctx, j.index);
    ads_workspace_release(ctx, j.part);
    ads_workspace_release(ctx, j.dw_part);
    ads_workspace_release(ctx, j.xb);
    return st;
}
