/* Gather-convolution internals shared by the forward and backward files:
   argument validation, output shapes, path selection, chunking, and the
   kernel-argument helpers. */
#ifndef ADS_GCONV_COMMON_H
#define ADS_GCONV_COMMON_H

#include "internal.h"

/* The local size of every gconv launch (the kernels guard dimension 0):
   one size per kernel, so PoCL compiles each kernel once, not once per
   shape as a driver-chosen size would. */
#define GCONV_LOCAL {16, 1, 1}

/* The sampling kind; the values are the kernels' `kind` argument. */
typedef enum { GCONV_FIXED = 0, GCONV_SEPARABLE = 1, GCONV_GRID = 2 } gconv_kind;

/* How the work is done; chosen per shape and device in gconv_choose_path. */
typedef enum {
    GCONV_PATH_GEMM,     /* column gather, then ads_gemm per group      */
    GCONV_PATH_DEPTHWISE /* groups = Cin = Cout: direct row kernels     */
} gconv_path;

typedef struct {
    gconv_kind kind;
    gconv_path path;
    int N, C, H, W, Cout, Ho, Wo, kh, kw, sh, sw, ph, pw, dh, dw, G;
    int64_t P;    /* Ho*Wo: output pixels of one image                   */
    int64_t rows; /* C*kh*kw: column rows of one image, all groups       */
    int64_t Kg;   /* (C/G)*kh*kw: column rows of one group               */
    int Og;       /* Cout/G                                              */
    /* The kernels' position arguments: py and px, or grid twice; x when
       the kind is fixed (never read then). */
    const ads_tensor *pa, *pb;
    int chunk; /* images per chunk, so the workspaces fit the budget  */
    int col_tn; /* forward: the GEMM's packed column-tile width the gather
                   writes (ads_gemm_pack_width), 0 for plain columns    */
} gconv_plan;

/* The path a convolution of this grouping takes on ctx's device, named
   for the benchmark: "depthwise-direct", "columns+gemm" or
   "columns+clblast". */
const char *gconv_path_name(const ads_context *ctx, int groups, int cin, int cout, int kh,
                            int kw);

/* Validates every argument of a forward call and fills the plan. */
ads_status gconv_plan_forward(ads_context *ctx, const ads_conv_desc *d, const ads_tensor *x,
                              const ads_tensor *w, const ads_tensor *b, ads_sampling at,
                              const ads_tensor *y, gconv_plan *p);

/* Which workspaces a backward call needs. */
typedef struct {
    bool col;   /* the gathered columns and gy beside them (for gw)       */
    bool gcol;  /* the column gradient (for gx and the positions; not on
                   the depthwise path)                                   */
    bool index; /* the separable index (for gx with separable positions)  */
    bool part;  /* per-(channel, tap) shares of gpy/gpx (separable)       */
    bool dw_part; /* per-(channel, row) shares of the depthwise gw         */
    int tables; /* tap tables alive at once (gconv_tap_table), 0..2       */
} gconv_backward_needs;

/* Validates every argument of a backward call and fills the plan and the
   workspace needs. */
ads_status gconv_plan_backward(ads_context *ctx, const ads_conv_desc *d, const ads_tensor *x,
                               const ads_tensor *w, ads_sampling at, const ads_tensor *gy,
                               const ads_tensor *gx, const ads_tensor *gw,
                               const ads_tensor *gb, ads_sampling_grad gat, gconv_plan *p,
                               gconv_backward_needs *needs);

/* Ints of the tap tables of one image: separable (gconv_sep_taps) or
   full grid (gconv_grid_taps); 0 for the fixed stride. */
int64_t gconv_taps_size(const gconv_plan *p);

/* The work-group size of the row kernels (one work-item per output or
   input row): the largest power of two within the tuned size, or the one
   at or above `rows` when that is smaller. */
int gconv_rows_local(const ads_context *ctx, int rows);

/* Floats of the depthwise weight-gradient shares of one image
   (gconv_dw_gw_*): C*Ho*kh*kw. */
int64_t gconv_dw_part_size(const gconv_plan *p);

/* Floats of the separable position-gradient shares of one image
   (gconv_grad_sep_part): C*kh*kw*(Ho+Wo). */
int64_t gconv_part_size(const gconv_plan *p);

/* Ints of the gx index of one image: separable rows (gc_index_size in
   gconv.cl) or full grid (gc_grid_index_size). */
int64_t gconv_index_size(const gconv_plan *p);

/* Sets the 14 geometry arguments (GC_GEOM in gconv.cl) from `first` on. */
ads_status gconv_set_geom(cl_kernel k, cl_uint first, const gconv_plan *p);

/* The kernel `name` of cl/gconv.cl, and of cl/gconv_backward.cl. */
ads_status gconv_kernel(ads_context *ctx, const char *name, cl_kernel *out);
ads_status gconv_backward_kernel(ads_context *ctx, const char *name, cl_kernel *out);
/* A kernel of cl/gconv_backward.cl that reads the column gradient, built
   for p's path: on the depthwise path it forms w[c,t] * gy itself. */
ads_status gconv_gcol_kernel(ads_context *ctx, const gconv_plan *p, const char *name,
                             cl_kernel *out);
/* The kernel `name` of cl/gconv_depthwise.cl, built for p's kernel size. */
ads_status gconv_depthwise_kernel(ads_context *ctx, const gconv_plan *p, const char *name,
                                  cl_kernel *out);

/* Floats of one image's columns in the layout of tile width tn (0:
   plain, rows x P; > 0: rows x P rounded up to tn, gc_col_seg). The
   side-by-side layout (tn < 0) is the plain size per image. */
int64_t gconv_col_size(const gconv_plan *p, int tn);

/* Gathers the columns of images n0 .. n0+nb-1 into col, on `stream`
   (ads_launch.stream): plain (tn == 0), packed for the GEMM (tn =
   p->col_tn) or with the images side by side (tn = -nb). */
ads_status gconv_im2col(ads_context *ctx, const gconv_plan *p, const ads_tensor *x, int n0,
                        int nb, int stream, int tn, ads_tensor *col);

/* For separable positions or a full grid: acquires *tab (a workspace of
   nb * gconv_taps_size ints) and fills it with the tap tables of images
   n0 .. n0+nb-1; *tab is NULL for the fixed stride. The caller releases
   it after its last use is enqueued. */
ads_status gconv_tap_table(ads_context *ctx, const gconv_plan *p, int n0, int nb, int stream,
                           ads_tensor **tab);

/* With ADS_CHECK=1: every given float input must be finite. */
ads_status gconv_check_finite(const ads_tensor *const *t, const char *const *names, int n);

#endif
