/* The CLBlast backend: one CLBlastSgemmStridedBatched call. CLBlast takes
   no wait list, so a marker carrying the operands' events goes first on
   the same in-order queue, and CLBlast's event is recorded on them after. */
#include <clblast_c.h>
#include <stdlib.h>

#include "gemm_clblast.h"

ads_status ads_gemm_clblast(ads_context *ctx, const ads_gemm_args *g)
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

    cl_event ev = NULL;
    CLBlastStatusCode st = CLBlastSgemmStridedBatched(
        CLBlastLayoutRowMajor, g->trans_a ? CLBlastTransposeYes : CLBlastTransposeNo,
        g->trans_b ? CLBlastTransposeYes : CLBlastTransposeNo, g->M, g->N, g->K, g->alpha,
        g->a->mem, g->a_offset, g->lda, g->a_batch_stride, g->b->mem, g->b_offset, g->ldb,
        g->b_batch_stride, g->beta, g->c->mem, g->c_offset, g->ldc, g->c_batch_stride, g->batch,
        &ctx->queue, &ev);
    if (st != CLBlastSuccess)
        return ads_fail(st == CLBlastOpenCLOutOfResources || st == CLBlastOpenCLOutOfHostMemory
                            ? ADS_ERR_OUT_OF_MEMORY
                            : ADS_ERR_OPENCL,
                        "CLBlastSgemmStridedBatched failed with CLBlast status %d", (int)st);
    ads_record(ev, reads, 2, writes, 1);
    clReleaseEvent(ev);
    return ADS_OK;
}
