/* Known-answer checks of the gather-convolution, one line per path:
   fixed, separable, grid, depthwise, backward, depthwise backward. The answers are worked out
   by hand in the comments. */
#include <math.h>
#include <stdio.h>

#include "selftest.h"

/* x = 1..9 as one 3x3 image. */
static const float nine[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};

static ads_status tensor(ads_context *ctx, int ndim, const int64_t *shape, const float *data,
                         ads_tensor **out)
{
    ads_status st = ads_tensor_create(ctx, ndim, shape, out);
    if (st == ADS_OK && data) st = ads_tensor_write(*out, data, ads_tensor_count(*out));
    return st;
}

static bool close_to(const float *got, const float *want, int n, char *detail, size_t len)
{
    for (int i = 0; i < n; i++)
        if (!(fabsf(got[i] - want[i]) <= 1e-5f * (1 + fabsf(want[i])))) {
            snprintf(detail, len, "element %d is %g, expected %g", i, (double)got[i],
                     (double)want[i]);
            return false;
        }
    return true;
}

typedef struct {
    const char *name;
    ads_conv_desc d;
    int64_t xs[4], ws[4], ys[4], pys[2], pxs[2], gs[4];
    const float *x, *w, *b, *py, *px, *grid, *want;
} fwd_case;

static void check_forward(ads_context *ctx, selftest_tally *t, const fwd_case *c)
{
    ads_tensor *x = NULL, *w = NULL, *b = NULL, *y = NULL, *py = NULL, *px = NULL, *grid = NULL;
    int64_t bs[1] = {c->ws[0]};
    int ny = (int)(c->ys[0] * c->ys[1] * c->ys[2] * c->ys[3]);
    float got[16];
    ads_status st = tensor(ctx, 4, c->xs, c->x, &x);
    if (st == ADS_OK) st = tensor(ctx, 4, c->ws, c->w, &w);
    if (st == ADS_OK && c->b) st = tensor(ctx, 1, bs, c->b, &b);
    if (st == ADS_OK && c->py) st = tensor(ctx, 2, c->pys, c->py, &py);
    if (st == ADS_OK && c->px) st = tensor(ctx, 2, c->pxs, c->px, &px);
    if (st == ADS_OK && c->grid) st = tensor(ctx, 4, c->gs, c->grid, &grid);
    if (st == ADS_OK) st = tensor(ctx, 4, c->ys, NULL, &y);
    ads_sampling at = {py, px, grid};
    if (st == ADS_OK) st = ads_gconv_forward(ctx, &c->d, x, w, b, at, y);
    if (st == ADS_OK) st = ads_tensor_read(y, got, (size_t)ny);
    char detail[128] = "";
    if (selftest_status(t, c->name, st))
        selftest_check(t, c->name, close_to(got, c->want, ny, detail, sizeof detail), "%s", detail);
    ads_tensor *all[7] = {x, w, b, y, py, px, grid};
    for (int i = 0; i < 7; i++) ads_tensor_release(all[i]);
}

static const ads_conv_desc unit = {
    .kh = 1, .kw = 1, .stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1, .groups = 1};

