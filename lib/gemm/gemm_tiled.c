/* The tiled GEMM's host side: the tile shape from the tuning table, fitted
   to the device (local memory, work-group size), the vector width of each
   operand's loads from its alignment, and the launches (the grid folded
   where NVIDIA's 65535-group limit on dimensions 1 and 2 would bind). */
#include <stdio.h>

#include "gemm_tiled.h"
#include "launch.h"
#include "program.h"
#include "scheduler.h"
#include "tuning.h"

typedef struct {
    int mwg, nwg, kwg; /* the tile of C and the panel depth */
    int mdimc, ndimc;  /* work-group rows and columns        */
    int vwa, vwb;      /* load widths along A's and B's stored rows */
} tiled_shape;

static bool consistent(const tiled_shape *t)
{
    return t->mdimc > 0 && t->ndimc > 0 && t->mwg % t->mdimc == 0 && t->nwg % t->ndimc == 0 &&
           t->kwg % 4 == 0;
}

static tiled_shape tuned_shape(const ads_context *ctx)
{
    tiled_shape t = {ads_tune(ctx, "gemm.tiled_mwg"),
                     ads_tune(ctx, "gemm.tiled_nwg"),
                     ads_tune(ctx, "gemm.tiled_kwg"),
                     ads_tune(ctx, "gemm.tiled_mdimc"),
                     ads_tune(ctx, "gemm.tiled_ndimc"),
                     1,
                     1};
    if (consistent(&t)) return t;
    /* A table mixing shapes that do not divide: the registry's GPU shape. */
    const char *keys[5] = {"gemm.tiled_mwg", "gemm.tiled_nwg", "gemm.tiled_kwg", "gemm.tiled_mdimc",
                           "gemm.tiled_ndimc"};
    int *fields[5] = {&t.mwg, &t.nwg, &t.kwg, &t.mdimc, &t.ndimc};
    for (int i = 0; i < 5; i++) *fields[i] = ads_tunable_find(keys[i])->def[ADS_CLASS_GPU];
    return t;
}

/* The largest divisor of n that is at most d (d >= 1). */
static int divisor_at_most(int n, int d)
{
    while (d > 1 && n % d) d--;
    return d;
}

static size_t local_bytes(const tiled_shape *t)
{
    return sizeof(float) * (size_t)t->kwg * (size_t)(t->mwg + 1 + t->nwg + 1);
}

/* Halves the panel depth, then the tile, until both panels fit the
   device's local memory; false if even the smallest does not. */
static bool fit_local(tiled_shape *t, size_t limit)
{
    while (local_bytes(t) > limit) {
        if (t->kwg > 4) t->kwg /= 2;
        else if (t->mwg >= t->nwg && t->mwg > 1) {
            t->mwg /= 2;
            t->mdimc = divisor_at_most(t->mwg, t->mdimc);
        } else if (t->nwg > 1) {
            t->nwg /= 2;
            t->ndimc = divisor_at_most(t->nwg, t->ndimc);
        } else return false;
    }
    return true;
}

/* The widest of 4, 2, 1 that divides every element offset a row start of
   the operand can have (pitch, offset, batch stride) and the tile's extent
   along the stored rows: its loads are then that many floats aligned. */
static int load_width(size_t ld, size_t off, size_t bs, size_t batch, int extent)
{
    for (int w = 4; w > 1; w /= 2)
        if (ld % w == 0 && off % w == 0 && (batch == 1 || bs % w == 0) && extent % w == 0) return w;
    return 1;
}

/* CL_KERNEL_WORK_GROUP_SIZE of k on device d: the most work-items one
   group of this compiled kernel may have there. */
static ads_status kernel_group_max(cl_kernel k, const ads_device *d, size_t *max)
{
    cl_int err =
        clGetKernelWorkGroupInfo(k, d->device, CL_KERNEL_WORK_GROUP_SIZE, sizeof *max, max, NULL);
    return err == CL_SUCCESS ? ADS_OK : ads_fail_cl(err, "clGetKernelWorkGroupInfo");
}

static ads_status tiled_kernel(ads_context *ctx, const ads_gemm_args *g, const tiled_shape *t,
                               cl_kernel *k)
{
    char options[192];
    snprintf(options, sizeof options,
             "-DMWG=%d -DNWG=%d -DKWG=%d -DMDIMC=%d -DNDIMC=%d -DTA=%d -DTB=%d -DVWA=%d "
             "-DVWB=%d",
             t->mwg, t->nwg, t->kwg, t->mdimc, t->ndimc, g->trans_a, g->trans_b, t->vwa, t->vwb);
    return ads_get_kernel(ctx, "gemm_tiled", options, "gemm_tiled", k);
}

/* The device's shape for this product and its kernel: the tuned shape
   with its local memory and work-group size cut to what the device and
   the compiled kernel allow (each cut is a new build). */
