/* Stride logits from features, the predictor of docs/design.md 1.2, and back
   (cl/stride_logits.cl). Per axis: one pass over x for the profile, a
   small kernel for the bins; backward: the profile gradient from the
   bins, gv by a per-channel work-group reduction, gx by one elementwise
   kernel that serves both axes. GPUs ("stride.item_pixel") take the rows'
   profile by a work-group per line and gx by a work-item per element
   (consecutive work-items on consecutive addresses); CPUs a work-item
   per line or row. */
#include <limits.h>

#include "launch.h"
#include "ops_device.h"
#include "tuning.h"
#include "workspace.h"

#define SOURCE     "stride_logits"
#define GROUP_SIZE 64 /* work-items per channel in the gv reduction */
/* Fixed local sizes for the other kernels: a driver-chosen one follows the
   global size, and PoCL compiles a kernel anew for every local size. */
#define LINE_GROUP  32
#define PIXEL_GROUP 128 /* work-items per group in the pixel-shaped gx */

/* One axis of the predictor. The plane is seen as P lines of Q elements,
   lines sp apart (see cl/stride_logits.cl); L is the number of logits. */
typedef struct {
    const ads_tensor *v;      /* NULL: the axis is skipped */
    const ads_tensor *logits; /* a (forward) or ga (backward) */
    ads_tensor *gv;           /* backward only; NULL: skipped */
    int P, Q, sp, sq, L;
} axis;

static void set_geometry(axis *ax, const ads_tensor *x, bool rows)
{
    int H = (int)x->shape[2], W = (int)x->shape[3];
    ax->P = rows ? H : W;
    ax->Q = rows ? W : H;
    ax->sp = rows ? W : 1;
    ax->sq = rows ? 1 : W;
    ax->L = ax->logits ? (int)ax->logits->shape[1] : 0;
}

static ads_status check_phi(ads_profile phi)
{
    if (phi == ADS_PROFILE_LINEAR || phi == ADS_PROFILE_VARIATION) return ADS_OK;
    return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                    "phi is %d; expected ADS_PROFILE_LINEAR or ADS_PROFILE_VARIATION", (int)phi);
}

static ads_status check_x(ads_context *ctx, const ads_tensor *x)
{
    ADS_TRY(ads_check_tensor(x, ctx, "x"));
    char buf[128];
    if (x->ndim != 4)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH,
                        "x has shape %s; expected a 4-D tensor N x C x H x W",
                        ads_shape_str(x, buf, sizeof buf));
    for (int i = 0; i < 4; i++)
        if (x->shape[i] > INT_MAX)
            return ads_fail(ADS_ERR_TOO_LARGE, "x has shape %s; each dimension must be below 2^31",
                            ads_shape_str(x, buf, sizeof buf));
    return ADS_OK;
}

/* Logits (or their gradient) of one axis: N x L. */
static ads_status check_logits(const ads_tensor *a, const char *name, int64_t N)
{
    if (a->ndim == 2 && a->shape[0] == N && a->shape[1] <= INT_MAX) return ADS_OK;
    char buf[128];
    return ads_fail(ADS_ERR_SHAPE_MISMATCH,
                    "%s has shape %s; expected a 2-D tensor [N, L] with "
                    "N = %lld (the batch of x)",
                    name, ads_shape_str(a, buf, sizeof buf), (long long)N);
}

/* v and its logits come together or not at all. */
static ads_status check_pair(const void *v, const char *vname, const void *a, const char *aname)
{
    if (v && !a)
        return ads_fail(ADS_ERR_NULL_ARGUMENT, "%s is NULL but %s is given; pass both or neither",
                        aname, vname);
    if (a && !v)
        return ads_fail(ADS_ERR_NULL_ARGUMENT, "%s is NULL but %s is given; pass both or neither",
                        vname, aname);
    return ADS_OK;
}

/* The tensors of one used axis: context, v of length C, logits N x L. */
static ads_status check_axis(ads_context *ctx, const ads_tensor *x, const ads_tensor *v,
                             const char *vname, const ads_tensor *a, const char *aname)
{
    if (!v) return ADS_OK;
    ADS_TRY(ads_check_tensor(v, ctx, vname));
    ADS_TRY(ads_check_tensor(a, ctx, aname));
    ADS_TRY(ads_check_shape(v, vname, 1, &x->shape[1]));
    return check_logits(a, aname, x->shape[0]);
}

