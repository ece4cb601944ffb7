/* Known-answer checks of the pool operations. The input is the 4 x 4 ramp
   x[h][w] = 4h + w: a bilinear read inside it is 4y + x, so every answer
   below follows by hand from docs/design.md 1.5 (window 3 x 3, stride 2,
   pad 1, output 2 x 2). */
#include <math.h>
#include <stdio.h>

#include "selftest.h"

#define NOUT 4

typedef struct {
    ads_context *ctx;
    ads_tensor *x, *py, *px, *grid, *y, *gy, *gx, *gpy, *gpx, *ggrid;
} pool_fixture;

static const char *mode_name[] = {"max", "avg", "avg_excl"};
static const char *path_name[] = {"fixed", "separable", "grid"};

/* y per mode and path. Fixed windows hold {0,1,4,5}, {1,2,3,5,6,7},
   {4,5,8,9,12,13} and the full 3 x 3 around 10. Separable/grid move row 0
   to py = 0.5: taps at rows -0.5 (the zero halo blends 0.5 x row 0),
   0.5 and 1.5. */
static const float expect_y[3][2][NOUT] = {
    {{5, 7, 13, 15}, {7, 9, 13, 15}},
    {{10.f / 9, 24.f / 9, 51.f / 9, 10}, {18.5f / 9, 39.f / 9, 51.f / 9, 10}},
    {{2.5f, 4, 8.5f, 10}, {4.5f, 6, 8.5f, 10}},
};

static ads_status make(ads_context *ctx, int ndim, const int64_t *shape, const float *v,
                       ads_tensor **t)
{
    ads_status st = ads_tensor_create(ctx, ndim, shape, t);
    if (st == ADS_OK && v) st = ads_tensor_write(*t, v, ads_tensor_count(*t));
    return st;
}

static ads_status setup(pool_fixture *f)
{
    float ramp[16], py[2] = {0.5f, 2}, px[2] = {0, 2}, grid[8], ones[NOUT] = {1, 1, 1, 1};
    for (int i = 0; i < 16; i++) ramp[i] = (float)i;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            grid[(i * 2 + j) * 2] = py[i];
            grid[(i * 2 + j) * 2 + 1] = px[j];
        }
    int64_t xs[4] = {1, 1, 4, 4}, ys[4] = {1, 1, 2, 2}, ps[2] = {1, 2}, gs[4] = {1, 2, 2, 2};
    ads_status st = make(f->ctx, 4, xs, ramp, &f->x);
    if (st == ADS_OK) st = make(f->ctx, 2, ps, py, &f->py);
    if (st == ADS_OK) st = make(f->ctx, 2, ps, px, &f->px);
    if (st == ADS_OK) st = make(f->ctx, 4, gs, grid, &f->grid);
    if (st == ADS_OK) st = make(f->ctx, 4, ys, NULL, &f->y);
    if (st == ADS_OK) st = make(f->ctx, 4, ys, ones, &f->gy);
    if (st == ADS_OK) st = make(f->ctx, 4, xs, NULL, &f->gx);
    if (st == ADS_OK) st = make(f->ctx, 2, ps, NULL, &f->gpy);
    if (st == ADS_OK) st = make(f->ctx, 2, ps, NULL, &f->gpx);
    if (st == ADS_OK) st = make(f->ctx, 4, gs, NULL, &f->ggrid);
    return st;
}

static void teardown(pool_fixture *f)
{
    ads_tensor *all[] = {f->x, f->py, f->px, f->grid, f->y, f->gy, f->gx, f->gpy, f->gpx, f->ggrid};
    for (int i = 0; i < 10; i++) ads_tensor_release(all[i]);
}

static ads_sampling sampling(const pool_fixture *f, int path)
{
    if (path == 1) return (ads_sampling){f->py, f->px, NULL};
    if (path == 2) return (ads_sampling){NULL, NULL, f->grid};
    return (ads_sampling){NULL, NULL, NULL};
}

/* Largest |got - want| over n values. */
static float max_diff(const float *got, const float *want, int n)
{
    float e = 0;
    for (int i = 0; i < n; i++) e = fmaxf(e, fabsf(got[i] - want[i]));
    return e;
}

static void check_forward(pool_fixture *f, selftest_tally *t, int mode, int path)
{
    char name[64];
    snprintf(name, sizeof name, "pool forward %s %s", mode_name[mode], path_name[path]);
    ads_pool_desc d = {(ads_pool_mode)mode, 3, 3, 2, 2, 1, 1, 1, 1};
    float y[NOUT];
    ads_status st = ads_pool_forward(f->ctx, &d, f->x, sampling(f, path), f->y);
    if (st == ADS_OK) st = ads_tensor_read(f->y, y, NOUT);
    if (!selftest_status(t, name, st)) return;
    const float *want = expect_y[mode][path ? 1 : 0];
    float e = max_diff(y, want, NOUT);
    selftest_check(t, name, e <= 1e-5f, "y = %g %g %g %g, expected %g %g %g %g", y[0], y[1], y[2],
                   y[3], want[0], want[1], want[2], want[3]);
}

