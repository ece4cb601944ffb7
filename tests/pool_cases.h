/* Random pooling problems shared by the pool suites: shapes, data and
   positions on the host and the device, and their reference views. */
#ifndef ADS_TEST_POOL_CASES_H
#define ADS_TEST_POOL_CASES_H

#include "harness.h"
#include "ref_pool.h"
#include "sampling_shared.h" /* the sampling kinds */

typedef struct {
    ads_pool_desc d;
    ads_sampling_kind kind;
    int N, C, H, W, Ho, Wo;
    float *x, *py, *px, *grid;      /* host; unused positions NULL */
    double *dx, *dpy, *dpx, *dgrid; /* the same in double; fixed: dpy/dpx = stride*i */
    ads_tensor *tx, *tpy, *tpx, *tgrid;
} pool_case;

/* A random problem of the given kind and mode, up to max_hw pixels a side
   (borders included: positions reach past both edges). */
void pc_random(ads_context *ctx, pool_case *pc, ads_sampling_kind kind, ads_pool_mode mode,
               int max_hw);
/* A larger random problem for the vectorised paths: rows and columns that
   fill several vectors and work-item blocks but not whole ones; separable
   positions monotone (an adaptive-stride grid) when asked, else random. */
void pc_large(ads_context *ctx, pool_case *pc, ads_sampling_kind kind, ads_pool_mode mode,
              bool monotone);
/* Trial `trial` (0-11) of the shape tests (pixel shape against row
   shape): mode trial % 3, small random shapes up to 12 a side for trials
   0-8, larger ones (pc_large, random positions) for 9-11. */
void pc_shape_trial(ads_context *ctx, pool_case *pc, ads_sampling_kind kind, int trial);
/* A problem with the given desc and sizes; for ADS_SAMPLING_FIXED Ho/Wo come from
   the desc, else they are given. Positions random as in pc_random. */
void pc_make(ads_context *ctx, pool_case *pc, ads_sampling_kind kind, ads_pool_desc d, int N, int C,
             int H, int W, int Ho, int Wo);
/* Writes host positions/x (after the test edited them) to the device and
   the double copies. */
void pc_sync(pool_case *pc);
/* Replaces random positions by NaN, +-Inf and huge values: about one in
   three of py (or of the grid), one in px_one_in of px; then pc_sync. */
void pc_poison_positions(pool_case *pc, int px_one_in);
void pc_free(pool_case *pc);

/* A position value on a 2^-10 grid offset by 2^-11: never an integer, so
   float tap positions are exact and finite differences never cross a
   cell edge. */
float pc_position(double lo, double hi);

ads_sampling pc_at(const pool_case *pc);
ref_pool_params pc_params(const pool_case *pc);
ref_pool_dims pc_dims(const pool_case *pc);
ref_pool_at pc_ref_at(const pool_case *pc);

size_t pc_ycount(const pool_case *pc);
size_t pc_xcount(const pool_case *pc);
/* A device tensor N x C x Ho x Wo (zeros). */
ads_tensor *pc_ytensor(ads_context *ctx, const pool_case *pc);

double *pc_double(const float *v, size_t n);
/* Checks got against want with test_max_error's rule; prints the largest
   absolute error under `what` (it shows in the meson log) and fails the
   test when the scaled error exceeds 1. Returns the largest abs error. */
double pc_compare(const char *what, const float *got, const double *want, size_t n, double atol,
                  double rtol);
/* The largest of the values pc_compare printed for `what` so far. */
void pc_summary(void);

#endif