/* Runs a 2-D launch over (count, N). */
static ads_status run_2d(ads_launcher *l, size_t count, const ads_tensor *x)
{
    return ads_launch_run(l, 2, (size_t[]){count, (size_t)x->shape[0]}, (size_t[]){LINE_GROUP, 1});
}

/* prof (N x P) = sum_c v[c] * phi: a work-item per line, or a work-group
   per line where the lines are contiguous and the device is a GPU. */
static ads_status profile(ads_context *ctx, const ads_tensor *x, const axis *ax, int variation,
                          bool pixel, ads_tensor *prof)
{
    int N = (int)x->shape[0], C = (int)x->shape[1];
    bool group_per_line = pixel && ax->sq == 1;
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "",
                      group_per_line ? "stride_profile_group" : "stride_profile");
    size_t group = group_per_line ? ads_launch_group_pow2(&l, GROUP_SIZE) : 0;
    ads_launch_in(&l, x);
    ads_launch_in(&l, ax->v);
    ads_launch_out(&l, prof);
    ads_launch_ints(&l, (const int[]){N, C, ax->P, ax->Q, ax->sp, ax->sq, variation}, 7);
    if (!group_per_line) return run_2d(&l, (size_t)ax->P, x);
    ads_launch_local(&l, group * sizeof(float));
    return ads_launch_run(&l, 2, (size_t[]){(size_t)ax->P * group, (size_t)N},
                          (size_t[]){group, 1});
}

/* The profile, then the logits: the mean over bins. */
static ads_status forward_axis(ads_context *ctx, const ads_tensor *x, const axis *ax, int variation,
                               bool pixel, ads_tensor *out)
{
    int N = (int)x->shape[0];
    ads_tensor *prof;
    ADS_TRY(ads_workspace_acquire(ctx, (size_t)N * (size_t)ax->P, &prof));
    ads_status st = profile(ctx, x, ax, variation, pixel, prof);
    if (st == ADS_OK) {
        ads_launcher l;
        ads_launch_kernel(&l, ctx, SOURCE, "", "stride_bins");
        ads_launch_in(&l, prof);
        ads_launch_out(&l, out);
        ads_launch_ints(&l, (const int[]){N, ax->P, ax->L}, 3);
        st = run_2d(&l, (size_t)ax->L, x);
    }
    ads_workspace_release(ctx, prof); /* its events order any reuse */
    return st;
}

ads_status ads_stride_logits_on_device(ads_context *ctx, const ads_device *dev, ads_profile phi,
                                       const ads_tensor *x, const ads_tensor *v_rows,
                                       const ads_tensor *v_cols, ads_tensor *a_rows,
                                       ads_tensor *a_cols)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    ADS_TRY(check_phi(phi));
    ADS_TRY(check_x(ctx, x));
    ADS_TRY(check_pair(v_rows, "v_rows", a_rows, "a_rows"));
    ADS_TRY(check_pair(v_cols, "v_cols", a_cols, "a_cols"));
    if (!v_rows && !v_cols)
        return ads_fail(ADS_ERR_NULL_ARGUMENT, "v_rows, a_rows, v_cols and a_cols are all NULL; "
                                               "at least one axis must be computed");
    ADS_TRY(check_axis(ctx, x, v_rows, "v_rows", a_rows, "a_rows"));
    ADS_TRY(check_axis(ctx, x, v_cols, "v_cols", a_cols, "a_cols"));
    if (a_rows && a_rows == a_cols)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "a_rows and a_cols are the same tensor");
    ADS_TRY(ads_check_finite(x, "x"));
    ADS_TRY(ads_check_finite(v_rows, "v_rows"));
    ADS_TRY(ads_check_finite(v_cols, "v_cols"));

    int variation = phi == ADS_PROFILE_VARIATION;
    axis rows = {.v = v_rows, .logits = a_rows};
    axis cols = {.v = v_cols, .logits = a_cols};
    set_geometry(&rows, x, true);
    set_geometry(&cols, x, false);
    bool pixel = ads_tune_on(ctx, dev, "stride.item_pixel") != 0;
    if (v_rows) ADS_TRY(forward_axis(ctx, x, &rows, variation, pixel, a_rows));
    if (v_cols) ADS_TRY(forward_axis(ctx, x, &cols, variation, pixel, a_cols));
    return ADS_OK;
}

