/* ads_gemm: argument checking, the choice of path, and the CPU-shaped
   kernels.

   Paths (ads_gemm_path_of): the CPU-shaped register-tiled kernels here
   (cl/gemm.cl), the GPU-shaped tiled kernel (gemm_tiled.c) and CLBlast
   (gemm_clblast.c). ADS_GEMM picks one for every device; otherwise the
   tuning key gemm.path does, whose default depends on the device class:
   the CPU kernels on CPUs, because on the reference CPU device (PoCL 3.1,
   2-core AVX-512) CLBlast reaches about 25 GFLOP/s on convolution-shaped
   products while they reach 100-175 GFLOP/s of CPU time
   (bench/gemm_speed); CLBlast on GPUs (docs/design.md says why). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "gemm_clblast.h"
#include "gemm_tiled.h"
#include "tuning.h"

/* ------------------------------------------------------------ checking */

/* a * b + c without wrapping; false on overflow. */
static bool muladd(size_t a, size_t b, size_t c, size_t *out)
{
    if (b && a > (SIZE_MAX - c) / b) return false;
    *out = a * b + c;
    return true;
}

/* The element range [lo, hi) one operand spans over all batch entries:
   `rows` x `cols` stored with pitch ld, batch entries `bs` apart. */
static bool operand_span(size_t off, size_t rows, size_t cols, size_t ld, size_t batch, size_t bs,
                         size_t *lo, size_t *hi)
{
    size_t last_row, last_entry;
    if (!muladd(rows - 1, ld, cols, &last_row)) return false;
    if (!muladd(batch - 1, bs, last_row, &last_entry)) return false;
    if (last_entry > SIZE_MAX - off) return false;
    *lo = off;
    *hi = off + last_entry;
    return true;
}

/* One operand: tensor, pitch (at least the stored row length) and extent. */
static ads_status check_operand(const ads_context *ctx, const ads_tensor *t, const char *name,
                                size_t off, size_t rows, size_t cols, size_t ld, size_t batch,
                                size_t bs, size_t *lo, size_t *hi)
{
    ADS_TRY(ads_check_tensor(t, ctx, name));
    if (ld < cols || ld > INT_MAX)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "ld%s is %zu; the stored rows of %s hold %zu elements, so ld%s must "
                        "lie in [%zu, %d]",
                        name, ld, name, cols, name, cols, INT_MAX);
    if (!operand_span(off, rows, cols, ld, batch, bs, lo, hi) || *hi > t->count)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH,
                        "%s holds %zu elements but the product reads %s up to element "
                        "%zu + %zu*%zu + %zu*%zu + %zu (offset + batch stride + rows*ld + "
                        "cols)",
                        name, t->count, name, off, batch - 1, bs, rows - 1, ld, cols);
    return ADS_OK;
}

static bool ranges_overlap(size_t lo1, size_t hi1, size_t lo2, size_t hi2)
{
    return lo1 < hi2 && lo2 < hi1;
}

static size_t pack_width(const ads_context *ctx);

/* B's stored rows, columns and pitch: as given, or the packed tiles. */
static ads_status b_extent(const ads_context *ctx, const ads_gemm_args *g, size_t *rows,
                           size_t *cols, size_t *ld)
{
    *rows = g->trans_b ? g->N : g->K;
    *cols = g->trans_b ? g->K : g->N;
    *ld = g->ldb;
    if (!g->b_packed) return ADS_OK;
    if (g->trans_b)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "b_packed is set with trans_b; only a B stored as K x N is packed");
    size_t tn = pack_width(ctx);
    *rows = (g->N + tn - 1) / tn * (g->K ? g->K : 1);
    *cols = *ld = tn;
    return ADS_OK;
}

