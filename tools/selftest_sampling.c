/* Known-answer checks of the sampling operations (docs/design.md 1.1, 1.2):
   small cases worked out by hand, one line per function. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "selftest.h"

/* Up to 8 tensors per check, released together. */
typedef struct {
    ads_context *ctx;
    ads_tensor *t[8];
    int n;
    ads_status st;
} pool;

/* A new tensor holding data (NULL: zeros); NULL once anything failed. */
static ads_tensor *make(pool *p, int ndim, const int64_t *shape, const float *data)
{
    ads_tensor *t = NULL;
    if (p->st == ADS_OK) p->st = ads_tensor_create(p->ctx, ndim, shape, &t);
    if (p->st == ADS_OK && data) p->st = ads_tensor_write(t, data, ads_tensor_count(t));
    if (t) p->t[p->n++] = t;
    return p->st == ADS_OK ? t : NULL;
}

static void drain(pool *p)
{
    for (int i = 0; i < p->n; i++) ads_tensor_release(p->t[i]);
    p->n = 0;
}

/* Reads t and compares with want to 1e-5 relative; describes a miss. */
static bool matches(pool *p, const ads_tensor *t, const float *want, int n, char *why, size_t len)
{
    float got[16];
    if (p->st == ADS_OK) p->st = ads_tensor_read(t, got, (size_t)n);
    if (p->st != ADS_OK) return false;
    for (int i = 0; i < n; i++)
        if (!(fabsf(got[i] - want[i]) <= 1e-5f * (1.0f + fabsf(want[i])))) {
            snprintf(why, len, "element %d is %.7g, expected %.7g", i, (double)got[i],
                     (double)want[i]);
            return false;
        }
    return true;
}

/* Reports the pool's status or the comparison. */
static void report(selftest_tally *t, const char *name, pool *p, bool ok, const char *why)
{
    if (selftest_status(t, name, p->st)) selftest_check(t, name, ok, "%s", why);
    drain(p);
}

/* Row 0: zero logits, the fixed grid 1, 3, 5, 7 (stride 2, origin 1).
   Row 1: logits (0, ln 3, 0, 0): sigma = (1, 3, 1, 1) / 6, strides
   2 * 4 * sigma = (4/3, 4, 4/3, 4/3), positions 1, 7/3, 19/3, 23/3. */
static void check_positions(ads_context *ctx, selftest_tally *t)
{
    const char *name = "stride_positions";
    pool p = {.ctx = ctx};
    int64_t s[2] = {2, 4};
    float a[8] = {0, 0, 0, 0, 0, logf(3.0f), 0, 0};
    float want[8] = {1, 3, 5, 7, 1, 7.0f / 3, 19.0f / 3, 23.0f / 3};
    ads_tensor *ta = make(&p, 2, s, a), *tp = make(&p, 2, s, NULL);
    if (p.st == ADS_OK) p.st = ads_stride_positions(ctx, ta, 2.0f, 1.0f, 1.0f, tp);
    char why[128] = "";
    bool ok = matches(&p, tp, want, 8, why, sizeof why);
    report(t, name, &p, ok, why);
}

/* Stride 2, temperature 0.5, g_p = (0, 1), so g_s = (1, 0).
   Row 0, logits (0, 0): sigma = (.5, .5), s = (2, 2), sum s g_s = 2:
   g_a = ((2 - 1) / .5, (0 - 1) / .5) = (2, -2).
   Row 1, logits (0, ln 3): sigma = softmax(0, 2 ln 3) = (.1, .9),
   s = (.4, 3.6), sum s g_s = .4: g_a = ((.4 - .04) / .5, -.36 / .5). */
static void check_positions_backward(ads_context *ctx, selftest_tally *t)
{
    const char *name = "stride_positions_backward";
    pool p = {.ctx = ctx};
    int64_t s[2] = {2, 2};
    float a[4] = {0, 0, 0, logf(3.0f)}, gp[4] = {0, 1, 0, 1};
    float want[4] = {2, -2, 0.72f, -0.72f};
    ads_tensor *ta = make(&p, 2, s, a), *tg = make(&p, 2, s, gp), *tga = make(&p, 2, s, NULL);
    if (p.st == ADS_OK) p.st = ads_stride_positions_backward(ctx, ta, 2.0f, 0.5f, tg, tga);
    char why[128] = "";
    bool ok = matches(&p, tga, want, 4, why, sizeof why);
    report(t, name, &p, ok, why);
}

