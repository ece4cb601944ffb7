/* Helpers of the training-layer suites: host/device copies in double,
   central finite differences, and sentinel checks for rejected calls. */
#ifndef ADS_TRAIN_TESTLIB_H
#define ADS_TRAIN_TESTLIB_H

#include "adastride_nn.h"
#include "harness.h"

/* float32 unit roundoff */
#define U32 (1.0 / 16777216.0)
/* Fills rejected calls' outputs; must survive them bit for bit. */
#define SENTINEL 7.25f

/* A tensor of random uniform [lo, hi) floats; *host (malloc'd, caller
   frees) receives the same values in double. */
ads_tensor *tl_random(ads_context *ctx, int ndim, const int64_t *shape, double lo, double hi,
                      double **host);
/* A tensor whose every element is SENTINEL. */
ads_tensor *tl_sentinel(ads_context *ctx, int ndim, const int64_t *shape);
/* Fails unless every element of t is SENTINEL. */
void tl_assert_sentinel(const ads_tensor *t, const char *name);
/* Reads t into a new double array. */
double *tl_read(const ads_tensor *t);
double *tl_dup(const double *v, size_t n);
double *tl_abs(const double *v, size_t n);

/* max_i |got_i - want_i| / (atol + rtol * scale_i) (scale NULL: |want_i|);
   <= 1 passes. *abs_err (may be NULL) gets the largest |got - want|. */
double tl_error(const double *got, const double *want, const double *scale, size_t n, double atol,
                double rtol, double *abs_err);

/* f(params) as a double; central differences of it over every element
   of p (restored after) with step h, compared with the analytic
   gradient: returns max |fd - g| / (tol_scale * (1 + |g|)). */
typedef double (*tl_objective)(void *env);
double tl_fd_check(tl_objective f, void *env, double *p, size_t n, const double *g, double h,
                   double tol_scale);

/* Expects status `want` and a message containing `phrase`. */
#define tl_expect_fail(expr, want, phrase)                                                         \
    do {                                                                                           \
        ads_status st_ = (expr);                                                                   \
        ck_assert_msg(st_ == (want), "%s -> %s (%s), expected %s", #expr, ads_status_string(st_),  \
                      ads_last_error(), ads_status_string(want));                                  \
        ck_assert_msg(strstr(ads_last_error(), (phrase)) != NULL, "%s: message '%s' lacks '%s'",   \
                      #expr, ads_last_error(), (phrase));                                          \
    } while (0)

#endif