static ads_status check_args(const ads_context *ctx, const ads_gemm_args *g)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    if (!g) return ads_fail(ADS_ERR_NULL_ARGUMENT, "the GEMM arguments are NULL");
    const size_t dims[3] = {g->M, g->N, g->K};
    const char *names[3] = {"M", "N", "K"};
    for (int i = 0; i < 3; i++)
        if (dims[i] > INT_MAX)
            return ads_fail(ADS_ERR_INVALID_ARGUMENT, "%s is %zu; at most %d is supported",
                            names[i], dims[i], INT_MAX);
    if (!isfinite(g->alpha) || !isfinite(g->beta))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "alpha (%g) and beta (%g) must be finite",
                        (double)g->alpha, (double)g->beta);
    size_t alo, ahi, blo, bhi, clo, chi;
    /* Stored shapes: A is M x K (K x M transposed), B is K x N (N x K). */
    ADS_TRY(check_operand(ctx, g->a, "a", g->a_offset, g->trans_a ? g->K : g->M,
                          g->trans_a ? g->M : g->K, g->lda, g->batch, g->a_batch_stride, &alo,
                          &ahi));
    size_t brows, bcols, bld;
    ADS_TRY(b_extent(ctx, g, &brows, &bcols, &bld));
    ADS_TRY(check_operand(ctx, g->b, "b", g->b_offset, brows, bcols, bld, g->batch,
                          g->b_batch_stride, &blo, &bhi));
    ADS_TRY(check_operand(ctx, g->c, "c", g->c_offset, g->M, g->N, g->ldc, g->batch,
                          g->c_batch_stride, &clo, &chi));
    if (g->bias) {
        size_t lo, hi;
        if (!g->b_packed)
            return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                            "bias is set without b_packed; only the packed product adds a bias");
        ADS_TRY(check_operand(ctx, g->bias, "bias", g->bias_offset, 1, g->M, g->M, g->batch,
                              g->bias_batch_stride, &lo, &hi));
        if (g->bias == g->c && ranges_overlap(clo, chi, lo, hi))
            return ads_fail(ADS_ERR_INVALID_ARGUMENT, "c overlaps bias in the same tensor");
    }
    /* Batch entries of C written in parallel must not share elements. */
    size_t c_entry = (g->M - 1) * g->ldc + g->N;
    if (g->batch > 1 && g->c_batch_stride < c_entry)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "c_batch_stride is %zu; batch entries of C span %zu elements and "
                        "must not overlap",
                        g->c_batch_stride, c_entry);
    if ((g->c == g->a && ranges_overlap(clo, chi, alo, ahi)) ||
        (g->c == g->b && ranges_overlap(clo, chi, blo, bhi)))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "c overlaps %s in the same tensor; the product cannot run in place",
                        g->c == g->a && ranges_overlap(clo, chi, alo, ahi) ? "a" : "b");
    return ADS_OK;
}

/* ------------------------------------------------------ our own kernels */

/* Which kernel runs a product and with which code shape. The one place
   that maps (shape, transposes) to a kernel, so a tuning table can
   drive it later. */
typedef struct {
    const char *kernel;
    char options[96];
    size_t tile_m, tile_n; /* the register tile of one step            */
    size_t rows_per_item;  /* rows of C one work-item covers (tile_m k) */
    bool pack_b;           /* gemm_vec: copy op(B) into column tiles first */
    bool pack_a;           /* gemm_vec: copy op(A) into row tiles first too */
    char pack_options[96];
    char pack_a_options[64];
} gemm_plan;

/* Work per work-item: PoCL runs each work-group (one work-item here) as a
   call with a fixed cost, so a work-item should carry a few MFLOP; it
   walks down its column block tile by tile, reusing that block of op(B)
   from cache. Yet every compute unit needs several work-items to balance
   the load. */
#define FLOP_PER_ITEM  4e6
#define ITEMS_PER_UNIT 8

static size_t rows_per_item(const ads_context *ctx, const ads_gemm_args *g, size_t tm, size_t tn)
{
    size_t tiles_m = (g->M + tm - 1) / tm, tiles_n = (g->N + tn - 1) / tn;
    double tile_flop = 2.0 * (double)(tm * tn) * (double)(g->K ? g->K : 1);
    size_t want = (size_t)ceil(FLOP_PER_ITEM / tile_flop);
    if (want > tiles_m) want = tiles_m;
    size_t min_items =
        ITEMS_PER_UNIT *
        (size_t)(ctx->dev[0].info.compute_units > 0 ? ctx->dev[0].info.compute_units : 1);
    while (want > 1 && (tiles_m + want - 1) / want * tiles_n * g->batch < min_items) want--;
    /* Even blocks: the same number of tiles in every work-item. */
    size_t blocks = (tiles_m + want - 1) / want;
    return (tiles_m + blocks - 1) / blocks * tm;
}

