/* Shared helpers of the gather-convolution suites: random cases (shapes,
   data, positions), device copies, and comparison against the double
   reference with a tolerance scaled by each output's sum of |terms|. */
#ifndef ADS_GCONV_TESTLIB_H
#define ADS_GCONV_TESTLIB_H

#include "harness.h"
#include "ref_gconv.h"

#include "sampling_shared.h" /* the sampling kinds */

typedef struct {
    ref_gconv_shape s;
    int kind, has_bias;
    /* Host data in float (what the device gets) and in double (the same
       values, for the reference). NULL where not used. */
    float *x, *w, *b, *py, *px, *grid;
    double *dx, *dw, *db, *dpy, *dpx, *dgrid;
} gc_case;

typedef struct {
    ads_tensor *x, *w, *b, *py, *px, *grid;
} gc_dev;

/* A random case of the given kind: groups (or depthwise), kh != kw,
   padding, dilation and stride per axis, batch 1..3, non-square inputs;
   positions anywhere in and around the image (borders, the zero halo and
   beyond, exact integers and half-integers). Every position is a multiple
   of 1/1024, so it and every tap offset from it are exact in float, and
   its fraction is 0 or at least 8/1024 away from an integer. */
void gc_random_case(gc_case *c, int kind, int depthwise);
/* A case with the given shape and kind and random data and positions. */
void gc_make_case(gc_case *c, const ref_gconv_shape *s, int kind, int has_bias);
/* Fixed-grid positions written as separable or grid positions. */
void gc_uniform_positions(gc_case *c, int kind);
void gc_case_free(gc_case *c);
/* Empties the context's workspace pool and leaves in it `k` workspaces of
   `count` floats each, all NaN, which the next call's workspaces take (the
   pool hands out the smallest that fits): an entry a kernel fails to
   write then shows in the result, instead of an earlier call's value. */
void gc_poison_workspaces(ads_context *ctx, size_t count, int k);
/* Re-derives the double copies after the float data changed. */
void gc_sync(gc_case *c);

ads_conv_desc gc_desc(const gc_case *c);
ref_gconv_at gc_ref_at(const gc_case *c);
void gc_upload(ads_context *ctx, const gc_case *c, gc_dev *d);
ads_sampling gc_sampling(const gc_dev *d);
void gc_dev_free(gc_dev *d);
/* A device tensor of the shape filled with `v`. */
ads_tensor *gc_filled(ads_context *ctx, int ndim, const int64_t *shape, float v);
/* Every element of t equals v. */
int gc_all_equal(const ads_tensor *t, float v);

size_t gc_count_x(const gc_case *c);
size_t gc_count_w(const gc_case *c);
size_t gc_count_y(const gc_case *c);
size_t gc_count_pos(const gc_case *c, int which); /* 0 py, 1 px, 2 grid */

/* Largest |got - want| / (2e-5 * mag + 1e-6) over n elements; fails the
   test naming `what` when above 1. The tolerance: float32 sums of up to a
   few thousand terms err by about sqrt(K) * 6e-8 of the sum of |terms|
   (mag), well under 2e-5; 1e-6 covers outputs whose terms all vanish.
   *max_abs (if not NULL) is raised to the largest |got - want|. */
double gc_check(const char *what, const float *got, const double *want, const double *mag, size_t n,
                double *max_abs);

#endif
