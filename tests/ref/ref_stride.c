/* Plain double-precision reference of the sampling operations (see
   ref_stride.h), written from docs/design.md 1.1 and 1.2 as directly as
   possible and independently of the kernels' formulation. */
#include "ref_stride.h"

#include <math.h>
#include <stdlib.h>

/* sigma = softmax(a / t) of one row, max-subtracted. */
static void softmax_row(const double *a, long L, double t, double *sigma)
{
    double m = -INFINITY, sum = 0;
    for (long j = 0; j < L; j++) m = fmax(m, a[j] / t);
    for (long j = 0; j < L; j++) sum += sigma[j] = exp(a[j] / t - m);
    for (long j = 0; j < L; j++) sigma[j] /= sum;
}

void ref_stride_positions(const double *a, long N, long L, double stride, double origin,
                          double temperature, double *p)
{
    double *sigma = malloc((size_t)L * sizeof *sigma);
    for (long n = 0; n < N; n++) {
        softmax_row(a + n * L, L, temperature, sigma);
        double pos = origin;
        for (long i = 0; i < L; i++) {
            p[n * L + i] = pos;
            pos += stride * (double)L * sigma[i]; /* s_i = S * L * sigma_i */
        }
    }
    free(sigma);
}

void ref_stride_positions_backward(const double *a, long N, long L, double stride,
                                   double temperature, const double *gp, double *ga)
{
    double *sigma = malloc((size_t)L * sizeof *sigma), *gs = malloc((size_t)L * sizeof *gs);
    for (long n = 0; n < N; n++) {
        softmax_row(a + n * L, L, temperature, sigma);
        /* g_s[j] = sum_{i>j} g_p[i] */
        double after = 0;
        for (long j = L - 1; j >= 0; j--) {
            gs[j] = after;
            after += gp[n * L + j];
        }
        double dot = 0; /* sum_j s_j g_s[j] */
        for (long j = 0; j < L; j++) dot += stride * (double)L * sigma[j] * gs[j];
        for (long k = 0; k < L; k++) {
            double s_k = stride * (double)L * sigma[k];
            ga[n * L + k] = (s_k * gs[k] - sigma[k] * dot) / temperature;
        }
    }
    free(sigma);
    free(gs);
}

void ref_stride_bin(long i, long L, long n, long *lo, long *hi)
{
    *lo = (long)floor((double)i * (double)n / (double)L);
    *hi = (long)ceil((double)(i + 1) * (double)n / (double)L);
}

static double at(const double *x, long C, long H, long W, long n, long c, long h, long w)
{
    return x[((n * C + c) * H + h) * W + w];
}

/* phi of image n, channel c, row h (rows = 1) or column h (rows = 0). */
static double phi(int variation, int rows, const double *x, long C, long H, long W, long n, long c,
                  long line)
{
    long count = rows ? W : H, lines = rows ? H : W;
    double s = 0;
    for (long k = 0; k < count; k++) {
        long h = rows ? line : k, w = rows ? k : line;
        if (!variation) s += at(x, C, H, W, n, c, h, w);
        else if (line + 1 < lines)
            s += fabs(at(x, C, H, W, n, c, h + rows, w + !rows) - at(x, C, H, W, n, c, h, w));
    }
    return s / (double)count;
}

static void logits_axis(int variation, int rows, const double *x, long N, long C, long H, long W,
                        const double *v, long L, double *a)
{
    long lines = rows ? H : W;
    double *prof = malloc((size_t)lines * sizeof *prof);
    for (long n = 0; n < N; n++) {
        for (long l = 0; l < lines; l++) {
            prof[l] = 0;
            for (long c = 0; c < C; c++)
                prof[l] += v[c] * phi(variation, rows, x, C, H, W, n, c, l);
        }
        for (long i = 0; i < L; i++) {
            long lo, hi;
            ref_stride_bin(i, L, lines, &lo, &hi);
            double s = 0;
            for (long l = lo; l < hi; l++) s += prof[l];
            a[n * L + i] = s / (double)(hi - lo);
        }
    }
    free(prof);
}

void ref_stride_logits(int variation, const double *x, long N, long C, long H, long W,
                       const double *v_rows, long Ho, double *a_rows, const double *v_cols, long Wo,
                       double *a_cols)
{
    if (v_rows) logits_axis(variation, 1, x, N, C, H, W, v_rows, Ho, a_rows);
    if (v_cols) logits_axis(variation, 0, x, N, C, H, W, v_cols, Wo, a_cols);
}

static double sgn(double d) { return d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0; }

/* One axis backward: the profile gradient by scattering each bin's
   gradient over its lines, then gv and gx from the definition of phi. */
static void logits_axis_backward(int variation, int rows, const double *x, long N, long C, long H,
                                 long W, const double *v, long L, const double *ga, double *gx,
                                 double *gv)
{
    long lines = rows ? H : W, count = rows ? W : H;
    double *gprof = malloc((size_t)lines * sizeof *gprof);
    if (gv)
        for (long c = 0; c < C; c++) gv[c] = 0;
    for (long n = 0; n < N; n++) {
        for (long l = 0; l < lines; l++) gprof[l] = 0;
        for (long i = 0; i < L; i++) {
            long lo, hi;
            ref_stride_bin(i, L, lines, &lo, &hi);
            for (long l = lo; l < hi; l++) gprof[l] += ga[n * L + i] / (double)(hi - lo);
        }
        for (long c = 0; c < C; c++)
            for (long l = 0; l < lines; l++) {
                if (gv) gv[c] += gprof[l] * phi(variation, rows, x, C, H, W, n, c, l);
                if (!gx) continue;
                double g = v[c] * gprof[l] / (double)count; /* d loss / d (term of phi) */
                for (long k = 0; k < count; k++) {
                    long h = rows ? l : k, w = rows ? k : l;
                    long here = ((n * C + c) * H + h) * W + w;
                    if (!variation) {
                        gx[here] += g;
                    } else if (l + 1 < lines) {
                        long next = rows ? here + W : here + 1;
                        double d = sgn(x[next] - x[here]);
                        gx[next] += g * d;
                        gx[here] -= g * d;
                    }
                }
            }
    }
    free(gprof);
}

void ref_stride_logits_backward(int variation, const double *x, long N, long C, long H, long W,
                                const double *v_rows, long Ho, const double *ga_rows,
                                const double *v_cols, long Wo, const double *ga_cols, double *gx,
                                double *gv_rows, double *gv_cols)
{
    if (v_rows) logits_axis_backward(variation, 1, x, N, C, H, W, v_rows, Ho, ga_rows, gx, gv_rows);
    if (v_cols) logits_axis_backward(variation, 0, x, N, C, H, W, v_cols, Wo, ga_cols, gx, gv_cols);
}