/* Packing op(B) into contiguous column tiles costs one pass over it and
   pays once several row tiles (M >= 32) read each column tile: on the
   PoCL CPU it raised the forward shapes from about 130 to 185 GFLOP/s of
   CPU time, the rows of a large B lying a page apart otherwise. A
   transposed B is packed (transposing it) or, for small M, read by the
   dot-product kernel. The thresholds are the tuning keys gemm.pack_min_m
   and, for A * B^T, gemm.dot_max_m. */

static bool should_pack_b(const ads_context *ctx, const ads_gemm_args *g)
{
    if (g->b_packed) return true; /* the caller packed it already */
    if (g->trans_b && !g->trans_a && (int64_t)g->M <= ads_tune(ctx, "gemm.dot_max_m")) return false;
    return (int64_t)g->M >= ads_tune(ctx, "gemm.pack_min_m") && g->K > 0;
}

/* A vector width from the tuning table: only OpenCL's float4/8/16. */
static int tuned_width(const ads_context *ctx, const char *key, int fallback)
{
    int v = ads_tune(ctx, key);
    return v == 4 || v == 8 || v == 16 ? v : fallback;
}

/* gemm_vec's column tile TN = VW * NV: the packed layout's width. */
static size_t pack_width(const ads_context *ctx)
{
    return (size_t)tuned_width(ctx, "gemm.vec_vw", 16) * (size_t)ads_tune(ctx, "gemm.vec_nv");
}

int ads_gemm_path_of(const ads_context *ctx)
{
    return ctx->gemm_path_env >= 0 ? ctx->gemm_path_env : ads_tune(ctx, "gemm.path");
}

size_t ads_gemm_pack_width(const ads_context *ctx, size_t M, size_t K)
{
    ads_gemm_args g = {.M = M, .K = K};
    return ads_gemm_path_of(ctx) == ADS_GEMM_PATH_CPU && should_pack_b(ctx, &g) ? pack_width(ctx)
                                                                                : 0;
}

/* How many work-items read each packed row tile of op(A): one per column
   tile of every batch entry that shares A. Packing A is a pass over it
   (and a buffer to fault in), which pays when many read it: the forward
   weights (hundreds of readers) and W^T of gcol, not the gy of gw (18
   column tiles on res, where the packing took 12% of the profile): the
   threshold is the tuning key gemm.pack_a_min_reuse. */

static size_t a_reuse(const ads_gemm_args *g, size_t tn)
{
    return (g->N + tn - 1) / tn * (g->a_batch_stride ? 1 : g->batch);
}

/* The register tiles come from the device's tuning table (tools/tune.c
   tries candidates; the defaults are the best measured on PoCL before
   the table existed). Each distinct value is its own program build. */
