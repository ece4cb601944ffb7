/* The gather-convolution's plan: every argument of a call validated,
   the output size, the path a shape takes on the device, and the chunks
   of images that keep the workspaces within the memory budget. Nothing
   is enqueued before the plan is complete. */
#ifndef ADS_GCONV_PLAN_H
#define ADS_GCONV_PLAN_H

#include "context.h"
#include "sampling.h"

/* How the work is done; chosen per shape and device by the plan. */
typedef enum {
    GCONV_PATH_GEMM,     /* column gather, then ads_gemm per group      */
    GCONV_PATH_DEPTHWISE /* groups = Cin = Cout: direct row kernels     */
} gconv_path;

typedef struct {
    ads_sampling_kind kind;
    gconv_path path;
    int N, C, H, W, Cout, Ho, Wo, kh, kw, sh, sw, ph, pw, dh, dw, G;
    int64_t P;    /* Ho*Wo: output pixels of one image                   */
    int64_t rows; /* C*kh*kw: column rows of one image, all groups       */
    int64_t Kg;   /* (C/G)*kh*kw: column rows of one group               */
    int Og;       /* Cout/G                                              */
    /* The kernels' position arguments: py and px, or grid twice; x when
       the kind is fixed (never read then). */
    const ads_tensor *pa, *pb;
    int chunk;  /* images per chunk, so the workspaces fit the budget  */
    int col_tn; /* forward: the GEMM's packed column-tile width the gather
                   writes (ads_gemm_pack_width), 0 for plain columns    */
    /* The GPU shape ("gconv.item_pixel" of the plan's device) of the
       gathers, the fixed and separable col2im and the depthwise kernels:
       a work-item per element rather than per row (cl/gconv.cl built with
       -DGC_ITEM_PIXEL, the *_pixel kernels). */
    bool item_pixel;
    /* The row shape's channels per gather work-item ("gconv.col_channels"
       of the plan's device; cl/gconv.cl's GC_CB): the channels of one
       image and group that share the gather's tap and address work. */
    int col_channels;
    /* H*W fits an int: the CPU kernels that keep plane offsets in ints
       (gconv_im2col_grid_rows, gconv_grad_grid16) may run. */
    bool int_offsets;
    /* The row shape's separable and full-grid gathers through per-row
       tables in local memory (gconv_im2col_sep_rows: blended input rows;
       gconv_im2col_grid_rows: decoded grid taps), where they fit
       (ads_gconv_local_rows_bytes); else gconv_im2col_sep / _grid. */
    bool local_rows;
    /* The separable position gradients' CPU shape (gconv_grad_sep_part_rows:
       a block of rows' mixes and differences in local memory), where they
       fit (ads_gconv_grad_sep_rows_bytes); else gconv_grad_sep_part. */
    bool sep_part_rows;
    /* The separable col2im's row shape (gconv_col2im_sep: a row's column
       tap sums in local memory), where the plan's shape is the row shape
       and they fit (ads_gconv_col2im_sep_bytes); else the pixel kernel. */
    bool sep_col2im_rows;
    /* The separable depthwise kernels' plane shape ("gconv.dw_plane" of
       the plan's device; CPUs): a work-item per plane, the bilinear reads
       split by axis (gconv_dw_sep_plane forward, every gradient in
       gconv_dw_backward_plane); off where its few rows of local memory
       would not fit (ads_gconv_dw_plane_bytes). */
    bool dw_plane;
    /* The same tunable's full-grid depthwise shape (CPUs): 16 channels per
       work-item through each tap, from a channel-blocked copy of x
       (gconv_dw_grid_blocked, every gradient in
       gconv_dw_grid_blocked_backward); off where the backward's gx block
       would not fit in local memory. */
    bool dw_blocked;
} gconv_plan;

/* The path a convolution of this grouping takes on ctx's device, named
   for the benchmark: "depthwise-direct", "columns+gemm",
   "columns+tiled" or "columns+clblast". */
const char *ads_gconv_path_name(const ads_context *ctx, int groups, int cin, int cout, int kh,
                                int kw);

/* Validates every argument of a forward call on device `dev` and fills
   the plan. */
ads_status ads_gconv_plan_forward(ads_context *ctx, const ads_device *dev, const ads_conv_desc *d,
                                  const ads_tensor *x, const ads_tensor *w, const ads_tensor *b,
                                  ads_sampling at, const ads_tensor *y, gconv_plan *p);

