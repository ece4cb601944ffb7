/* The GPU-shaped GEMM path of ads_gemm (cl/gemm_tiled.cl). */
#ifndef ADS_GEMM_TILED_H
#define ADS_GEMM_TILED_H

#include "gemm.h"

/* Runs a product whose arguments ads_gemm has already checked (B not
   packed): work-groups of gemm.tiled_mdimc x gemm.tiled_ndimc work-items,
   each group an MWG x NWG tile of C from local-memory panels, shrunk as
   needed to the device's local memory and the kernel's work-group limit. */
ads_status ads_gemm_tiled(ads_context *ctx, const ads_gemm_args *g);

#endif