static void forward_checks(ads_context *ctx, selftest_tally *t)
{
    /* Fixed: 2x2 ones over 1..9 plus 0.5: 1+2+4+5 = 12, 16, 24, 28. */
    static const float ones[4] = {1, 1, 1, 1}, half[1] = {0.5f};
    static const float fixed_y[4] = {12.5f, 16.5f, 24.5f, 28.5f};
    fwd_case fixed = {"gconv fixed stride",
                      unit,
                      {1, 1, 3, 3},
                      {1, 1, 2, 2},
                      {1, 1, 2, 2},
                      {0},
                      {0},
                      {0},
                      nine,
                      ones,
                      half,
                      NULL,
                      NULL,
                      NULL,
                      fixed_y};
    fixed.d.kh = fixed.d.kw = 2;
    check_forward(ctx, t, &fixed);
    /* Separable: 2 * X~(0.5, 1.25) = 2 * (0.5*(2*.75+3*.25) + 0.5*(5*.75+6*.25)) = 7.5. */
    static const float two[1] = {2}, py[1] = {0.5f}, px[1] = {1.25f}, sep_y[1] = {7.5f};
    fwd_case sep = {"gconv separable positions",
                    unit,
                    {1, 1, 3, 3},
                    {1, 1, 1, 1},
                    {1, 1, 1, 1},
                    {1, 1},
                    {1, 1},
                    {0},
                    nine,
                    two,
                    NULL,
                    py,
                    px,
                    NULL,
                    sep_y};
    check_forward(ctx, t, &sep);
    /* Grid: (-0.5, 0) blends the zero halo with x[0,0] = 1: 0.5; (2, 2.5)
       blends x[2,2] = 9 with the halo: 4.5. */
    static const float one[1] = {1}, grid[4] = {-0.5f, 0, 2, 2.5f}, grid_y[2] = {0.5f, 4.5f};
    fwd_case g = {"gconv grid positions",
                  unit,
                  {1, 1, 3, 3},
                  {1, 1, 1, 1},
                  {1, 1, 1, 2},
                  {0},
                  {0},
                  {1, 1, 2, 2},
                  nine,
                  one,
                  NULL,
                  NULL,
                  NULL,
                  grid,
                  grid_y};
    check_forward(ctx, t, &g);
    /* Depthwise 1x2: channel 0 [1 2;3 4] * [1 1] = 3, 7; channel 1
       [10 20;30 40] * [1 -1] = -10, -10. */
    static const float dx[8] = {1, 2, 3, 4, 10, 20, 30, 40}, dw[4] = {1, 1, 1, -1};
    static const float dy[4] = {3, 7, -10, -10};
    fwd_case dwc = {"gconv depthwise",
                    unit,
                    {1, 2, 2, 2},
                    {2, 1, 1, 2},
                    {1, 2, 2, 1},
                    {0},
                    {0},
                    {0},
                    dx,
                    dw,
                    NULL,
                    NULL,
                    NULL,
                    NULL,
                    dy};
    dwc.d.kw = 2;
    dwc.d.groups = 2;
    check_forward(ctx, t, &dwc);
}

/* Backward, fixed 2x2 ones over 1..9 with gy = 1: gx counts the windows
   over each pixel [1 2 1;2 4 2;1 2 1], gw sums each tap's pixels
   [12 16;24 28], gb = 4. Separable 1x1 weight 1 at (0.5, 1) with gy = 1:
   gpy = x[1,1] - x[0,1] = 3, gpx (an integer: the forward difference)
   = 0.5*(3-2) + 0.5*(6-5) = 1. */
static void backward_check(ads_context *ctx, selftest_tally *t)
{
    const char *name = "gconv backward";
    int64_t xs[4] = {1, 1, 3, 3}, ws[4] = {1, 1, 2, 2}, ys[4] = {1, 1, 2, 2}, bs[1] = {1};
    int64_t w1[4] = {1, 1, 1, 1}, y1[4] = {1, 1, 1, 1}, ps[2] = {1, 1};
    static const float ones[4] = {1, 1, 1, 1}, py0[1] = {0.5f}, px0[1] = {1.0f};
    ads_tensor *x = NULL, *w = NULL, *gy = NULL, *gx = NULL, *gw = NULL, *gb = NULL;
    ads_tensor *w1t = NULL, *gy1 = NULL, *py = NULL, *px = NULL, *gpy = NULL, *gpx = NULL;
    ads_conv_desc d = unit;
    d.kh = d.kw = 2;
    ads_status st = tensor(ctx, 4, xs, nine, &x);
    if (st == ADS_OK) st = tensor(ctx, 4, ws, ones, &w);
    if (st == ADS_OK) st = tensor(ctx, 4, ys, ones, &gy);
    if (st == ADS_OK) st = tensor(ctx, 4, xs, NULL, &gx);
    if (st == ADS_OK) st = tensor(ctx, 4, ws, NULL, &gw);
    if (st == ADS_OK) st = tensor(ctx, 1, bs, NULL, &gb);
    if (st == ADS_OK) st = tensor(ctx, 4, w1, ones, &w1t);
    if (st == ADS_OK) st = tensor(ctx, 4, y1, ones, &gy1);
    if (st == ADS_OK) st = tensor(ctx, 2, ps, py0, &py);
    if (st == ADS_OK) st = tensor(ctx, 2, ps, px0, &px);
    if (st == ADS_OK) st = tensor(ctx, 2, ps, NULL, &gpy);
    if (st == ADS_OK) st = tensor(ctx, 2, ps, NULL, &gpx);
    ads_sampling fixed = {0}, sep = {py, px, NULL};
    ads_sampling_grad none = {0}, gsep = {gpy, gpx, NULL};
    if (st == ADS_OK) st = ads_gconv_backward(ctx, &d, x, w, fixed, gy, gx, gw, gb, none);
    if (st == ADS_OK) st = ads_gconv_backward(ctx, &unit, x, w1t, sep, gy1, NULL, NULL, NULL, gsep);
    float got[16], want[16] = {1, 2, 1, 2, 4, 2, 1, 2, 1, 12, 16, 24, 28, 4, 3, 1};
    if (st == ADS_OK) st = ads_tensor_read(gx, got, 9);
    if (st == ADS_OK) st = ads_tensor_read(gw, got + 9, 4);
    if (st == ADS_OK) st = ads_tensor_read(gb, got + 13, 1);
    if (st == ADS_OK) st = ads_tensor_read(gpy, got + 14, 1);
    if (st == ADS_OK) st = ads_tensor_read(gpx, got + 15, 1);
    char detail[128] = "";
    if (selftest_status(t, name, st))
        selftest_check(t, name, close_to(got, want, 16, detail, sizeof detail),
                       "%s (0-8 gx, 9-12 gw, 13 gb, 14 gpy, 15 gpx)", detail);
    ads_tensor *all[12] = {x, w, gy, gx, gw, gb, w1t, gy1, py, px, gpy, gpx};
    for (int i = 0; i < 12; i++) ads_tensor_release(all[i]);
}

