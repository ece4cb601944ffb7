/* The gather-convolution's plan: argument validation and shape logic,
   path choice, and chunking by the memory budget. Every check here runs
   before anything is enqueued. */
#include "gconv_plan.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "gconv_gather.h"
#include "gemm.h"
#include "tuning.h"

/* ---------------------------------------------------------------- desc */

static ads_status check_desc(const ads_conv_desc *d, bool fixed)
{
    const struct {
        const char *name;
        int v, min;
    } f[] = {{"kh", d->kh, 1},        {"kw", d->kw, 1},       {"dil_h", d->dil_h, 1},
             {"dil_w", d->dil_w, 1},  {"pad_h", d->pad_h, 0}, {"pad_w", d->pad_w, 0},
             {"groups", d->groups, 1}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].v < f[i].min)
            return ads_fail(ADS_ERR_INVALID_ARGUMENT, "desc->%s is %d; it must be >= %d", f[i].name,
                            f[i].v, f[i].min);
    ADS_TRY(ads_check_window_span("desc->", "kh", d->kh, "dil_h", d->dil_h, "pad_h", d->pad_h));
    ADS_TRY(ads_check_window_span("desc->", "kw", d->kw, "dil_w", d->dil_w, "pad_w", d->pad_w));
    /* The stride is only used when no positions are given. */
    if (fixed && d->stride_h < 1)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "desc->stride_h is %d; the fixed-stride grid (no positions given) "
                        "needs stride >= 1",
                        d->stride_h);
    if (fixed && d->stride_w < 1)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "desc->stride_w is %d; the fixed-stride grid (no positions given) "
                        "needs stride >= 1",
                        d->stride_w);
    return ADS_OK;
}

static ads_status want_ndim(const ads_tensor *t, const char *name, int ndim, const char *what)
{
    if (t->ndim == ndim) return ADS_OK;
    char got[128];
    return ads_fail(ADS_ERR_SHAPE_MISMATCH, "%s has shape %s; expected %d dimensions (%s)", name,
                    ads_shape_str(t, got, sizeof got), ndim, what);
}

static ads_status fits_int(int64_t v, const char *what)
{
    if (v <= INT_MAX) return ADS_OK;
    return ads_fail(ADS_ERR_TOO_LARGE, "%s is %lld; the kernels index it with 32-bit ints", what,
                    (long long)v);
}

/* Ho and Wo from the positions, or PyTorch's output size on the fixed grid. */
static ads_status output_size(ads_sampling at, gconv_plan *p)
{
    if (p->kind == ADS_SAMPLING_FIXED) {
        int64_t ho = ads_output_size(p->H, p->kh, p->sh, p->ph, p->dh);
        int64_t wo = ads_output_size(p->W, p->kw, p->sw, p->pw, p->dw);
        if (ho <= 0 || wo <= 0)
            return ads_fail(ADS_ERR_SHAPE_MISMATCH,
                            "x is %d x %d (H x W) but the dilated %d x %d window with padding "
                            "(%d, %d) does not fit: the fixed-stride output would be empty",
                            p->H, p->W, p->kh, p->kw, p->ph, p->pw);
        p->Ho = (int)ho;
        p->Wo = (int)wo;
        return ADS_OK;
    }
    if (p->kind == ADS_SAMPLING_GRID) {
        ADS_TRY(want_ndim(at.grid, "at.grid", 4, "N x Ho x Wo x 2"));
        ADS_TRY(fits_int(at.grid->shape[1], "at.grid's Ho"));
        ADS_TRY(fits_int(at.grid->shape[2], "at.grid's Wo"));
        int64_t want[4] = {p->N, at.grid->shape[1], at.grid->shape[2], 2};
        ADS_TRY(ads_check_shape(at.grid, "at.grid", 4, want));
        p->Ho = (int)want[1];
        p->Wo = (int)want[2];
        return ADS_OK;
    }
    ADS_TRY(want_ndim(at.py, "at.py", 2, "N x Ho"));
    ADS_TRY(want_ndim(at.px, "at.px", 2, "N x Wo"));
    ADS_TRY(fits_int(at.py->shape[1], "at.py's Ho"));
    ADS_TRY(fits_int(at.px->shape[1], "at.px's Wo"));
    int64_t wy[2] = {p->N, at.py->shape[1]}, wx[2] = {p->N, at.px->shape[1]};
    ADS_TRY(ads_check_shape(at.py, "at.py", 2, wy));
    ADS_TRY(ads_check_shape(at.px, "at.px", 2, wx));
    p->Ho = (int)wy[1];
    p->Wo = (int)wx[1];
    return ADS_OK;
}