static gemm_plan choose_plan(const ads_context *ctx, const ads_gemm_args *g)
{
    gemm_plan p = {0};
    const bool pack = should_pack_b(ctx, g);
    if (!g->trans_b || pack) {
        /* Rows of op(B) contiguous (as stored or packed): broadcast op(A)
           against VW-wide rows of op(B). */
        const int tm = ads_tune(ctx, "gemm.vec_tm");
        const int vw = tuned_width(ctx, "gemm.vec_vw", 16);
        const int nv = ads_tune(ctx, "gemm.vec_nv");
        const int ku = ads_tune(ctx, "gemm.vec_ku");
        p.kernel = "gemm_vec";
        p.tile_m = tm;
        p.tile_n = (size_t)(vw * nv);
        p.pack_b = pack;
        p.pack_a = pack && ads_tune(ctx, "gemm.pack_a") &&
                   a_reuse(g, p.tile_n) >= (size_t)ads_tune(ctx, "gemm.pack_a_min_reuse");
        snprintf(p.options, sizeof p.options,
                 "-DGEMM_VEC -DTA=%d -DTM=%d -DVW=%d -DNV=%d -DPACKED=%d -DPACKED_A=%d -DKU=%d "
                 "-DROW_BIAS=%d",
                 p.pack_a ? 0 : g->trans_a, tm, vw, nv, p.pack_b, p.pack_a, ku, g->bias != NULL);
        snprintf(p.pack_a_options, sizeof p.pack_a_options, "-DGEMM_PACK_A -DTA=%d -DTM=%d",
                 g->trans_a, tm);
        snprintf(p.pack_options, sizeof p.pack_options, "-DGEMM_PACK_B -DTB=%d -DVW=%d -DNV=%d",
                 g->trans_b, vw, nv);
    } else if (!g->trans_a) {
        /* A * B^T: both read along k, as dot products. */
        const int di = ads_tune(ctx, "gemm.dot_di");
        const int dj = ads_tune(ctx, "gemm.dot_dj");
        const int dw = tuned_width(ctx, "gemm.dot_dw", 16);
        p.kernel = "gemm_dot";
        p.tile_m = di;
        p.tile_n = dj;
        snprintf(p.options, sizeof p.options, "-DGEMM_DOT -DDI=%d -DDJ=%d -DDW=%d", di, dj, dw);
    } else {
        /* A^T * B^T with small M: no convolution runs it; the plain kernel. */
        p.kernel = "gemm_simple";
        p.tile_m = p.tile_n = 4;
        p.rows_per_item = 4;
        snprintf(p.options, sizeof p.options, "-DGEMM_SIMPLE -DTA=1 -DTB=1 -DST=4");
        return p;
    }
    p.rows_per_item = rows_per_item(ctx, g, p.tile_m, p.tile_n);
    return p;
}

static ads_status set_args(cl_kernel k, const ads_gemm_args *g, const gemm_plan *p)
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
    ADS_TRY(ads_arg_int(k, i++, (int)p->rows_per_item));
    if (strcmp(p->kernel, "gemm_vec") != 0) return ADS_OK;
    /* gemm_vec's row bias (read only when built with ROW_BIAS=1) */
    ADS_TRY(ads_arg_mem(k, i++, g->bias ? g->bias : g->c));
    ADS_TRY(ads_arg_long(k, i++, (int64_t)g->bias_offset));
    return ads_arg_long(k, i, (int64_t)g->bias_batch_stride);
}

static ads_status launch_product(ads_context *ctx, const ads_gemm_args *g, const gemm_plan *p)
{
    cl_kernel k;
    ADS_TRY(ads_get_kernel(ctx, "gemm", p->options, p->kernel, &k));
    ADS_TRY(set_args(k, g, p));
    ads_launch l = {.stream = g->stream,
                    .kernel = k,
                    .dims = 3,
                    .global = {(g->M + p->rows_per_item - 1) / p->rows_per_item,
                               (g->N + p->tile_n - 1) / p->tile_n, g->batch},
                    /* one work-item per group: its tile is the unit of work */
                    .local = {1, 1, 1},
                    .nreads = 2,
                    .nwrites = 1};
    l.reads[0] = g->a;
    l.reads[1] = g->b;
    if (g->bias) l.reads[l.nreads++] = g->bias;
    l.writes[0] = g->c;
    return ads_enqueue(ctx, &l);
}

/* One operand of the product as packed by gemm_pack_a or gemm_pack_b:
   the program options, the kernel, its `lines` (M or N: tiled by `tile`),
   the source and its layout. */
typedef struct {
    const char *options, *kernel;
    size_t lines, tile, offset, ld, batch_stride;
    const ads_tensor *src;
} packed_operand;

/* Copies `batch` entries of operand o into ws as tiles of o.tile lines
   (see gemm_pack_a and gemm_pack_b in cl/gemm.cl); ws holds `entry`
   floats per entry. */