/* Depthwise backward, the forward's 1x2 case with gy = 1: gx[c] = w[c,kx]
   at column kx of every row ([1 1;1 1], [1 -1;1 -1]), gw[c,kx] = the sum
   of column kx ([4 6], [40 60]), gb = 2 outputs each. */
static void depthwise_backward_check(ads_context *ctx, selftest_tally *t)
{
    const char *name = "gconv depthwise backward";
    static const float dx[8] = {1, 2, 3, 4, 10, 20, 30, 40}, dw[4] = {1, 1, 1, -1};
    static const float ones[4] = {1, 1, 1, 1};
    int64_t xs[4] = {1, 2, 2, 2}, ws[4] = {2, 1, 1, 2}, ys[4] = {1, 2, 2, 1}, bs[1] = {2};
    ads_tensor *x = NULL, *w = NULL, *gy = NULL, *gx = NULL, *gw = NULL, *gb = NULL;
    ads_conv_desc d = unit;
    d.kw = 2;
    d.groups = 2;
    ads_status st = tensor(ctx, 4, xs, dx, &x);
    if (st == ADS_OK) st = tensor(ctx, 4, ws, dw, &w);
    if (st == ADS_OK) st = tensor(ctx, 4, ys, ones, &gy);
    if (st == ADS_OK) st = tensor(ctx, 4, xs, NULL, &gx);
    if (st == ADS_OK) st = tensor(ctx, 4, ws, NULL, &gw);
    if (st == ADS_OK) st = tensor(ctx, 1, bs, NULL, &gb);
    ads_sampling fixed = {0};
    ads_sampling_grad none = {0};
    if (st == ADS_OK) st = ads_gconv_backward(ctx, &d, x, w, fixed, gy, gx, gw, gb, none);
    float got[14], want[14] = {1, 1, 1, 1, 1, -1, 1, -1, 4, 6, 40, 60, 2, 2};
    if (st == ADS_OK) st = ads_tensor_read(gx, got, 8);
    if (st == ADS_OK) st = ads_tensor_read(gw, got + 8, 4);
    if (st == ADS_OK) st = ads_tensor_read(gb, got + 12, 2);
    char detail[128] = "";
    if (selftest_status(t, name, st))
        selftest_check(t, name, close_to(got, want, 14, detail, sizeof detail),
                       "%s (0-7 gx, 8-11 gw, 12-13 gb)", detail);
    ads_tensor *all[6] = {x, w, gy, gx, gw, gb};
    for (int i = 0; i < 6; i++) ads_tensor_release(all[i]);
}