/* x = [[1, 2], [3, 5]] (1 x 1 x 2 x 2), v_rows = 2, v_cols = 1, Ho = 1,
   Wo = 2. Linear: row means (1.5, 4) -> profile (3, 8), one bin: 5.5;
   column means (2, 3.5). Variation: rows |(2, 3)| -> 2.5 * 2 = 5 and 0,
   mean 2.5; columns |(1, 2)| -> 1.5 and 0. */
static const float sx[4] = {1, 2, 3, 5}, svr[1] = {2}, svc[1] = {1};
static const int64_t sxs[4] = {1, 1, 2, 2}, sc[1] = {1}, sr[2] = {1, 1}, scl[2] = {1, 2};

static void check_logits(ads_context *ctx, selftest_tally *t)
{
    const char *name = "stride_logits";
    static const float want[2][3] = {{5.5f, 2, 3.5f}, {2.5f, 1.5f, 0}};
    pool p = {.ctx = ctx};
    char why[128] = "";
    bool ok = true;
    for (int phi = 0; phi < 2 && ok; phi++) {
        ads_tensor *x = make(&p, 4, sxs, sx), *vr = make(&p, 1, sc, svr);
        ads_tensor *vc = make(&p, 1, sc, svc), *ar = make(&p, 2, sr, NULL);
        ads_tensor *ac = make(&p, 2, scl, NULL);
        if (p.st == ADS_OK) p.st = ads_stride_logits(ctx, (ads_profile)phi, x, vr, vc, ar, ac);
        ok = matches(&p, ar, want[phi], 1, why, sizeof why) &&
             matches(&p, ac, want[phi] + 1, 2, why, sizeof why);
        if (!ok && p.st == ADS_OK)
            snprintf(why + strlen(why), sizeof why - strlen(why), " (%s)",
                     phi ? "variation" : "linear");
        if (p.st != ADS_OK || !ok) break;
        drain(&p);
    }
    report(t, name, &p, ok, why);
}

/* Same x and v, ga_rows = 1, ga_cols = (1, 1), gx starting at 1.
   The profile gradients are (.5, .5) for the rows (a bin of 2) and
   (1, 1) for the columns. Linear: gv_rows = .5 * 1.5 + .5 * 4 = 2.75,
   gv_cols = 2 + 3.5 = 5.5, gx = 1 + 2 * .5 / 2 + 1 * 1 / 2 = 2.
   Variation: gv_rows = .5 * 2.5 = 1.25, gv_cols = 1.5; every difference
   is positive, so gx = 1 + (-.5, -.5, .5, .5) + (-.5, .5, -.5, .5). */
static void check_logits_backward(ads_context *ctx, selftest_tally *t)
{
    const char *name = "stride_logits_backward";
    static const float want_gv[2][2] = {{2.75f, 5.5f}, {1.25f, 1.5f}};
    static const float want_gx[2][4] = {{2, 2, 2, 2}, {0, 1, 1, 2}};
    const float ones[4] = {1, 1, 1, 1};
    pool p = {.ctx = ctx};
    char why[128] = "";
    bool ok = true;
    for (int phi = 0; phi < 2 && ok; phi++) {
        ads_tensor *x = make(&p, 4, sxs, sx), *vr = make(&p, 1, sc, svr);
        ads_tensor *vc = make(&p, 1, sc, svc), *gar = make(&p, 2, sr, ones);
        ads_tensor *gac = make(&p, 2, scl, ones), *gx = make(&p, 4, sxs, ones);
        ads_tensor *gvr = make(&p, 1, sc, NULL), *gvc = make(&p, 1, sc, NULL);
        if (p.st == ADS_OK)
            p.st = ads_stride_logits_backward(ctx, (ads_profile)phi, x, vr, vc, gar, gac, gx, gvr,
                                              gvc);
        ok = matches(&p, gvr, want_gv[phi], 1, why, sizeof why) &&
             matches(&p, gvc, want_gv[phi] + 1, 1, why, sizeof why) &&
             matches(&p, gx, want_gx[phi], 4, why, sizeof why);
        if (p.st != ADS_OK || !ok) break;
        drain(&p);
    }
    report(t, name, &p, ok, why);
}

void selftest_sampling(ads_context *ctx, selftest_tally *t)
{
    check_positions(ctx, t);
    check_positions_backward(ctx, t);
    check_logits(ctx, t);
    check_logits_backward(ctx, t);
}