/* ---------------------------------------------------------------- plan */

/* The one place that picks how a shape runs on the device; a faster path
   (direct kernels for small channel counts, ...) slots in here. */
/* The direct depthwise kernels keep a float8 accumulator per tap in
   registers (cl/gconv_depthwise.cl); larger kernels take the columns. */
#define DEPTHWISE_MAX_TAPS 25

/* The local memory a CPU-shaped kernel (the depthwise plane shape, the
   separable gather's blended rows) may take: half the device's and at
   most LOCAL_MAX_BYTES (rows of 10^4 pixels and more take the kernels
   that need none). */
#define LOCAL_MAX_BYTES (256u << 10)

static uint64_t local_cap(const ads_device *dev)
{
    uint64_t cap = dev->info.local_mem_bytes / 2;
    return cap < LOCAL_MAX_BYTES ? cap : LOCAL_MAX_BYTES;
}

static gconv_path choose_path(const ads_context *ctx, const gconv_plan *p)
{
    bool depthwise = p->G == p->C && p->G == p->Cout;
    if (depthwise && p->kh * p->kw <= DEPTHWISE_MAX_TAPS && ads_tune(ctx, "gconv.depthwise_direct"))
        return GCONV_PATH_DEPTHWISE;
    return GCONV_PATH_GEMM;
}

const char *ads_gconv_path_name(const ads_context *ctx, int groups, int cin, int cout, int kh,
                                int kw)
{
    gconv_plan p = {.G = groups, .C = cin, .Cout = cout, .kh = kh, .kw = kw};
    if (choose_path(ctx, &p) == GCONV_PATH_DEPTHWISE) return "depthwise-direct";
    switch (ads_gemm_path_of(ctx)) {
    case ADS_GEMM_PATH_TILED: return "columns+tiled";
    case ADS_GEMM_PATH_CLBLAST: return "columns+clblast";
    default: return "columns+gemm";
    }
}