/* Through the GEMM path (not depthwise) with 32 output channels, so every
   GEMM kernel shape the convolution uses runs (packed B, B^T, A^T).
   x: channel 0 = 1..9, channel 1 = ones; w[o,0] = (o+1) * ones(2x2),
   w[o,1] = -(o+1) * ones. Forward: y[o] = (o+1) * ([12 16;24 28] - 4).
   Backward with gy = 1: gx[c] = +-(1+..+32) = +-528 times the window
   counts [1 2 1;2 4 2;1 2 1]; gw[o,0] = [12 16;24 28], gw[o,1] = 4s;
   gb[o] = 4. */
#define GEMM_COUT 32
static void gemm_path_check(ads_context *ctx, selftest_tally *t)
{
    const char *name = "gconv through the GEMM (32 output channels)";
    enum { NX = 18, NW = GEMM_COUT * 8, NY = GEMM_COUT * 4 };
    int64_t xs[4] = {1, 2, 3, 3}, ws[4] = {GEMM_COUT, 2, 2, 2}, ys[4] = {1, GEMM_COUT, 2, 2};
    int64_t bs[1] = {GEMM_COUT};
    static const float window[4] = {12, 16, 24, 28}, counts[9] = {1, 2, 1, 2, 4, 2, 1, 2, 1};
    float x[NX], w[NW], gy[NY], want[NX + NW + GEMM_COUT + NY], got[NX + NW + GEMM_COUT + NY];
    for (int i = 0; i < 9; i++) x[i] = (float)(i + 1), x[9 + i] = 1.0f;
    for (int o = 0; o < GEMM_COUT; o++)
        for (int k = 0; k < 4; k++) {
            w[o * 8 + k] = (float)(o + 1), w[o * 8 + 4 + k] = -(float)(o + 1);
            want[NX + o * 8 + k] = window[k], want[NX + o * 8 + 4 + k] = 4.0f;
            want[NX + NW + GEMM_COUT + o * 4 + k] = (float)(o + 1) * (window[k] - 4.0f);
        }
    for (int i = 0; i < 9; i++) want[i] = 528.0f * counts[i], want[9 + i] = -528.0f * counts[i];
    for (int o = 0; o < GEMM_COUT; o++) want[NX + NW + o] = 4.0f;
    for (int i = 0; i < NY; i++) gy[i] = 1.0f;
    ads_tensor *tx = NULL, *tw = NULL, *tgy = NULL, *gx = NULL, *gw = NULL, *gb = NULL, *y = NULL;
    ads_conv_desc d = unit;
    d.kh = d.kw = 2;
    ads_status st = tensor(ctx, 4, xs, x, &tx);
    if (st == ADS_OK) st = tensor(ctx, 4, ws, w, &tw);
    if (st == ADS_OK) st = tensor(ctx, 4, ys, gy, &tgy);
    if (st == ADS_OK) st = tensor(ctx, 4, xs, NULL, &gx);
    if (st == ADS_OK) st = tensor(ctx, 4, ws, NULL, &gw);
    if (st == ADS_OK) st = tensor(ctx, 1, bs, NULL, &gb);
    if (st == ADS_OK) st = tensor(ctx, 4, ys, NULL, &y);
    ads_sampling fixed = {0};
    ads_sampling_grad none = {0};
    if (st == ADS_OK) st = ads_gconv_forward(ctx, &d, tx, tw, NULL, fixed, y);
    if (st == ADS_OK) st = ads_gconv_backward(ctx, &d, tx, tw, fixed, tgy, gx, gw, gb, none);
    if (st == ADS_OK) st = ads_tensor_read(gx, got, NX);
    if (st == ADS_OK) st = ads_tensor_read(gw, got + NX, NW);
    if (st == ADS_OK) st = ads_tensor_read(gb, got + NX + NW, GEMM_COUT);
    if (st == ADS_OK) st = ads_tensor_read(y, got + NX + NW + GEMM_COUT, NY);
    char detail[128] = "";
    if (selftest_status(t, name, st))
        selftest_check(t, name,
                       close_to(got, want, NX + NW + GEMM_COUT + NY, detail, sizeof detail),
                       "%s (gx, gw, gb, then y)", detail);
    ads_tensor *all[7] = {tx, tw, tgy, gx, gw, gb, y};
    for (int i = 0; i < 7; i++) ads_tensor_release(all[i]);
}

void selftest_gconv(ads_context *ctx, selftest_tally *t)
{
    forward_checks(ctx, t);
    backward_check(ctx, t);
    depthwise_backward_check(ctx, t);
    gemm_path_check(ctx, t);
}