static ads_status fitted_kernel(ads_context *ctx, const ads_gemm_args *g, tiled_shape *t,
                                cl_kernel *k)
{
    const ads_device *dev = ads_device_of_call(ctx);
    *t = tuned_shape(ctx);
    size_t limit = (size_t)dev->info.local_mem_bytes;
    if (!fit_local(t, limit))
        return ads_fail(ADS_ERR_UNSUPPORTED,
                        "the device offers %zu bytes of local memory; the tiled GEMM needs at "
                        "least %zu",
                        limit, local_bytes(&(tiled_shape){1, 1, 4, 1, 1, 1, 1}));
    for (;;) {
        t->vwa = g->trans_a ? load_width(g->lda, g->a_offset, g->a_batch_stride, g->batch, t->mwg)
                            : load_width(g->lda, g->a_offset, g->a_batch_stride, g->batch, t->kwg);
        t->vwb = g->trans_b ? load_width(g->ldb, g->b_offset, g->b_batch_stride, g->batch, t->kwg)
                            : load_width(g->ldb, g->b_offset, g->b_batch_stride, g->batch, t->nwg);
        ADS_TRY(tiled_kernel(ctx, g, t, k));
        size_t want = (size_t)t->mdimc * (size_t)t->ndimc, allowed;
        ADS_TRY(kernel_group_max(*k, dev, &allowed));
        if (allowed >= want) return ADS_OK;
        /* Fewer work-items, each with a larger block of the same tile. */
        if (t->mdimc >= t->ndimc) t->mdimc = divisor_at_most(t->mwg, t->mdimc / 2);
        else t->ndimc = divisor_at_most(t->nwg, t->ndimc / 2);
    }
}

static ads_status set_args(cl_kernel k, const ads_gemm_args *g)
{
    cl_uint i = 0;
    ADS_TRY(ads_arg_int(k, i++, (int)g->M));
    ADS_TRY(ads_arg_int(k, i++, (int)g->N));
    ADS_TRY(ads_arg_int(k, i++, (int)g->K));
    ADS_TRY(ads_arg_float(k, i++, g->alpha));
    ADS_TRY(ads_arg_float(k, i++, g->beta));
    const ads_tensor *t[3] = {g->a, g->b, g->c};
    const size_t off[3] = {g->a_offset, g->b_offset, g->c_offset};
    const size_t ld[3] = {g->lda, g->ldb, g->ldc};
    const size_t bs[3] = {g->a_batch_stride, g->b_batch_stride, g->c_batch_stride};
    for (int m = 0; m < 3; m++) {
        ADS_TRY(ads_arg_mem(k, i++, t[m]));
        ADS_TRY(ads_arg_long(k, i++, (int64_t)off[m]));
        ADS_TRY(ads_arg_long(k, i++, (int64_t)ld[m]));
        ADS_TRY(ads_arg_long(k, i++, (int64_t)bs[m]));
    }
    return ADS_OK;
}

/* One launch: at most ADS_MAX_GRID_GROUPS row tiles and batch entries. */
static ads_status launch(ads_context *ctx, const ads_gemm_args *g, const tiled_shape *t,
                         cl_kernel k)
{
    ADS_TRY(set_args(k, g));
    size_t tiles_m = (g->M + t->mwg - 1) / t->mwg, tiles_n = (g->N + t->nwg - 1) / t->nwg;
    ads_launch l = {.stream = g->stream,
                    .kernel = k,
                    .dims = 3,
                    .global = {tiles_n * t->ndimc, tiles_m * t->mdimc, g->batch},
                    .local = {(size_t)t->ndimc, (size_t)t->mdimc, 1},
                    .nreads = 2,
                    .nwrites = 1};
    l.reads[0] = g->a;
    l.reads[1] = g->b;
    l.writes[0] = g->c;
    return ads_enqueue(ctx, &l);
}

ads_status ads_gemm_tiled(ads_context *ctx, const ads_gemm_args *g)
{
    tiled_shape t;
    cl_kernel k;
    ADS_TRY(fitted_kernel(ctx, g, &t, &k));
    const size_t rows_step = (size_t)ADS_MAX_GRID_GROUPS * (size_t)t.mwg;
    for (size_t e0 = 0; e0 < g->batch; e0 += ADS_MAX_GRID_GROUPS)
        for (size_t i0 = 0; i0 < g->M; i0 += rows_step) {
            ads_gemm_args part = *g;
            part.batch = g->batch - e0 < ADS_MAX_GRID_GROUPS ? g->batch - e0 : ADS_MAX_GRID_GROUPS;
            part.M = g->M - i0 < rows_step ? g->M - i0 : rows_step;
            /* Row i0 of op(A) is stored row i0 of A, or its column i0. */
            part.a_offset += e0 * g->a_batch_stride + (g->trans_a ? i0 : i0 * g->lda);
            part.b_offset += e0 * g->b_batch_stride;
            part.c_offset += e0 * g->c_batch_stride + i0 * g->ldc;
            ADS_TRY(launch(ctx, &part, &t, k));
        }
    return ADS_OK;
}
