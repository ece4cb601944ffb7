/* Double-precision references of the training building blocks, written
   from the formulas (textbook loops, no shared code with lib/). */
#include "ref_train.h"

#include <math.h>
#include <stdlib.h>

void ref_dense_forward(long N, long in, long out, const double *x, const double *w, const double *b,
                       double *y)
{
    for (long n = 0; n < N; n++)
        for (long o = 0; o < out; o++) {
            double s = b ? b[o] : 0.0;
            for (long i = 0; i < in; i++) s += x[n * in + i] * w[o * in + i];
            y[n * out + o] = s;
        }
}

void ref_dense_backward(long N, long in, long out, const double *x, const double *w,
                        const double *gy, double *gx, double *gw, double *gb)
{
    for (long n = 0; gx && n < N; n++)
        for (long i = 0; i < in; i++) {
            double s = 0;
            for (long o = 0; o < out; o++) s += gy[n * out + o] * w[o * in + i];
            gx[n * in + i] = s;
        }
    for (long o = 0; gw && o < out; o++)
        for (long i = 0; i < in; i++) {
            double s = 0;
            for (long n = 0; n < N; n++) s += gy[n * out + o] * x[n * in + i];
            gw[o * in + i] = s;
        }
    for (long o = 0; gb && o < out; o++) {
        double s = 0;
        for (long n = 0; n < N; n++) s += gy[n * out + o];
        gb[o] = s;
    }
}

void ref_relu_forward(size_t n, const double *x, double *y)
{
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0.0;
}

void ref_relu_backward(size_t n, const double *x, const double *gy, double *gx)
{
    for (size_t i = 0; i < n; i++) gx[i] = x[i] > 0 ? gy[i] : 0.0;
}

static uint64_t finalise(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t ref_dropout_hash(uint64_t seed, uint64_t i)
{
    uint64_t key = finalise(seed + 0x9E3779B97F4A7C15ull); /* splitmix64(seed) */
    return finalise(key + (i + 1) * 0x9E3779B97F4A7C15ull);
}

void ref_dropout_mask(size_t n, double p, uint64_t seed, double *mask)
{
    for (size_t i = 0; i < n; i++) {
        double r = (double)(ref_dropout_hash(seed, i) >> 40);
        mask[i] = r < p * 16777216.0 ? 0.0 : 1.0 / (1.0 - p);
    }
}

void ref_gap_forward(size_t planes, size_t S, const double *x, double *y)
{
    for (size_t p = 0; p < planes; p++) {
        double s = 0;
        for (size_t i = 0; i < S; i++) s += x[p * S + i];
        y[p] = s / (double)S;
    }
}

void ref_gap_backward(size_t planes, size_t S, const double *gy, double *gx)
{
    for (size_t p = 0; p < planes; p++)
        for (size_t i = 0; i < S; i++) gx[p * S + i] = gy[p] / (double)S;
}

#define BN_AT(n, c, s) (((n)*C + (c)) * S + (s))

/* Channel c's mean and biased variance. */
static void bn_moments(long N, long C, long S, const double *x, long c, double *mean, double *var)
{
    double sum = 0, M = (double)(N * S);
    for (long n = 0; n < N; n++)
        for (long s = 0; s < S; s++) sum += x[BN_AT(n, c, s)];
    double mu = sum / M, q = 0;
    for (long n = 0; n < N; n++)
        for (long s = 0; s < S; s++) q += (x[BN_AT(n, c, s)] - mu) * (x[BN_AT(n, c, s)] - mu);
    *mean = mu;
    *var = q / M;
}

void ref_bn_forward_train(long N, long C, long S, const double *x, const double *gamma,
                          const double *beta, double eps, double *y, double *mean, double *invstd,
                          double *var_unbiased)
{
    double M = (double)(N * S);
    for (long c = 0; c < C; c++) {
        double mu, var;
        bn_moments(N, C, S, x, c, &mu, &var);
        double is = 1.0 / sqrt(var + eps);
        if (mean) mean[c] = mu;
        if (invstd) invstd[c] = is;
        if (var_unbiased) var_unbiased[c] = var * M / (M - 1);
        for (long n = 0; n < N; n++)
            for (long s = 0; s < S; s++)
                y[BN_AT(n, c, s)] = gamma[c] * (x[BN_AT(n, c, s)] - mu) * is + beta[c];
    }
}

void ref_bn_forward_infer(long N, long C, long S, const double *x, const double *gamma,
                          const double *beta, const double *rmean, const double *rvar, double eps,
                          double *y)
{
    for (long n = 0; n < N; n++)
        for (long c = 0; c < C; c++)
            for (long s = 0; s < S; s++)
                y[BN_AT(n, c, s)] =
                    gamma[c] * (x[BN_AT(n, c, s)] - rmean[c]) / sqrt(rvar[c] + eps) + beta[c];
}

void ref_bn_backward(long N, long C, long S, const double *x, const double *gamma, double eps,
                     const double *gy, double *gx, double *ggamma, double *gbeta)
{
    double M = (double)(N * S);
    for (long c = 0; c < C; c++) {
        double mu, var;
        bn_moments(N, C, S, x, c, &mu, &var);
        double is = 1.0 / sqrt(var + eps), sg = 0, sgx = 0;
        for (long n = 0; n < N; n++)
            for (long s = 0; s < S; s++) {
                double g = gy[BN_AT(n, c, s)];
                sg += g;
                sgx += g * (x[BN_AT(n, c, s)] - mu) * is;
            }
        if (ggamma) ggamma[c] = sgx;
        if (gbeta) gbeta[c] = sg;
        for (long n = 0; gx && n < N; n++)
            for (long s = 0; s < S; s++) {
                double xhat = (x[BN_AT(n, c, s)] - mu) * is;
                gx[BN_AT(n, c, s)] = gamma[c] * is / M * (M * gy[BN_AT(n, c, s)] - sg - xhat * sgx);
            }
    }
}

double ref_softmax_ce(long N, long K, const double *logits, const double *labels, double *glogits)
{
    double total = 0;
    for (long n = 0; n < N; n++) {
        const double *z = logits + n * K;
        long label = (long)labels[n];
        double zmax = z[0], se = 0;
        for (long k = 1; k < K; k++) zmax = fmax(zmax, z[k]);
        for (long k = 0; k < K; k++) se += exp(z[k] - zmax);
        total += log(se) + zmax - z[label];
        for (long k = 0; glogits && k < K; k++)
            glogits[n * K + k] = (exp(z[k] - zmax) / se - (k == label)) / (double)N;
    }
    return total / (double)N;
}

void ref_sgd_step(size_t n, double *p, const double *g, double *vel, double lr, double momentum,
                  double wd)
{
    for (size_t i = 0; i < n; i++) {
        double d = g[i] + wd * p[i];
        if (vel) {
            vel[i] = momentum * vel[i] + d;
            d = vel[i];
        }
        p[i] -= lr * d;
    }
}

void ref_adam_step(size_t n, double *p, const double *g, double *m, double *v, double lr,
                   double beta1, double beta2, double eps, double wd, int step)
{
    double bc1 = 1 - pow(beta1, step), bc2 = 1 - pow(beta2, step);
    for (size_t i = 0; i < n; i++) {
        double d = g[i] + wd * p[i];
        m[i] = beta1 * m[i] + (1 - beta1) * d;
        v[i] = beta2 * v[i] + (1 - beta2) * d * d;
        double mhat = m[i] / bc1, vhat = v[i] / bc2;
        p[i] -= lr * mhat / (sqrt(vhat) + eps);
    }
}
