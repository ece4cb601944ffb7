/* Pooling internals shared by pool_forward.c and pool_backward.c: the
   validated call, the kernels' geometry arguments, and the forward
   launch (backward reuses it to recompute max winners). */
#ifndef ADS_POOL_COMMON_H
#define ADS_POOL_COMMON_H

#include "launch.h"
#include "sampling.h"

/* A call whose desc, x and sampling have been checked; all dims fit int. */
typedef struct {
    const ads_device *dev; /* the device the call runs on */
    ads_pool_desc d;
    ads_sampling_kind kind;
    int N, C, H, W, Ho, Wo;
    const ads_tensor *x, *py, *px, *grid;
} pool_call;

/* Checks ctx, d, x and at for a call on device dev, and fills c (Ho and
   Wo included). */
ads_status ads_pool_prepare(ads_context *ctx, const ads_device *dev, const ads_pool_desc *d,
                            const ads_tensor *x, ads_sampling at, pool_call *c);
/* t (named `name`) must belong to ctx and have shape N x C x Ho x Wo. */
ads_status ads_pool_check_output_shape(const pool_call *c, const ads_tensor *t, const char *name);
/* An argmax tensor: only with ADS_POOL_MAX, shaped like y. */
ads_status ads_pool_check_argmax(const pool_call *c, const ads_tensor *argmax);

/* Starts a launch of kernel `name` of cl/pool.cl. */
void ads_pool_launch(ads_launcher *l, ads_context *ctx, const char *name);

/* Whether the fixed-grid forward and g_x, the separable forward and the
   separable position gradients run one work-item per output or input
   element (pixel shape, consecutive work-items on consecutive addresses:
   GPUs) rather than per VW outputs of a row or per plane (row shape:
   CPUs) on call c's device: the tunable "pool.item_pixel", by default 1
   on a GPU and 0 otherwise. */
bool ads_pool_call_pixel(const ads_context *ctx, const pool_call *c);
/* The 15 POOL_GEOMETRY arguments, next in order. */
void ads_pool_geom(ads_launcher *l, const pool_call *c);

/* Runs a 1-D pool launch over `global` work-items with the one local
   size the pool kernels use (PoCL compiles each (kernel, local size)
   pair: one size keeps that to one compile per kernel whatever the
   shapes). The row-cached kernels are the exception: their group size
   follows their local memory (8, 4, 2 or 1; see ads_pool_rows_local). */
ads_status ads_pool_run(ads_launcher *l, size_t global);

/* The column table of c's columns (pool_sep_col_table in cl/pool.cl): Wo
   padded to whole vectors, the table's size in floats, and its build into
   tab (from px, or from the fixed grid). */
int ads_pool_padded_wo(const pool_call *c);
size_t ads_pool_col_table_count(const pool_call *c);
ads_status ads_pool_col_table(ads_context *ctx, const pool_call *c, ads_tensor *tab);

/* The row-cached kernels keep their caches in local memory: the floats
   one work-item needs (parts 1: forward, 2: position gradients), and the
   bytes for a group of *group work-items (8, 4, 2 or 1, the most that
   fit in half the local memory of c's device), 0 when not even one fits. */
size_t ads_pool_rows_item_floats(const pool_call *c, int parts);
size_t ads_pool_rows_local(const pool_call *c, size_t per_item_floats, size_t *group);

/* Enqueues the forward kernel of c's sampling kind; y or argmax may be
   NULL (not both): that output is not written. */
ads_status ads_pool_enqueue_forward(ads_context *ctx, const pool_call *c, ads_tensor *y,
                                    ads_tensor *argmax);

#endif