/* d sum(y) / dx: max sends 1 to each winner (pixels 5, 7, 13, 15 on the
   fixed grid); AVG_EXCL sends 1/count to each inside tap, so g_x sums to
   the 4 windows; AVG sends 1/9 per inside tap: (4 + 6 + 6 + 9) / 9. */
static void check_backward_fixed(pool_fixture *f, selftest_tally *t, int mode)
{
    char name[64];
    snprintf(name, sizeof name, "pool backward %s fixed (g_x)", mode_name[mode]);
    ads_pool_desc d = {(ads_pool_mode)mode, 3, 3, 2, 2, 1, 1, 1, 1};
    float gx[16], sum = 0;
    ads_status st = ads_pool_backward(f->ctx, &d, f->x, sampling(f, 0), f->gy, f->gx,
                                      (ads_sampling_grad){NULL, NULL, NULL});
    if (st == ADS_OK) st = ads_tensor_read(f->gx, gx, 16);
    if (!selftest_status(t, name, st)) return;
    for (int i = 0; i < 16; i++) sum += gx[i];
    bool ok = fabsf(sum - (mode == 0 ? 4.f : mode == 1 ? 25.f / 9 : 4.f)) <= 1e-5f;
    if (mode == 0) ok = ok && gx[5] == 1 && gx[7] == 1 && gx[13] == 1 && gx[15] == 1;
    if (mode == 2) ok = ok && fabsf(gx[0] - 0.25f) <= 1e-6f; /* only window 0, count 4 */
    selftest_check(t, name, ok, "sum g_x = %g, g_x[0] = %g, g_x[5] = %g", sum, gx[0], gx[5]);
}

/* Max at the separable/grid positions: the winners sit at (1.5, 1),
   (1.5, 3), (3, 1), (3, 3). dX/dy is the forward difference: 4 at row
   1.5, and 0 - x = -13, -15 at the last row (zero halo), so g_py = {8,
   -28}; dX/dx is 1 at column 1 and 0 - X = -9, -15 at column 3, so
   g_px = {2, -24}. */
static void check_backward_positions(pool_fixture *f, selftest_tally *t, int path)
{
    char name[64];
    snprintf(name, sizeof name, "pool backward max %s (positions)", path_name[path]);
    ads_pool_desc d = {ADS_POOL_MAX, 3, 3, 2, 2, 1, 1, 1, 1};
    ads_sampling_grad gat = path == 1 ? (ads_sampling_grad){f->gpy, f->gpx, NULL}
                                      : (ads_sampling_grad){NULL, NULL, f->ggrid};
    ads_status st = ads_pool_backward(f->ctx, &d, f->x, sampling(f, path), f->gy, NULL, gat);
    float got[2][2] = {{0}}, g[8];
    if (st == ADS_OK && path == 1) st = ads_tensor_read(f->gpy, got[0], 2);
    if (st == ADS_OK && path == 1) st = ads_tensor_read(f->gpx, got[1], 2);
    if (st == ADS_OK && path == 2) {
        st = ads_tensor_read(f->ggrid, g, 8);
        /* g_py[i] sums row i of the grid's y part, g_px[j] column j's x. */
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) {
                got[0][i] += g[(i * 2 + j) * 2];
                got[1][j] += g[(i * 2 + j) * 2 + 1];
            }
    }
    if (!selftest_status(t, name, st)) return;
    const float want[2][2] = {{8, -28}, {2, -24}};
    float e = max_diff(&got[0][0], &want[0][0], 4);
    selftest_check(t, name, e <= 1e-4f, "g_py = %g %g, g_px = %g %g; expected 8 -28, 2 -24",
                   got[0][0], got[0][1], got[1][0], got[1][1]);
}

void selftest_pool(ads_context *ctx, selftest_tally *t)
{
    pool_fixture f = {.ctx = ctx};
    ads_status st = setup(&f);
    if (selftest_status(t, "pool setup", st)) {
        for (int mode = 0; mode < 3; mode++)
            for (int path = 0; path < 3; path++) check_forward(&f, t, mode, path);
        for (int mode = 0; mode < 3; mode++) check_backward_fixed(&f, t, mode);
        check_backward_positions(&f, t, 1);
        check_backward_positions(&f, t, 2);
    }
    teardown(&f);
}