/* x, w, desc and sampling: everything both directions share. */
static ads_status plan_common(ads_context *ctx, const ads_device *dev, const ads_conv_desc *d,
                              const ads_tensor *x, const ads_tensor *w, ads_sampling at,
                              gconv_plan *p)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    if (!d) return ads_fail(ADS_ERR_NULL_ARGUMENT, "desc is NULL");
    ADS_TRY(ads_check_tensor(x, ctx, "x"));
    ADS_TRY(ads_check_tensor(w, ctx, "w"));
    ADS_TRY(ads_sampling_kind_of(ctx, at, &p->kind));
    ADS_TRY(check_desc(d, p->kind == ADS_SAMPLING_FIXED));
    ADS_TRY(want_ndim(x, "x", 4, "N x Cin x H x W"));
    ADS_TRY(want_ndim(w, "w", 4, "Cout x Cin/groups x kh x kw"));
    const char *dim_names[4] = {"x's N", "x's Cin", "x's H", "x's W"};
    for (int i = 0; i < 4; i++) ADS_TRY(fits_int(x->shape[i], dim_names[i]));
    ADS_TRY(fits_int(w->shape[0], "w's Cout"));
    p->N = (int)x->shape[0];
    p->C = (int)x->shape[1];
    p->H = (int)x->shape[2];
    p->W = (int)x->shape[3];
    p->Cout = (int)w->shape[0];
    p->G = d->groups;
    if (p->C % p->G)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "desc->groups is %d; it must divide Cin = %d (x's channels)", p->G, p->C);
    if (p->Cout % p->G)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "desc->groups is %d; it must divide Cout = %d (w's first dimension)", p->G,
                        p->Cout);
    int64_t wshape[4] = {p->Cout, p->C / p->G, d->kh, d->kw};
    ADS_TRY(ads_check_shape(w, "w", 4, wshape));
    p->kh = d->kh, p->kw = d->kw, p->sh = d->stride_h, p->sw = d->stride_w;
    p->ph = d->pad_h, p->pw = d->pad_w, p->dh = d->dil_h, p->dw = d->dil_w;
    if (p->kind != ADS_SAMPLING_FIXED) p->sh = p->sw = 1; /* unused: positions decide */
    ADS_TRY(output_size(at, p));
    p->P = (int64_t)p->Ho * p->Wo;
    ADS_TRY(fits_int(p->P, "Ho*Wo (output pixels per image)"));
    ADS_TRY(fits_int((int64_t)p->N * p->C, "N*Cin"));
    ADS_TRY(fits_int((int64_t)p->N * p->Cout, "N*Cout"));
    ADS_TRY(fits_int((int64_t)p->kh * p->kw, "kh*kw"));
    /* The separable index packs (output, tap) pairs into ints. */
    ADS_TRY(fits_int(2 * (int64_t)p->Ho * p->kh, "2*Ho*kh (separable index entries)"));
    ADS_TRY(fits_int(2 * (int64_t)p->Wo * p->kw, "2*Wo*kw (separable index entries)"));
    /* The separable index stores offsets into one channel's columns. */
    ADS_TRY(fits_int((int64_t)p->kh * p->kw * p->P, "kh*kw*Ho*Wo (one channel's column entries)"));
    p->rows = (int64_t)p->C * p->kh * p->kw;
    p->Kg = p->rows / p->G;
    p->Og = p->Cout / p->G;
    p->pa = p->kind == ADS_SAMPLING_FIXED ? x : p->kind == ADS_SAMPLING_GRID ? at.grid : at.py;
    p->pb = p->kind == ADS_SAMPLING_FIXED ? x : p->kind == ADS_SAMPLING_GRID ? at.grid : at.px;
    p->path = choose_path(ctx, p);
    p->item_pixel = ads_tune_on(ctx, dev, "gconv.item_pixel") != 0;
    p->col_channels = (int)ads_tune_on(ctx, dev, "gconv.col_channels");
    p->int_offsets = (int64_t)p->H * p->W <= INT_MAX;
    p->local_rows = p->path == GCONV_PATH_GEMM && p->kind != ADS_SAMPLING_FIXED && !p->item_pixel &&
                    p->int_offsets && ads_gconv_local_rows_bytes(p) <= local_cap(dev);
    p->sep_part_rows = p->kind == ADS_SAMPLING_SEPARABLE && !p->item_pixel &&
                       ads_gconv_grad_sep_rows_bytes(p) <= local_cap(dev);
    p->sep_col2im_rows =
        p->kind == ADS_SAMPLING_SEPARABLE && !p->item_pixel &&
        ads_gconv_col2im_sep_bytes(p, ads_gconv_rows_local(ctx, p->H)) <= local_cap(dev);
    p->dw_plane = p->path == GCONV_PATH_DEPTHWISE && p->kind == ADS_SAMPLING_SEPARABLE &&
                  !p->item_pixel && ads_tune_on(ctx, dev, "gconv.dw_plane") != 0;
    p->dw_blocked = p->path == GCONV_PATH_DEPTHWISE && p->kind == ADS_SAMPLING_GRID &&
                    !p->item_pixel && ads_tune_on(ctx, dev, "gconv.dw_plane") != 0;
    return ADS_OK;
}

/* CB in cl/gconv_depthwise.cl: channels per block. */
#define DW_BLOCK 16

int ads_gconv_dw_blocks(const gconv_plan *p) { return (p->C + DW_BLOCK - 1) / DW_BLOCK; }

int64_t ads_gconv_dw_blocked_size(const gconv_plan *p)
{
    return (int64_t)ads_gconv_dw_blocks(p) * DW_BLOCK * p->H * p->W;
}

uint64_t ads_gconv_dw_blocked_gx_bytes(const gconv_plan *p)
{
    return (uint64_t)p->H * (uint64_t)p->W * DW_BLOCK * sizeof(float);
}

static void keep_dw_plane_if_fits(const ads_device *dev, gconv_plan *p, uint64_t bytes)
{
    if (bytes > local_cap(dev)) p->dw_plane = false;
}

/* GC_GRID_CHUNK in cl/gconv.cl: pixels per pass of gconv_im2col_grid_rows. */
#define GRID_CHUNK 64

uint64_t ads_gconv_local_rows_bytes(const gconv_plan *p)
{
    uint64_t wp = ((uint64_t)p->Wo + 15) / 16 * 16; /* as in the kernels */
    uint64_t per_tap = p->kind == ADS_SAMPLING_GRID ? 7 * GRID_CHUNK : (uint64_t)p->W + 3 + 2 * wp;
    return (uint64_t)p->kh * p->kw * per_tap * sizeof(float);
}