/* ---------------------------------------------------------------- backward */

/* gl (N x P): the gradient of the axis' profile, from its logits' one. */
static ads_status profile_grad(ads_context *ctx, const ads_tensor *x, const axis *ax,
                               ads_tensor *gl)
{
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", "stride_bins_backward");
    ads_launch_in(&l, ax->logits);
    ads_launch_out(&l, gl);
    ads_launch_ints(&l, (const int[]){(int)x->shape[0], ax->P, ax->L}, 3);
    return run_2d(&l, (size_t)ax->P, x);
}

/* gv[c] = sum over the batch and the plane of gl * phi-term / Q. */
static ads_status v_grad(ads_context *ctx, const ads_tensor *x, const axis *ax, int variation,
                         const ads_tensor *gl)
{
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", "stride_profile_gv");
    size_t group = ads_launch_group_pow2(&l, GROUP_SIZE);
    ads_launch_in(&l, x);
    ads_launch_in(&l, gl);
    ads_launch_out(&l, ax->gv);
    ads_launch_ints(
        &l, (const int[]){(int)x->shape[0], (int)x->shape[1], ax->P, ax->Q, ax->sp, variation}, 6);
    ads_launch_local(&l, group * sizeof(float));
    size_t global = (size_t)x->shape[1] * group;
    return ads_launch_run(&l, 1, &global, &group);
}

/* gx += both axes' derivatives, one work-item per row of x, or per
   element in the pixel shape. A skipped axis passes x as a placeholder
   buffer the kernel never reads. */
static ads_status x_grad(ads_context *ctx, const ads_tensor *x, int variation, bool pixel,
                         const axis *rows, const ads_tensor *grow, const axis *cols,
                         const ads_tensor *gcol, ads_tensor *gx)
{
    ads_launcher l;
    ads_launch_kernel(&l, ctx, SOURCE, "", pixel ? "stride_profile_gx_pixel" : "stride_profile_gx");
    ads_launch_in(&l, x);
    ads_launch_inout(&l, gx);
    ads_launch_in_or(&l, rows->v, x);
    ads_launch_in_or(&l, grow, x);
    ads_launch_in_or(&l, cols->v, x);
    ads_launch_in_or(&l, gcol, x);
    ads_launch_ints(&l,
                    (const int[]){(int)x->shape[0], (int)x->shape[1], (int)x->shape[2],
                                  (int)x->shape[3], variation, grow != NULL, gcol != NULL},
                    7);
    size_t planes = (size_t)x->shape[0] * (size_t)x->shape[1];
    if (pixel) {
        size_t global[2] = {(size_t)x->shape[2] * (size_t)x->shape[3], planes};
        return ads_launch_run(&l, 2, global, (size_t[]){PIXEL_GROUP, 1});
    }
    size_t group = 1; /* no wider than the rows: a power of two up to LINE_GROUP */
    while (group < LINE_GROUP && group < (size_t)x->shape[2]) group *= 2;
    return ads_launch_run(&l, 2, (size_t[]){(size_t)x->shape[2], planes}, (size_t[]){group, 1});
}

/* Outputs of one axis: gv of length C (when given); the axis must be used. */
static ads_status check_axis_grad(const ads_tensor *x, const ads_tensor *v, const char *vname,
                                  ads_tensor *gv, const char *gvname, ads_context *ctx)
{
    if (!gv) return ADS_OK;
    if (!v)
        return ads_fail(ADS_ERR_NULL_ARGUMENT, "%s is given but %s is NULL: that axis is skipped",
                        gvname, vname);
    ADS_TRY(ads_check_tensor(gv, ctx, gvname));
    return ads_check_shape(gv, gvname, 1, &x->shape[1]);
}

