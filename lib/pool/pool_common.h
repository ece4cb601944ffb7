/* Pooling internals shared by lib/pool_forward.c and lib/pool_backward.c:
   the validated call, the kernels' geometry arguments, and the forward
   launch (backward reuses it to recompute max winners). */
#ifndef ADS_POOL_COMMON_H
#define ADS_POOL_COMMON_H

#include "internal.h"

typedef enum { POOL_FIXED, POOL_SEPARABLE, POOL_GRID } pool_kind;

/* A call whose desc, x and sampling have been checked; all dims fit int. */
typedef struct {
    ads_pool_desc d;
    pool_kind kind;
    int N, C, H, W, Ho, Wo;
    const ads_tensor *x, *py, *px, *grid;
} pool_call;

/* Checks ctx, d, x and at, and fills c (Ho and Wo included). */
ads_status pool_prepare(ads_context *ctx, const ads_pool_desc *d, const ads_tensor *x,
                        ads_sampling at, pool_call *c);
/* t (named `name`) must belong to ctx and have shape N x C x Ho x Wo. */
ads_status pool_check_output_shape(const pool_call *c, const ads_tensor *t, const char *name);
/* An argmax tensor: only with ADS_POOL_MAX, shaped like y. */
ads_status pool_check_argmax(const pool_call *c, const ads_tensor *argmax);
/* Fails when output `out` (named `name`) is one of the n tensors in
   `others` (NULLs ignored): the kernels read and write in parallel. */
ads_status pool_check_distinct(const ads_tensor *out, const char *name,
                               const ads_tensor *const *others, int n);

ads_status pool_kernel(ads_context *ctx, const char *name, cl_kernel *k);
/* Sets the 15 POOL_GEOMETRY arguments starting at index first. */
ads_status pool_set_geometry(cl_kernel k, cl_uint first, const pool_call *c);

/* Enqueues a 1-D pool launch with the one local size the pool kernels use
   (PoCL compiles each (kernel, local size) pair: one size keeps that to
   one compile per kernel whatever the shapes). The row-cached kernels are
   the exception: their group size follows their local memory (8, 4, 2 or
   1; see pool_rows_local). */
ads_status pool_enqueue(ads_context *ctx, ads_launch *l);

/* The column table of c's columns (pool_sep_col_table in cl/pool.cl): Wo
   padded to whole vectors, the table's size in floats, and its build into
   tab (from px, or from the fixed grid). */
int pool_padded_wo(const pool_call *c);
size_t pool_col_table_count(const pool_call *c);
ads_status pool_col_table(ads_context *ctx, const pool_call *c, ads_tensor *tab);

/* The row-cached kernels keep their caches in local memory: the floats
   one work-item needs (parts 1: forward, 2: position gradients), and the
   bytes for a group of *group work-items (8, 4, 2 or 1, the most that
   fit in half the device's local memory), 0 when not even one fits. */
size_t pool_rows_item_floats(const pool_call *c, int parts);
size_t pool_rows_local(ads_context *ctx, size_t per_item_floats, size_t *group);

/* Enqueues the forward kernel of c's sampling kind; y or argmax may be
   NULL (not both): that output is not written. */
ads_status pool_enqueue_forward(ads_context *ctx, const pool_call *c, ads_tensor *y,
                                ads_tensor *argmax);

#endif