uint64_t ads_gconv_col2im_sep_bytes(const gconv_plan *p, int group)
{
    return (uint64_t)group * (uint64_t)p->kw * (uint64_t)p->Wo * sizeof(float);
}

uint64_t ads_gconv_grad_sep_rows_bytes(const gconv_plan *p)
{
    const uint64_t rows = 4; /* GSP_ROWS: the rows of a block */
    uint64_t per_item = 2 * (uint64_t)p->Wo + rows * 2 * ((uint64_t)p->W + 3);
    return 16 * per_item * sizeof(float);
}

uint64_t ads_gconv_dw_plane_bytes(const gconv_plan *p, bool backward)
{
    uint64_t wp = ((uint64_t)p->Wo + 7) / 8 * 8; /* BLOCK in the kernels */
    uint64_t taps = 3 * (uint64_t)p->kw * wp, row = (uint64_t)p->kw * (uint64_t)p->W;
    /* backward: V, the gpx row, the gx row and the column masks */
    return (taps + row + (backward ? 2 * row + wp + (uint64_t)p->W : 0)) * sizeof(float);
}

/* Images per chunk so that `per_image` bytes of workspace per image stay
   within the budget and the largest single workspace (`largest` bytes per
   image) within the device's largest allocation. */
static ads_status plan_chunks(const ads_context *ctx, const ads_device *dev, gconv_plan *p,
                              uint64_t per_image, uint64_t largest)
{
    p->chunk = p->N;
    if (per_image == 0) return ADS_OK;
    uint64_t budget = ctx->memory_budget, max_alloc = dev->info.max_alloc_bytes;
    if (per_image > budget)
        return ads_fail(ADS_ERR_TOO_LARGE,
                        "one image needs %llu bytes of column workspace but the memory budget "
                        "is %llu bytes; raise it (ads_context_set_memory_budget or "
                        "ADS_MEMORY_BUDGET) or use smaller images",
                        (unsigned long long)per_image, (unsigned long long)budget);
    if (largest > max_alloc)
        return ads_fail(ADS_ERR_TOO_LARGE,
                        "one image's column workspace of %llu bytes exceeds the device's "
                        "largest allocation of %llu bytes",
                        (unsigned long long)largest, (unsigned long long)max_alloc);
    uint64_t n = budget / per_image;
    if (largest && max_alloc / largest < n) n = max_alloc / largest;
    if (n < (uint64_t)p->chunk) p->chunk = (int)n;
    return ADS_OK;
}

ads_status ads_gconv_plan_forward(ads_context *ctx, const ads_device *dev, const ads_conv_desc *d,
                                  const ads_tensor *x, const ads_tensor *w, const ads_tensor *b,
                                  ads_sampling at, const ads_tensor *y, gconv_plan *p)
{
    ADS_TRY(plan_common(ctx, dev, d, x, w, at, p));
    if (b) {
        ADS_TRY(ads_check_tensor(b, ctx, "b"));
        int64_t bshape[1] = {p->Cout};
        ADS_TRY(ads_check_shape(b, "b", 1, bshape));
    }
    ADS_TRY(ads_check_tensor(y, ctx, "y"));
    int64_t yshape[4] = {p->N, p->Cout, p->Ho, p->Wo};
    ADS_TRY(ads_check_shape(y, "y", 4, yshape));
    const ads_tensor *t[6] = {x, w, b, at.py, at.px, at.grid};
    const char *names[6] = {"x", "w", "b", "at.py", "at.px", "at.grid"};
    ADS_TRY(ads_check_distinct(y, "y", t, names, 6));
    /* The gather writes the GEMM's packed layout itself, sparing the
       GEMM's packing pass over the columns (gconv.packed_columns = 0 in
       the tuning table or ADS_TUNE_SET turns it off, for comparison). */
    p->col_tn = p->path == GCONV_PATH_GEMM && ads_tune(ctx, "gconv.packed_columns")
                    ? (int)ads_gemm_pack_width(ctx, (size_t)p->Og, (size_t)p->Kg)
                    : 0;
    uint64_t col = p->path == GCONV_PATH_GEMM ? (uint64_t)ads_gconv_col_size(p, p->col_tn) * 4 : 0;
    uint64_t tab = (uint64_t)ads_gconv_taps_size(p) * 4;
    if (p->dw_plane) keep_dw_plane_if_fits(dev, p, ads_gconv_dw_plane_bytes(p, false));
    uint64_t blocked = p->dw_blocked ? (uint64_t)ads_gconv_dw_blocked_size(p) * 4 : 0;
    uint64_t largest = col > tab ? col : tab;
    if (blocked > largest) largest = blocked;
    return plan_chunks(ctx, dev, p, col + tab + blocked, largest);
}

