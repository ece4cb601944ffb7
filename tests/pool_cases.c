#include "pool_cases.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

float pc_position(double lo, double hi)
{
    int a = (int)floor(lo * 1024), b = (int)floor(hi * 1024);
    return (float)((test_int(a, b) + 0.5) / 1024.0);
}

static float *positions(size_t n, double lo, double hi)
{
    float *v = malloc(n * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (size_t i = 0; i < n; i++) v[i] = pc_position(lo, hi);
    return v;
}

double *pc_double(const float *v, size_t n)
{
    if (!v) return NULL;
    double *d = malloc(n * sizeof *d);
    ck_assert_ptr_nonnull(d);
    for (size_t i = 0; i < n; i++) d[i] = v[i];
    return d;
}

size_t pc_ycount(const pool_case *pc) { return (size_t)pc->N * pc->C * pc->Ho * pc->Wo; }
size_t pc_xcount(const pool_case *pc) { return (size_t)pc->N * pc->C * pc->H * pc->W; }

ads_tensor *pc_ytensor(ads_context *ctx, const pool_case *pc)
{
    int64_t shape[4] = {pc->N, pc->C, pc->Ho, pc->Wo};
    return test_tensor(ctx, 4, shape, NULL);
}

static void release_double(pool_case *pc)
{
    free(pc->dx);
    free(pc->dpy);
    free(pc->dpx);
    free(pc->dgrid);
    pc->dx = pc->dpy = pc->dpx = pc->dgrid = NULL;
}

void pc_sync(pool_case *pc)
{
    ck_assert_ads_ok(ads_tensor_write(pc->tx, pc->x, pc_xcount(pc)));
    if (pc->tpy) ck_assert_ads_ok(ads_tensor_write(pc->tpy, pc->py, (size_t)pc->N * pc->Ho));
    if (pc->tpx) ck_assert_ads_ok(ads_tensor_write(pc->tpx, pc->px, (size_t)pc->N * pc->Wo));
    if (pc->tgrid)
        ck_assert_ads_ok(
            ads_tensor_write(pc->tgrid, pc->grid, (size_t)pc->N * pc->Ho * pc->Wo * 2));
    release_double(pc);
    pc->dx = pc_double(pc->x, pc_xcount(pc));
    pc->dgrid = pc_double(pc->grid, (size_t)pc->N * pc->Ho * pc->Wo * 2);
    if (pc->kind == ADS_SAMPLING_FIXED) {
        pc->dpy = malloc((size_t)pc->N * pc->Ho * sizeof(double));
        pc->dpx = malloc((size_t)pc->N * pc->Wo * sizeof(double));
        ref_pool_fixed_positions(pc->N, pc->Ho, pc->d.stride_h, pc->dpy);
        ref_pool_fixed_positions(pc->N, pc->Wo, pc->d.stride_w, pc->dpx);
    } else {
        pc->dpy = pc_double(pc->py, (size_t)pc->N * pc->Ho);
        pc->dpx = pc_double(pc->px, (size_t)pc->N * pc->Wo);
    }
}

void pc_make(ads_context *ctx, pool_case *pc, ads_sampling_kind kind, ads_pool_desc d, int N, int C,
             int H, int W, int Ho, int Wo)
{
    memset(pc, 0, sizeof *pc);
    pc->d = d;
    pc->kind = kind;
    pc->N = N;
    pc->C = C;
    pc->H = H;
    pc->W = W;
    if (kind == ADS_SAMPLING_FIXED) {
        Ho = (int)ads_output_size(H, d.kh, d.stride_h, d.pad_h, d.dil_h);
        Wo = (int)ads_output_size(W, d.kw, d.stride_w, d.pad_w, d.dil_w);
        ck_assert(Ho > 0 && Wo > 0);
    }
    pc->Ho = Ho;
    pc->Wo = Wo;
    pc->x = malloc(pc_xcount(pc) * sizeof(float));
    ck_assert_ptr_nonnull(pc->x);
    test_fill_uniform(pc->x, pc_xcount(pc), -1, 1);
    int64_t xs[4] = {N, C, H, W}, ps[2] = {N, Ho}, qs[2] = {N, Wo}, gs[4] = {N, Ho, Wo, 2};
    pc->tx = test_tensor(ctx, 4, xs, NULL);
    if (kind == ADS_SAMPLING_SEPARABLE) {
        pc->py = positions((size_t)N * Ho, -3, H + 1);
        pc->px = positions((size_t)N * Wo, -3, W + 1);
        pc->tpy = test_tensor(ctx, 2, ps, NULL);
        pc->tpx = test_tensor(ctx, 2, qs, NULL);
    } else if (kind == ADS_SAMPLING_GRID) {
        pc->grid = malloc((size_t)N * Ho * Wo * 2 * sizeof(float));
        ck_assert_ptr_nonnull(pc->grid);
        for (size_t i = 0; i < (size_t)N * Ho * Wo; i++) {
            pc->grid[2 * i] = pc_position(-3, H + 1);
            pc->grid[2 * i + 1] = pc_position(-3, W + 1);
        }
        pc->tgrid = test_tensor(ctx, 4, gs, NULL);
    }
    pc_sync(pc);
}

void pc_random(ads_context *ctx, pool_case *pc, ads_sampling_kind kind, ads_pool_mode mode,
               int max_hw)
{
    for (;;) {
        ads_pool_desc d = {mode, test_int(1, 4), test_int(1, 4), test_int(1, 3), test_int(1, 3), 0,
                           0,    test_int(1, 2), test_int(1, 2)};
        /* The fixed grid keeps PyTorch's pad <= k/2; positions may pad more. */
        d.pad_h = test_int(0, kind == ADS_SAMPLING_FIXED ? d.kh / 2 : 2);
        d.pad_w = test_int(0, kind == ADS_SAMPLING_FIXED ? d.kw / 2 : 2);
        int N = test_int(1, 3), C = test_int(1, 3);
        int H = test_int(1, max_hw), W = test_int(1, max_hw);
        if (kind == ADS_SAMPLING_FIXED &&
            (ads_output_size(H, d.kh, d.stride_h, d.pad_h, d.dil_h) <= 0 ||
             ads_output_size(W, d.kw, d.stride_w, d.pad_w, d.dil_w) <= 0))
            continue;
        pc_make(ctx, pc, kind, d, N, C, H, W, test_int(1, 6), test_int(1, 6));
        return;
    }
}

void pc_shape_trial(ads_context *ctx, pool_case *pc, ads_sampling_kind kind, int trial)
{
    ads_pool_mode mode = (ads_pool_mode)(trial % 3);
    if (trial < 9) pc_random(ctx, pc, kind, mode, 12);
    else pc_large(ctx, pc, kind, mode, false);
}

void pc_large(ads_context *ctx, pool_case *pc, ads_sampling_kind kind, ads_pool_mode mode,
              bool monotone)
{
    for (;;) {
        ads_pool_desc d = {mode, test_int(1, 4), test_int(1, 4), test_int(1, 3), test_int(1, 3), 0,
                           0,    test_int(1, 2), test_int(1, 2)};
        d.pad_h = test_int(0, kind == ADS_SAMPLING_FIXED ? d.kh / 2 : 2);
        d.pad_w = test_int(0, kind == ADS_SAMPLING_FIXED ? d.kw / 2 : 2);
        /* Wider than a vector (16) and more rows than a work-item's block
           (8), neither a multiple; C not a multiple of anything. */
        int N = test_int(1, 3), C = test_int(3, 5), H = test_int(18, 41), W = test_int(34, 53);
        if (kind == ADS_SAMPLING_FIXED &&
            (ads_output_size(H, d.kh, d.stride_h, d.pad_h, d.dil_h) <= 0 ||
             ads_output_size(W, d.kw, d.stride_w, d.pad_w, d.dil_w) <= 0))
            continue;
        pc_make(ctx, pc, kind, d, N, C, H, W, test_int(9, 27), test_int(17, 41));
        if (kind == ADS_SAMPLING_SEPARABLE && monotone) {
            /* An adaptive-stride grid: increasing, about d.stride apart. */
            for (int n = 0; n < N; n++) {
                float y = pc_position(-1, 1), x = pc_position(-1, 1);
                for (int i = 0; i < pc->Ho; i++, y += pc_position(0.5, 0.5 + 2 * d.stride_h))
                    pc->py[n * pc->Ho + i] = y;
                for (int j = 0; j < pc->Wo; j++, x += pc_position(0.5, 0.5 + 2 * d.stride_w))
                    pc->px[n * pc->Wo + j] = x;
            }
            pc_sync(pc);
        }
        return;
    }
}

void pc_free(pool_case *pc)
{
    free(pc->x);
    free(pc->py);
    free(pc->px);
    free(pc->grid);
    release_double(pc);
    ads_tensor_release(pc->tx);
    ads_tensor_release(pc->tpy);
    ads_tensor_release(pc->tpx);
    ads_tensor_release(pc->tgrid);
    memset(pc, 0, sizeof *pc);
}

ads_sampling pc_at(const pool_case *pc) { return (ads_sampling){pc->tpy, pc->tpx, pc->tgrid}; }

ref_pool_params pc_params(const pool_case *pc)
{
    const ads_pool_desc *d = &pc->d;
    return (ref_pool_params){(int)d->mode, d->kh, d->kw, d->pad_h, d->pad_w, d->dil_h, d->dil_w};
}

ref_pool_dims pc_dims(const pool_case *pc)
{
    return (ref_pool_dims){pc->N, pc->C, pc->H, pc->W, pc->Ho, pc->Wo};
}

ref_pool_at pc_ref_at(const pool_case *pc)
{
    if (pc->kind == ADS_SAMPLING_GRID) return (ref_pool_at){NULL, NULL, pc->dgrid};
    return (ref_pool_at){pc->dpy, pc->dpx, NULL};
}

#define MAX_REPORTS 64
static struct {
    char what[96];
    double abs_err;
} reports[MAX_REPORTS];
static int nreports;

double pc_compare(const char *what, const float *got, const double *want, size_t n, double atol,
                  double rtol)
{
    size_t at;
    double scaled = test_max_error(got, want, n, atol, rtol, &at);
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)got[i] - want[i]);
        if (!(e <= worst)) worst = isnan(e) ? INFINITY : e;
    }
    int r = 0;
    while (r < nreports && strcmp(reports[r].what, what) != 0) r++;
    if (r == nreports && nreports < MAX_REPORTS) {
        snprintf(reports[r].what, sizeof reports[r].what, "%s", what);
        reports[r].abs_err = 0;
        nreports++;
    }
    if (r < nreports && worst > reports[r].abs_err) reports[r].abs_err = worst;
    ck_assert_msg(scaled <= 1, "%s: element %zu is %.9g, reference %.9g (scaled error %.3g)", what,
                  at, n ? (double)got[at] : 0.0, n ? want[at] : 0.0, scaled);
    return worst;
}

void pc_summary(void)
{
    for (int r = 0; r < nreports; r++)
        printf("max |error| vs reference  %-40s %.3g\n", reports[r].what, reports[r].abs_err);
    fflush(stdout);
}

void pc_poison_positions(pool_case *pc, int px_one_in)
{
    const float bad[] = {NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 3e9f, -2.5e9f};
    size_t np = pc->kind == ADS_SAMPLING_SEPARABLE ? (size_t)pc->N * pc->Ho
                                                   : (size_t)pc->N * pc->Ho * pc->Wo * 2;
    float *pos = pc->kind == ADS_SAMPLING_SEPARABLE ? pc->py : pc->grid;
    for (size_t i = 0; i < np; i++)
        if (test_int(0, 2) == 0) pos[i] = bad[test_int(0, 6)];
    if (pc->kind == ADS_SAMPLING_SEPARABLE)
        for (int i = 0; i < pc->N * pc->Wo; i++)
            if (test_int(0, px_one_in - 1) == 0) pc->px[i] = bad[test_int(0, 6)];
    pc_sync(pc);
}
