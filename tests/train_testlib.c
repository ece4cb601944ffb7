#include "train_testlib.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static size_t count_of(int ndim, const int64_t *shape)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= (size_t)shape[i];
    return n;
}

ads_tensor *tl_random(ads_context *ctx, int ndim, const int64_t *shape, double lo, double hi,
                      double **host)
{
    size_t n = count_of(ndim, shape);
    float *v = malloc(n * sizeof *v);
    double *d = malloc(n * sizeof *d);
    ck_assert(v && d);
    test_fill_uniform(v, n, lo, hi);
    for (size_t i = 0; i < n; i++) d[i] = v[i];
    ads_tensor *t = test_tensor(ctx, ndim, shape, v);
    free(v);
    if (host) *host = d;
    else free(d);
    return t;
}

ads_tensor *tl_sentinel(ads_context *ctx, int ndim, const int64_t *shape)
{
    ads_tensor *t = test_tensor(ctx, ndim, shape, NULL);
    size_t n = ads_tensor_count(t);
    float *v = malloc(n * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < n; i++) v[i] = SENTINEL;
    ck_assert_ads_ok(ads_tensor_write(t, v, n));
    free(v);
    return t;
}

void tl_assert_sentinel(const ads_tensor *t, const char *name)
{
    float *v = test_read(t);
    size_t n = ads_tensor_count(t);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(v[i] == SENTINEL, "%s[%zu] changed to %g by a rejected call", name, i,
                      (double)v[i]);
    free(v);
}

double *tl_read(const ads_tensor *t)
{
    float *v = test_read(t);
    size_t n = ads_tensor_count(t);
    double *d = malloc(n * sizeof *d);
    ck_assert_ptr_nonnull(d);
    for (size_t i = 0; i < n; i++) d[i] = v[i];
    free(v);
    return d;
}

double *tl_dup(const double *v, size_t n)
{
    double *d = malloc(n * sizeof *d);
    ck_assert_ptr_nonnull(d);
    memcpy(d, v, n * sizeof *d);
    return d;
}

double *tl_abs(const double *v, size_t n)
{
    double *d = tl_dup(v, n);
    for (size_t i = 0; i < n; i++) d[i] = fabs(d[i]);
    return d;
}

double tl_error(const double *got, const double *want, const double *scale, size_t n, double atol,
                double rtol, double *abs_err)
{
    double worst = 0, worst_abs = 0;
    for (size_t i = 0; i < n; i++) {
        double a = fabs(got[i] - want[i]);
        double e = a / (atol + rtol * (scale ? scale[i] : fabs(want[i])));
        if (!(e <= worst)) worst = isnan(e) ? INFINITY : e;
        if (!(a <= worst_abs)) worst_abs = isnan(a) ? INFINITY : a;
    }
    if (abs_err) *abs_err = worst_abs;
    return worst;
}

double tl_fd_check(tl_objective f, void *env, double *p, size_t n, const double *g, double h,
                   double tol_scale)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double keep = p[i];
        p[i] = keep + h;
        double up = f(env);
        p[i] = keep - h;
        double down = f(env);
        p[i] = keep;
        double fd = (up - down) / (2 * h);
        double e = fabs(fd - g[i]) / (tol_scale * (1 + fabs(g[i])));
        if (!(e <= worst)) worst = isnan(e) ? INFINITY : e;
    }
    return worst;
}