int64_t ads_gconv_col_size(const gconv_plan *p, int tn)
{
    return p->rows * (tn > 0 ? (p->P + tn - 1) / tn * tn : p->P);
}

int64_t ads_gconv_taps_size(const gconv_plan *p)
{
    if (p->kind == ADS_SAMPLING_SEPARABLE)
        return 4 * ((int64_t)p->Ho * p->kh + (int64_t)p->Wo * p->kw);
    if (p->kind == ADS_SAMPLING_GRID) return 4 * (int64_t)p->kh * p->kw * p->P;
    return 0;
}

bool ads_gconv_gx_reads_taps(const gconv_plan *p)
{
    /* The separable pixel col2im reads its weights from the row and
       column indexes instead. */
    if (p->kind == ADS_SAMPLING_SEPARABLE) return !p->item_pixel;
    return p->kind == ADS_SAMPLING_GRID;
}

int64_t ads_gconv_dw_share_rows(const gconv_plan *p)
{
    return p->item_pixel || p->dw_plane || p->dw_blocked ? 1 : p->Ho;
}

int64_t ads_gconv_dw_part_size(const gconv_plan *p)
{
    return (int64_t)p->C * ads_gconv_dw_share_rows(p) * (p->kh * p->kw + 1);
}

int64_t ads_gconv_part_size(const gconv_plan *p)
{
    if (p->dw_blocked) return (int64_t)ads_gconv_dw_blocks(p) * 2 * p->P;
    return (p->dw_plane ? p->C : p->rows) * ((int64_t)p->Ho + p->Wo);
}

int64_t ads_gconv_index_size(const gconv_plan *p)
{
    if (p->kind == ADS_SAMPLING_GRID) return ads_grid_index_size(p->H, p->Ho, p->Wo, p->kh, p->kw);
    return ads_sep_index_size(p->H, p->Ho, p->kh) + ads_sep_index_size(p->W, p->Wo, p->kw);
}

/* One optional gradient output: NULL, or the shape `want`. */
static ads_status check_grad(const ads_context *ctx, const ads_tensor *t, const char *name,
                             int ndim, const int64_t *want)
{
    if (!t) return ADS_OK;
    ADS_TRY(ads_check_tensor(t, ctx, name));
    return ads_check_shape(t, name, ndim, want);
}

static ads_status check_position_grads(const ads_context *ctx, const gconv_plan *p, ads_sampling at,
                                       ads_sampling_grad gat)
{
    ADS_TRY(ads_sampling_check_grads(p->kind, gat));
    if (p->kind == ADS_SAMPLING_SEPARABLE) {
        ADS_TRY(check_grad(ctx, gat.py, "gat.py", 2, at.py->shape));
        return check_grad(ctx, gat.px, "gat.px", 2, at.px->shape);
    }
    if (p->kind == ADS_SAMPLING_GRID)
        return check_grad(ctx, gat.grid, "gat.grid", 4, at.grid->shape);
    return ADS_OK;
}