/* Which workspaces a backward call needs. */
typedef struct {
    bool col;     /* the gathered columns and gy beside them (for gw)       */
    bool gcol;    /* the column gradient (for gx and the positions; not on
                   the depthwise path)                                   */
    bool index;   /* the separable index (for gx with separable positions)  */
    bool part;    /* per-(channel, tap) shares of gpy/gpx (separable)       */
    bool dw_part; /* per-(channel, row) shares of the depthwise gw         */
    bool blocked; /* the channel-blocked x (dw_blocked, for gw or ggrid)   */
    int tables;   /* tap tables alive at once (ads_gconv_tap_table), 0 or 1 */
} gconv_backward_needs;

/* Validates every argument of a backward call on device `dev` and fills
   the plan and the workspace needs. */
ads_status ads_gconv_plan_backward(ads_context *ctx, const ads_device *dev, const ads_conv_desc *d,
                                   const ads_tensor *x, const ads_tensor *w, ads_sampling at,
                                   const ads_tensor *gy, const ads_tensor *gx, const ads_tensor *gw,
                                   const ads_tensor *gb, ads_sampling_grad gat, gconv_plan *p,
                                   gconv_backward_needs *needs);

/* Ints of the tap tables of one image: separable (gconv_sep_taps) or
   full grid (gconv_grid_taps); 0 for the fixed stride. */
int64_t ads_gconv_taps_size(const gconv_plan *p);

/* Whether the gx pass reads the tap table (the grid's col2im and the
   separable row-shaped one; the separable pixel shape reads the indexes). */
bool ads_gconv_gx_reads_taps(const gconv_plan *p);

/* The depthwise weight gradient's share rows per plane, each kh*kw + 1
   floats (every tap's share and gb's): one per output row for the row
   kernels (gconv_dw_gw_<kind>), one per plane for the pixel shape
   (gconv_dw_gw_pixel). */
int64_t ads_gconv_dw_share_rows(const gconv_plan *p);
/* Floats of those shares for one image (C planes). */
int64_t ads_gconv_dw_part_size(const gconv_plan *p);

/* Floats of the position-gradient shares of one image: separable,
   C*kh*kw*(Ho+Wo) from gconv_grad_sep_part, C*(Ho+Wo) from the plane
   shape (a share per plane); full grid in the channel-blocked shape,
   2*Ho*Wo per block of 16 channels. */
int64_t ads_gconv_part_size(const gconv_plan *p);

/* Bytes of local memory one plane-shaped work-item needs
   (cl/gconv_depthwise.cl, plane shape): the column taps and the blended
   rows U, and for the backward the scattered rows V, the gpx row, a row
   for gx and the sampled-column masks. */
uint64_t ads_gconv_dw_plane_bytes(const gconv_plan *p, bool backward);
/* Bytes of local memory a work-group of the local-rows gathers needs:
   per tap, a blended input row and the column taps of its kx
   (gconv_im2col_sep_rows), or one output row's decoded grid taps
   (gconv_im2col_grid_rows). */
uint64_t ads_gconv_local_rows_bytes(const gconv_plan *p);
/* Bytes of local memory a work-group of gconv_grad_sep_part_rows (16
   work-items, GCONV_LOCAL) needs: per work-item, its column taps (2 Wo
   values) and a block of 4 rows' interleaved mixes and differences
   (2 (W + 3) floats a row). */
uint64_t ads_gconv_grad_sep_rows_bytes(const gconv_plan *p);
/* Bytes of local memory a work-group of `group` work-items of
   gconv_col2im_sep needs: one row's column-tap sums, kw*Wo floats, per
   work-item. */
uint64_t ads_gconv_col2im_sep_bytes(const gconv_plan *p, int group);

/* Blocks of 16 channels per image in the channel-blocked shape, floats
   of one image's channel-blocked copy of x, and bytes of the backward's
   local gx block. */
int ads_gconv_dw_blocks(const gconv_plan *p);
int64_t ads_gconv_dw_blocked_size(const gconv_plan *p);
uint64_t ads_gconv_dw_blocked_gx_bytes(const gconv_plan *p);

/* Ints of the gx index of one image: separable rows and columns or full
   grid (ads_sep_index_size, ads_grid_index_size in sampling_shared.h,
   which the kernels use too). */
int64_t ads_gconv_index_size(const gconv_plan *p);

/* Floats of one image's columns in the layout of tile width tn (0:
   plain, rows x P; > 0: rows x P rounded up to tn, gc_col_seg). The
   side-by-side layout (tn < 0) is the plain size per image. */
int64_t ads_gconv_col_size(const gconv_plan *p, int tn);

#endif
