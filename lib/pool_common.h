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

/* Enqueues a 1-D pool launch with the one local size every pool kernel
   uses (PoCL compiles each (kernel, local size) pair: one size keeps that
   to one compile per kernel whatever the shapes). */
ads_status pool_enqueue(ads_context *ctx, ads_launch *l);

/* Enqueues the forward kernel of c's sampling kind; y or argmax may be
   NULL (not both): that output is not written. */
ads_status pool_enqueue_forward(ads_context *ctx, const pool_call *c, ads_tensor *y,
                                ads_tensor *argmax);

#endif