static ads_status check_backward(ads_context *ctx, ads_profile phi, const ads_tensor *x,
                                 const ads_tensor *v_rows, const ads_tensor *v_cols,
                                 const ads_tensor *ga_rows, const ads_tensor *ga_cols,
                                 ads_tensor *gx, ads_tensor *gv_rows, ads_tensor *gv_cols)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    ADS_TRY(check_phi(phi));
    ADS_TRY(check_x(ctx, x));
    ADS_TRY(check_pair(v_rows, "v_rows", ga_rows, "ga_rows"));
    ADS_TRY(check_pair(v_cols, "v_cols", ga_cols, "ga_cols"));
    ADS_TRY(check_axis(ctx, x, v_rows, "v_rows", ga_rows, "ga_rows"));
    ADS_TRY(check_axis(ctx, x, v_cols, "v_cols", ga_cols, "ga_cols"));
    ADS_TRY(check_axis_grad(x, v_rows, "v_rows", gv_rows, "gv_rows", ctx));
    ADS_TRY(check_axis_grad(x, v_cols, "v_cols", gv_cols, "gv_cols", ctx));
    if (gx) {
        ADS_TRY(ads_check_tensor(gx, ctx, "gx"));
        ADS_TRY(ads_check_shape(gx, "gx", 4, x->shape));
        if (gx == x)
            return ads_fail(ADS_ERR_INVALID_ARGUMENT, "gx is the x tensor itself; it must be a "
                                                      "separate tensor");
    }
    if (gv_rows && gv_rows == gv_cols)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "gv_rows and gv_cols are the same tensor");
    /* gv is written before gx is computed from v: an alias would corrupt gx. */
    const ads_tensor *inputs[] = {x, v_rows, v_cols, ga_rows, ga_cols};
    const char *input_names[] = {"x", "v_rows", "v_cols", "ga_rows", "ga_cols"};
    ads_tensor *outputs[] = {gv_rows, gv_cols, gx};
    const char *output_names[] = {"gv_rows", "gv_cols", "gx"};
    for (int o = 0; o < 3; o++)
        for (int i = 0; i < 5; i++)
            if (outputs[o] && outputs[o] == inputs[i])
                return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                                "%s is the %s tensor itself; it must "
                                "be a separate tensor",
                                output_names[o], input_names[i]);
    ADS_TRY(ads_check_finite(x, "x"));
    ADS_TRY(ads_check_finite(v_rows, "v_rows"));
    ADS_TRY(ads_check_finite(v_cols, "v_cols"));
    ADS_TRY(ads_check_finite(ga_rows, "ga_rows"));
    return ads_check_finite(ga_cols, "ga_cols");
}

/* The profile gradient of an axis that feeds gx or its gv (else NULL). */
static ads_status axis_backward(ads_context *ctx, const ads_tensor *x, const axis *ax,
                                int variation, bool want_gx, ads_tensor **gl)
{
    *gl = NULL;
    if (!ax->v || (!want_gx && !ax->gv)) return ADS_OK;
    ADS_TRY(ads_workspace_acquire(ctx, (size_t)x->shape[0] * (size_t)ax->P, gl));
    ads_status st = profile_grad(ctx, x, ax, *gl);
    if (st == ADS_OK && ax->gv) st = v_grad(ctx, x, ax, variation, *gl);
    return st;
}

ads_status ads_stride_logits_backward_on_device(ads_context *ctx, const ads_device *dev,
                                                ads_profile phi, const ads_tensor *x,
                                                const ads_tensor *v_rows, const ads_tensor *v_cols,
                                                const ads_tensor *ga_rows,
                                                const ads_tensor *ga_cols, ads_tensor *gx,
                                                ads_tensor *gv_rows, ads_tensor *gv_cols)
{
    ADS_TRY(check_backward(ctx, phi, x, v_rows, v_cols, ga_rows, ga_cols, gx, gv_rows, gv_cols));
    int variation = phi == ADS_PROFILE_VARIATION;
    axis rows = {.v = v_rows, .logits = ga_rows, .gv = gv_rows};
    axis cols = {.v = v_cols, .logits = ga_cols, .gv = gv_cols};
    set_geometry(&rows, x, true);
    set_geometry(&cols, x, false);
    ads_tensor *grow = NULL, *gcol = NULL;
    ads_status st = axis_backward(ctx, x, &rows, variation, gx != NULL, &grow);
    if (st == ADS_OK) st = axis_backward(ctx, x, &cols, variation, gx != NULL, &gcol);
    if (st == ADS_OK && gx && (grow || gcol))
        st = x_grad(ctx, x, variation, ads_tune_on(ctx, dev, "stride.item_pixel") != 0, &rows, grow,
                    &cols, gcol, gx);
    ads_workspace_release(ctx, grow);
    ads_workspace_release(ctx, gcol);
    return st;
}