ads_status ads_gconv_plan_backward(ads_context *ctx, const ads_device *dev, const ads_conv_desc *d,
                                   const ads_tensor *x, const ads_tensor *w, ads_sampling at,
                                   const ads_tensor *gy, const ads_tensor *gx, const ads_tensor *gw,
                                   const ads_tensor *gb, ads_sampling_grad gat, gconv_plan *p,
                                   gconv_backward_needs *needs)
{
    ADS_TRY(plan_common(ctx, dev, d, x, w, at, p));
    ADS_TRY(ads_check_tensor(gy, ctx, "gy"));
    int64_t yshape[4] = {p->N, p->Cout, p->Ho, p->Wo};
    ADS_TRY(ads_check_shape(gy, "gy", 4, yshape));
    ADS_TRY(check_grad(ctx, gx, "gx", 4, x->shape));
    ADS_TRY(check_grad(ctx, gw, "gw", 4, w->shape));
    int64_t bshape[1] = {p->Cout};
    ADS_TRY(check_grad(ctx, gb, "gb", 1, bshape));
    ADS_TRY(check_position_grads(ctx, p, at, gat));
    /* Each output against the inputs and the outputs before it. */
    const ads_tensor *t[12] = {x,  w,  gy, at.py,  at.px,  at.grid,
                               gx, gw, gb, gat.py, gat.px, gat.grid};
    const char *names[12] = {"x",  "w",  "gy", "at.py",  "at.px",  "at.grid",
                             "gx", "gw", "gb", "gat.py", "gat.px", "gat.grid"};
    for (int o = 6; o < 12; o++) ADS_TRY(ads_check_distinct(t[o], names[o], t, names, o));
    bool gpos = gat.py || gat.px || gat.grid;
    bool depthwise = p->path == GCONV_PATH_DEPTHWISE;
    if (p->dw_plane) keep_dw_plane_if_fits(dev, p, ads_gconv_dw_plane_bytes(p, true));
    /* The blocked backward sums gx in local memory: half the device's. */
    if (p->dw_blocked && gx && ads_gconv_dw_blocked_gx_bytes(p) > dev->info.local_mem_bytes / 2)
        p->dw_blocked = false;
    /* The depthwise path forms its column gradient on the fly from w and
       gy (gconv_gcol_kernel) and takes gw from x and gy directly. */
    needs->col = gw != NULL && !depthwise;
    needs->dw_part = gw != NULL && depthwise;
    needs->gcol = (gx != NULL || gpos) && !depthwise;
    needs->index = gx != NULL && p->kind != ADS_SAMPLING_FIXED && !p->dw_plane && !p->dw_blocked;
    needs->part = gat.py || gat.px || (gat.grid && p->dw_blocked);
    needs->blocked = p->dw_blocked && (gw || gat.grid);
    /* One tap table per chunk, shared by the gw branch, gx and the
       position gradients; none for the fixed stride. */
    bool gx_table = gx != NULL && ads_gconv_gx_reads_taps(p);
    needs->tables = p->kind != ADS_SAMPLING_FIXED && (gw != NULL || gx_table || gpos) ? 1 : 0;
    if (p->dw_plane || p->dw_blocked) needs->tables = 1; /* one launch reads it for all */
    uint64_t col = (uint64_t)p->rows * (uint64_t)p->P * 4;
    uint64_t index = (uint64_t)ads_gconv_index_size(p) * 4,
             tab = (uint64_t)ads_gconv_taps_size(p) * 4;
    uint64_t gys = (uint64_t)p->Cout * (uint64_t)p->P * 4; /* gy beside the gw columns */
    /* The gw product's inner dimension is the chunk's pixels, so ads_gemm's
       packed copy of one group's columns (when it packs) grows with the
       chunk too: counted here, so the chunk leaves room for it. */
    uint64_t tn = needs->col ? ads_gemm_pack_width(ctx, (size_t)p->Og, 1) : 0;
    uint64_t packed = tn ? ((uint64_t)p->Kg + tn - 1) / tn * tn * (uint64_t)p->P * 4 : 0;
    uint64_t per_image = (needs->col ? col + gys + packed : 0) + (needs->gcol ? col : 0) +
                         (needs->dw_part ? (uint64_t)ads_gconv_dw_part_size(p) * 4 : 0) +
                         (needs->index ? index : 0) +
                         (needs->part ? (uint64_t)ads_gconv_part_size(p) * 4 : 0) +
                         (uint64_t)needs->tables * tab +
                         (needs->blocked ? (uint64_t)ads_gconv_dw_blocked_size(p) * 4 : 0);
    uint64_t largest = needs->col || needs->gcol ? col : per_image;
    if (needs->col && gys > largest) largest = gys;
    if (packed > largest) largest = packed;
    if (needs->index && index > largest) largest = index;
    if (needs->tables && tab > largest) largest = tab;
    if (needs->blocked && (uint64_t)ads_gconv_dw_blocked_size(p) * 4 > largest)
        largest = (uint64_t)ads_gconv_dw_blocked_size(p) * 4;
    return plan_chunks(ctx, dev, p, per_image, largest);
}