static ads_status pack(ads_context *ctx, const ads_gemm_args *g, const packed_operand *o,
                       size_t batch, ads_tensor *ws, size_t entry)
{
    cl_kernel k;
    ADS_TRY(ads_get_kernel(ctx, "gemm", o->options, o->kernel, &k));
    cl_uint i = 0;
    ADS_TRY(ads_arg_int(k, i++, (int)o->lines));
    ADS_TRY(ads_arg_int(k, i++, (int)g->K));
    ADS_TRY(ads_arg_mem(k, i++, o->src));
    ADS_TRY(ads_arg_long(k, i++, (int64_t)o->offset));
    ADS_TRY(ads_arg_long(k, i++, (int64_t)o->ld));
    ADS_TRY(ads_arg_long(k, i++, (int64_t)o->batch_stride));
    ADS_TRY(ads_arg_mem(k, i++, ws));
    ADS_TRY(ads_arg_long(k, i++, (int64_t)entry));
    ads_launch l = {.stream = g->stream,
                    .kernel = k,
                    .dims = 3,
                    .global = {g->K, (o->lines + o->tile - 1) / o->tile, batch},
                    /* fixed, so PoCL compiles it once; rows past K return */
                    .local = {16, 1, 1},
                    .nreads = 1,
                    .nwrites = 1};
    l.reads[0] = o->src;
    l.writes[0] = ws;
    return ads_enqueue(ctx, &l);
}

/* op(B) of every batch entry as column tiles of tile_n. */
static ads_status pack_b(ads_context *ctx, const ads_gemm_args *g, const gemm_plan *p,
                         ads_tensor *ws, size_t entry)
{
    packed_operand o = {p->pack_options, "gemm_pack_b",     g->N, p->tile_n, g->b_offset,
                        g->ldb,          g->b_batch_stride, g->b};
    return pack(ctx, g, &o, g->batch, ws, entry);
}

/* op(A) of `batch` entries as row tiles of tile_m. */
static ads_status pack_a(ads_context *ctx, const ads_gemm_args *g, const gemm_plan *p, size_t batch,
                         ads_tensor *ws, size_t entry)
{
    packed_operand o = {p->pack_a_options, "gemm_pack_a", g->M, p->tile_m, g->a_offset, g->lda,
                        g->a_batch_stride, g->a};
    return pack(ctx, g, &o, batch, ws, entry);
}

/* A packed copy of op(A) or op(B) takes at most this share of the memory
   budget; a larger batch is packed and multiplied a few entries at a
   time, in order (the scheduler orders the copy's reuse). */
#define PACK_BUDGET_SHARE 4

/* Batch entries whose packed copies of `entry` floats each fit the share. */
static size_t entries_per_pack(const ads_context *ctx, size_t entry, size_t batch)
{
    size_t fit = (size_t)(ctx->memory_budget / PACK_BUDGET_SHARE / sizeof(float) / entry);
    return fit < 1 ? 1 : fit < batch ? fit : batch;
}

/* Runs the product with op(A) packed first: once when every batch entry
   shares A (a_batch_stride 0, the weights of a convolution batched over
   images), else per entry, a budget's share of entries at a time. The
   packed copy is a buffer of its own, not a pooled workspace: after
   larger layers the pool's best fit for it was a large buffer, and the
   small forward then took twice its CPU time on PoCL
   (bench/launch_count --cpu, vgg,res,dw,small in one process). */
