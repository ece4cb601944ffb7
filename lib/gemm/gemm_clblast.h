/* The CLBlast backend of ads_gemm (ADS_GEMM=clblast). */
#ifndef ADS_GEMM_CLBLAST_H
#define ADS_GEMM_CLBLAST_H

#include "gemm.h"

/* Runs a product whose arguments ads_gemm has already checked. */
ads_status ads_gemm_clblast(ads_context *ctx, const ads_gemm_args *g);

#endif
