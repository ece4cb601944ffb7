/* The CLBlast backend: CLBlastSgemmStridedBatched on the main queue.
   CLBlast takes no wait list, so a barrier carrying the operands' events
   goes first on that in-order queue, and CLBlast's event is recorded on
   the tensors after. */
#include <clblast_c.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "gemm_clblast.h"

/* Contexts that have called CLBlast and are not released yet. CLBlast
   keeps the programs it builds in one cache for the whole process and
   would release them only at exit, after their OpenCL context is gone
   (under oclgrind that corrupted the heap at exit) and keeping that
   context alive until then; so the last such context to be released
   clears CLBlast's cache (CLBlastClearCache: programs and binaries). */
static atomic_int clblast_contexts;

static void forget_clblast(ads_context *ctx)
{
    (void)ctx;
    if (atomic_fetch_sub(&clblast_contexts, 1) == 1) CLBlastClearCache();
}

/* Counts ctx among the contexts that have used CLBlast, once. */
static void count_context(ads_context *ctx)
{
    for (int i = 0; i < ctx->nrelease_hooks; i++)
        if (ctx->release_hooks[i] == forget_clblast) return;
    if (ads_context_on_release(ctx, forget_clblast)) atomic_fetch_add(&clblast_contexts, 1);
}

/* `batch` entries from element offsets off[3] (a, b, c), strides[3] apart.
   On success *ev is the event of the call. */
static ads_status call(ads_context *ctx, const ads_gemm_args *g, const size_t off[3],
                       const size_t strides[3], size_t batch, cl_event *ev)
{
    CLBlastStatusCode st = CLBlastSgemmStridedBatched(
        CLBlastLayoutRowMajor, g->trans_a ? CLBlastTransposeYes : CLBlastTransposeNo,
        g->trans_b ? CLBlastTransposeYes : CLBlastTransposeNo, g->M, g->N, g->K, g->alpha,
        g->a->mem, off[0], g->lda, strides[0], g->b->mem, off[1], g->ldb, strides[1], g->beta,
        g->c->mem, off[2], g->ldc, strides[2], batch, &ctx->queue, ev);
    if (st == CLBlastSuccess) return ADS_OK;
    return ads_fail(st == CLBlastOpenCLOutOfResources || st == CLBlastOpenCLOutOfHostMemory
                        ? ADS_ERR_OUT_OF_MEMORY
                        : ADS_ERR_OPENCL,
                    "CLBlastSgemmStridedBatched failed with CLBlast status %d", (int)st);
}

/* The whole hand-over (wait list, calls, record) under the context lock,
   as ads_enqueue does it, so other host threads see it as one step. */
static ads_status gemm_clblast_locked(ads_context *ctx, const ads_gemm_args *g)
{
    const ads_tensor *reads[2] = {g->a, g->b};
    ads_tensor *writes[1] = {g->c};
    cl_event *wait;
    cl_uint nwait;
    ADS_TRY(ads_wait_list(reads, 2, writes, 1, &wait, &nwait));
    cl_int err = CL_SUCCESS;
    if (nwait) err = clEnqueueBarrierWithWaitList(ctx->queue, nwait, wait, NULL);
    free(wait);
    if (err != CL_SUCCESS) return ads_fail_cl(err, "clEnqueueBarrierWithWaitList before CLBlast");

    /* CLBlast rejects a zero batch stride (status -1017, seen here with
       one entry), so a shared A or B runs one entry per call, in order
       on the queue. With one entry the stride is unused: any nonzero
       value will do. */
    size_t off[3] = {g->a_offset, g->b_offset, g->c_offset};
    size_t strides[3] = {g->a_batch_stride, g->b_batch_stride, g->c_batch_stride};
    bool shared = false;
    for (int i = 0; i < 3; i++) {
        shared = shared || strides[i] == 0;
        if (g->batch == 1 && strides[i] == 0) strides[i] = 1;
    }
    cl_event ev = NULL;
    ads_status st = ADS_OK;
    if (g->batch == 1 || !shared) {
        st = call(ctx, g, off, strides, g->batch, &ev);
    } else {
        const size_t one[3] = {1, 1, 1};
        for (size_t e = 0; e < g->batch && st == ADS_OK; e++) {
            size_t at[3];
            for (int i = 0; i < 3; i++) at[i] = off[i] + e * strides[i];
            /* The in-order queue runs the entries in turn, so the last
               enqueued one's event stands for all; a failed call keeps
               the previous event, so the entries already enqueued are
               still recorded on c. */
            cl_event next = NULL;
            st = call(ctx, g, at, one, 1, &next);
            if (next) {
                if (ev) clReleaseEvent(ev);
                ev = next;
            }
        }
    }
    /* Even after a failure the calls made so far are on the queue. */
    if (ev) {
        clFlush(ctx->queue); /* other queues may wait on its event */
        ads_record(ev, reads, 2, writes, 1);
        clReleaseEvent(ev);
    }
    return st;
}

ads_status ads_gemm_clblast(ads_context *ctx, const ads_gemm_args *g)
{
    ads_lock(ctx);
    count_context(ctx);
    ads_status st = gemm_clblast_locked(ctx, g);
    ads_unlock(ctx);
    return st;
}