static ads_status with_packed_a(ads_context *ctx, const ads_gemm_args *g, const gemm_plan *p,
                                ads_status (*run)(ads_context *, const ads_gemm_args *,
                                                  const gemm_plan *))
{
    size_t entry = (g->M + p->tile_m - 1) / p->tile_m * p->tile_m * g->K;
    size_t step = g->a_batch_stride ? entries_per_pack(ctx, entry, g->batch) : g->batch;
    ads_tensor *ws;
    ADS_TRY(ads_tensor_create_raw(ctx, entry * (g->a_batch_stride ? step : 1), &ws));
    ads_status st = ADS_OK;
    for (size_t e0 = 0; e0 < g->batch && st == ADS_OK; e0 += step) {
        ads_gemm_args part = *g;
        part.batch = g->batch - e0 < step ? g->batch - e0 : step;
        part.a_offset += e0 * g->a_batch_stride;
        part.b_offset += e0 * g->b_batch_stride;
        part.c_offset += e0 * g->c_batch_stride;
        part.bias_offset += e0 * g->bias_batch_stride;
        st = pack_a(ctx, &part, p, g->a_batch_stride ? part.batch : 1, ws, entry);
        if (st != ADS_OK) break;
        part.a = ws;
        part.a_offset = 0;
        part.lda = p->tile_m;
        part.a_batch_stride = g->a_batch_stride ? entry : 0;
        st = run(ctx, &part, p);
    }
    ads_tensor_release(ws);
    return st;
}

static ads_status gemm_packed(ads_context *ctx, const ads_gemm_args *g, const gemm_plan *p)
{
    size_t entry = (g->N + p->tile_n - 1) / p->tile_n * p->tile_n * g->K;
    size_t step = entries_per_pack(ctx, entry, g->batch);
    ads_tensor *ws;
    ADS_TRY(ads_workspace_acquire(ctx, entry * step, &ws));
    ads_status st = ADS_OK;
    for (size_t e0 = 0; e0 < g->batch && st == ADS_OK; e0 += step) {
        ads_gemm_args part = *g;
        part.batch = g->batch - e0 < step ? g->batch - e0 : step;
        part.a_offset += e0 * g->a_batch_stride;
        part.b_offset += e0 * g->b_batch_stride;
        part.c_offset += e0 * g->c_batch_stride;
        part.bias_offset += e0 * g->bias_batch_stride;
        st = pack_b(ctx, &part, p, ws, entry);
        if (st != ADS_OK) break;
        part.b = ws;
        part.b_offset = 0;
        part.ldb = p->tile_n;
        part.b_batch_stride = entry;
        st = launch_product(ctx, &part, p);
    }
    ads_workspace_release(ctx, ws);
    return st;
}

/* B already packed by the caller: the product alone. */
static ads_status gemm_prepacked(ads_context *ctx, const ads_gemm_args *g, const gemm_plan *p)
{
    ads_gemm_args packed = *g;
    packed.ldb = p->tile_n;
    return launch_product(ctx, &packed, p);
}

static ads_status gemm_own(ads_context *ctx, const ads_gemm_args *g)
{
    gemm_plan p = choose_plan(ctx, g);
    if (p.pack_a) return with_packed_a(ctx, g, &p, g->b_packed ? gemm_prepacked : gemm_packed);
    if (g->b_packed) return gemm_prepacked(ctx, g, &p);
    return p.pack_b ? gemm_packed(ctx, g, &p) : launch_product(ctx, g, &p);
}

/* ------------------------------------------------------------ the entry */

ads_status ads_gemm(ads_context *ctx, const ads_gemm_args *g)
{
    if (g && (g->M == 0 || g->N == 0 || g->batch == 0)) {
        /* An empty product writes nothing; still reject NULL operands. */
        if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
        ADS_TRY(ads_check_tensor(g->a, ctx, "a"));
        ADS_TRY(ads_check_tensor(g->b, ctx, "b"));
        return ads_check_tensor(g->c, ctx, "c");
    }
    ADS_TRY(check_args(ctx, g));
    /* No ads_check_finite here: GEMM is internal, its callers check the
       user's tensors at the public boundary, and its operands are mostly
       workspaces whose unused tails hold stale data. */
    /* A B the caller packed is read by the CPU kernels whatever the path
       (ads_gemm_pack_width asks for packing on the CPU path only). */
    if (g->b_packed) return gemm_own(ctx, g);
    switch (ads_gemm_path_of(ctx)) {
    case ADS_GEMM_PATH_TILED: return ads_gemm_tiled(ctx, g);
    case ADS_GEMM_PATH_CLBLAST: return ads_gemm_clblast(ctx, g);
    default: return gemm_own(ctx, g);
    }
}
