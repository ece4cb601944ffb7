/* Gather-convolution forward (docs/design.md 1.4): the column gather and one
   ads_gemm per group over chunks of images, or the direct depthwise
   kernel. */
#include "gconv_gather.h"
#include "gemm.h"
#include "ops_device.h"
#include "workspace.h"

/* y[n,o,:] = b[o] for every image, so the products accumulate onto it. */
static ads_status bias_fill(ads_context *ctx, const gconv_plan *p, const ads_tensor *b,
                            ads_tensor *y)
{
    ads_launcher l;
    ads_gconv_launch(&l, ctx, p, "gconv_bias_fill");
    ads_launch_in(&l, b);
    ads_launch_out(&l, y);
    ads_launch_int(&l, p->Cout);
    ads_launch_int(&l, (int)p->P);
    return ads_launch_run(&l, 2, (size_t[]){(size_t)p->Cout, (size_t)p->N}, (size_t[])GCONV_LOCAL);
}

/* y[n0..n0+nb) (+)= W_g * col_g for every group g and image: one ads_gemm
   per group batched over images, or per image batched over groups,
   whichever needs fewer calls. */
static ads_status products(ads_context *ctx, const gconv_plan *p, const ads_tensor *w,
                           const ads_tensor *col, ads_tensor *y, int n0, int nb, float beta,
                           const ads_tensor *bias)
{
    size_t P = (size_t)p->P, Kg = (size_t)p->Kg, Og = (size_t)p->Og;
    /* Pb: the pitch of one column row's pixels, as ads_gconv_im2col wrote them. */
    size_t Pb = (size_t)ads_gconv_col_size(p, p->col_tn) / (size_t)p->rows;
    ads_gemm_args g = {.M = Og,
                       .N = P,
                       .K = Kg,
                       .alpha = 1.0f,
                       .beta = beta,
                       .a = w,
                       .lda = Kg,
                       .b = col,
                       .ldb = P,
                       .c = y,
                       .ldc = P,
                       .b_packed = p->col_tn > 0};
    size_t c0 = (size_t)n0 * p->Cout * P;
    bool by_group = p->G <= nb;
    int outer = by_group ? p->G : nb;
    g.batch = by_group ? (size_t)nb : (size_t)p->G;
    g.a_batch_stride = by_group ? 0 : Og * Kg;
    g.b_batch_stride = by_group ? (size_t)p->rows * Pb : Kg * Pb;
    g.c_batch_stride = by_group ? (size_t)p->Cout * P : Og * P;
    g.bias = bias; /* added as the product stores y (packed columns only) */
    g.bias_batch_stride = by_group ? 0 : Og;
    for (int q = 0; q < outer; q++) {
        size_t gi = by_group ? (size_t)q : 0, bi = by_group ? 0 : (size_t)q;
        g.a_offset = gi * Og * Kg;
        g.b_offset = bi * (size_t)p->rows * Pb + gi * Kg * Pb;
        g.c_offset = c0 + bi * (size_t)p->Cout * P + gi * Og * P;
        g.bias_offset = gi * Og;
        ADS_TRY(ads_gemm(ctx, &g));
    }
    return ADS_OK;
}

static ads_status forward_gemm(ads_context *ctx, const gconv_plan *p, const ads_tensor *x,
                               const ads_tensor *w, const ads_tensor *b, ads_tensor *y)
{
    /* With the packed columns the product adds the bias as it stores y;
       otherwise a fill writes it first and the products accumulate. */
    bool fused_bias = b && p->col_tn > 0;
    if (b && !fused_bias) ADS_TRY(bias_fill(ctx, p, b, y));
    ads_tensor *col;
    ADS_TRY(ads_workspace_acquire(ctx, (size_t)p->chunk * (size_t)ads_gconv_col_size(p, p->col_tn),
                                  &col));
    ads_status st = ADS_OK;
    for (int n0 = 0; n0 < p->N && st == ADS_OK; n0 += p->chunk) {
        int nb = p->N - n0 < p->chunk ? p->N - n0 : p->chunk;
        ads_tensor *tab;
        st = ads_gconv_tap_table(ctx, p, n0, nb, 0, &tab);
        if (st == ADS_OK) st = ads_gconv_im2col(ctx, p, x, tab, n0, nb, 0, p->col_tn, col);
        /* the table's events order its next user after the gather */
        ads_workspace_release(ctx, tab);
        if (st == ADS_OK)
            st = products(ctx, p, w, col, y, n0, nb, b && !fused_bias ? 1.0f : 0.0f,
                          fused_bias ? b : NULL);
    }
    ads_workspace_release(ctx, col);
    return st;
}

/* Separable depthwise, plane shape: a work-group of one work-item per
   plane of the chunk, with its rows of local memory. */
static ads_status depthwise_plane(ads_launcher *l, const gconv_plan *p, int nb)
{
    ads_launch_local(l, (size_t)ads_gconv_dw_plane_bytes(p, false));
    return ads_launch_run(l, 1, (size_t[]){(size_t)nb * p->C}, (size_t[]){1});
}

/* Depthwise: direct kernels (cl/gconv_depthwise.cl, built for the kernel
   size) over images n0 .. n0+nb-1, with no column workspace (the chunks
   keep the tap tables in the budget): one per sampling kind with a
   work-item per output row (CPUs; separable: per plane where it fits,
   gconv_dw_sep_plane), or one for every kind with a work-item per output
   (the pixel shape, GPUs). */
