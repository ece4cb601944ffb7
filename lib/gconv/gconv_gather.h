/* The gather-convolution's gather: the kernels of cl/gconv*.cl, their
   geometry arguments, the tap tables of the positions and the column
   gather the GEMM path multiplies. */
#ifndef ADS_GCONV_GATHER_H
#define ADS_GCONV_GATHER_H

#include "gconv_plan.h"
#include "launch.h"

/* The local size of most gconv launches (the kernels guard dimension 0):
   one size per kernel, so PoCL compiles each kernel once, not once per
   shape as a driver-chosen size would. */
#define GCONV_LOCAL                                                                                \
    {                                                                                              \
        16, 1, 1                                                                                   \
    }

/* Starts a launch of kernel `name` of cl/gconv.cl (built for p's shape
   of the gathers), cl/gconv_backward.cl, or cl/gconv_depthwise.cl (built
   for p's kernel size). */
void ads_gconv_launch(ads_launcher *l, ads_context *ctx, const gconv_plan *p, const char *name);
void ads_gconv_backward_launch(ads_launcher *l, ads_context *ctx, const char *name);
void ads_gconv_depthwise_launch(ads_launcher *l, ads_context *ctx, const gconv_plan *p,
                                const char *name);
/* A kernel of cl/gconv_backward.cl that reads the column gradient, built
   for p's path: on the depthwise path it forms w[c,t] * gy itself. */
void ads_gconv_gcol_launch(ads_launcher *l, ads_context *ctx, const gconv_plan *p,
                           const char *name);

/* The work-group size of the pixel-shaped kernels over `items`
   work-items: the tunable "gconv.pixel_local" (default 128), narrowed as
   ads_gconv_rows_local narrows. */
int ads_gconv_pixel_local(const ads_context *ctx, long items);

/* The 14 geometry arguments (GC_GEOM in cl/gconv.clh), next in order. */
void ads_gconv_geom(ads_launcher *l, const gconv_plan *p);

/* The work-group size of the row kernels (one work-item per output or
   input row): the largest power of two within the tuned size, or the one
   at or above `rows` when that is smaller. */
int ads_gconv_rows_local(const ads_context *ctx, int rows);

/* Gathers the columns of images n0 .. n0+nb-1 into col, on `stream`
   (ads_launch_stream): plain (tn == 0), packed for the GEMM (tn =
   p->col_tn) or with the images side by side (tn = -nb). tab is the
   chunk's tap table (ads_gconv_tap_table; NULL at the fixed stride). */
ads_status ads_gconv_im2col(ads_context *ctx, const gconv_plan *p, const ads_tensor *x,
                            const ads_tensor *tab, int n0, int nb, int stream, int tn,
                            ads_tensor *col);

/* The chunk's x in blocks of 16 channels (gconv_dw_block_channels) into
   xb, for the channel-blocked full-grid depthwise kernels. */
ads_status ads_gconv_block_channels(ads_context *ctx, const gconv_plan *p, const ads_tensor *x,
                                    int n0, int nb, ads_tensor *xb);

/* For separable positions or a full grid: acquires *tab (a workspace of
   nb * ads_gconv_taps_size ints) and fills it with the tap tables of
   images n0 .. n0+nb-1; *tab is NULL for the fixed stride. The caller
   releases it after its last use is enqueued. */
ads_status ads_gconv_tap_table(ads_context *ctx, const gconv_plan *p, int n0, int nb, int stream,
                               ads_tensor **tab);

#endif