static ads_status depthwise_chunk(ads_context *ctx, const gconv_plan *p, const ads_tensor *x,
                                  const ads_tensor *w, const ads_tensor *b, ads_tensor *y, int n0,
                                  int nb)
{
    static const char *const names[3] = {"gconv_dw_fixed", "gconv_dw_sep", "gconv_dw_grid"};
    ads_tensor *tab;
    ADS_TRY(ads_gconv_tap_table(ctx, p, n0, nb, 0, &tab));
    ads_launcher l;
    ads_gconv_depthwise_launch(&l, ctx, p,
                               p->item_pixel ? "gconv_dw_pixel"
                               : p->dw_plane ? "gconv_dw_sep_plane"
                                             : names[p->kind]);
    ads_launch_in(&l, x);
    if (p->item_pixel) ads_launch_in_or(&l, tab, x); /* no table at the fixed stride */
    else if (p->kind != ADS_SAMPLING_FIXED) ads_launch_in(&l, tab);
    ads_launch_in(&l, w);
    ads_launch_in_or(&l, b, w); /* never read without a bias */
    ads_launch_int(&l, b != NULL);
    ads_launch_out(&l, y);
    ads_launch_int(&l, n0);
    ads_gconv_geom(&l, p);
    ads_status st;
    if (p->dw_plane) {
        st = depthwise_plane(&l, p, nb);
    } else {
        size_t global[2] = {p->item_pixel ? (size_t)p->P : (size_t)p->Ho, (size_t)nb * p->C};
        size_t local[2] = {p->item_pixel ? (size_t)ads_gconv_pixel_local(ctx, p->P)
                                         : (size_t)ads_gconv_rows_local(ctx, p->Ho),
                           1};
        st = ads_launch_run(&l, 2, global, local);
    }
    ads_workspace_release(ctx, tab);
    return st;
}

/* Full-grid depthwise, channel-blocked (CPUs): x's chunk copied into
   blocks of 16 channels (ads_gconv_block_channels into xb), then a
   work-item per output row of each block. */
static ads_status blocked_chunk(ads_context *ctx, const gconv_plan *p, const ads_tensor *x,
                                const ads_tensor *w, const ads_tensor *b, ads_tensor *y,
                                ads_tensor *xb, int n0, int nb)
{
    ads_tensor *tab;
    ADS_TRY(ads_gconv_tap_table(ctx, p, n0, nb, 0, &tab));
    ads_status st = ads_gconv_block_channels(ctx, p, x, n0, nb, xb);
    ads_launcher l;
    ads_gconv_depthwise_launch(&l, ctx, p, "gconv_dw_grid_blocked");
    ads_launch_in(&l, xb);
    ads_launch_in(&l, tab);
    ads_launch_in(&l, w);
    ads_launch_in_or(&l, b, w); /* never read without a bias */
    ads_launch_int(&l, b != NULL);
    ads_launch_out(&l, y);
    ads_launch_int(&l, n0);
    ads_gconv_geom(&l, p);
    size_t blocks = (size_t)nb * (size_t)ads_gconv_dw_blocks(p);
    size_t global[2] = {(size_t)p->Ho, blocks};
    size_t local[2] = {(size_t)ads_gconv_rows_local(ctx, p->Ho), 1};
    if (st == ADS_OK) st = ads_launch_run(&l, 2, global, local);
    ads_workspace_release(ctx, tab);
    return st;
}

static ads_status forward_depthwise(ads_context *ctx, const gconv_plan *p, const ads_tensor *x,
                                    const ads_tensor *w, const ads_tensor *b, ads_tensor *y)
{
    ads_tensor *xb = NULL;
    if (p->dw_blocked)
        ADS_TRY(ads_workspace_acquire(ctx, (size_t)p->chunk * ads_gconv_dw_blocked_size(p), &xb));
    ads_status st = ADS_OK;
    for (int n0 = 0; n0 < p->N && st == ADS_OK; n0 += p->chunk) {
        int nb = p->N - n0 < p->chunk ? p->N - n0 : p->chunk;
        st = p->dw_blocked ? blocked_chunk(ctx, p, x, w, b, y, xb, n0, nb)
                           : depthwise_chunk(ctx, p, x, w, b, y, n0, nb);
    }
    ads_workspace_release(ctx, xb);
    return st;
}

ads_status ads_gconv_forward_on_device(ads_context *ctx, const ads_device *dev,
                                       const ads_conv_desc *d, const ads_tensor *x,
                                       const ads_tensor *w, const ads_tensor *b, ads_sampling at,
                                       ads_tensor *y)
{
    gconv_plan p;
    ADS_TRY(ads_gconv_plan_forward(ctx, dev, d, x, w, b, at, y, &p));
    const ads_tensor *in[3] = {x, w, b};
    const char *names[3] = {"x", "w", "b"};
    ADS_TRY(ads_check_finite_all(in, names, 3)); /* positions may be NaN: they read 0 */
    if (p.path == GCONV_PATH_DEPTHWISE) return forward_depthwise(ctx, &p, x, w, b, y);
    return forward_gemm(ctx, &p, x, w, b, y);
}
