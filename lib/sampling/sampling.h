/* The sampling module: which of the three kinds a call samples at, the
   checks of its positions and position gradients that every operation
   shares (gather-convolution, pooling), and the index sizes the host
   and the kernels agree on (sampling_shared.h, also included by
   cl/gconv.clh). The operations check the positions' shapes against
   their own output sizes. */
#ifndef ADS_SAMPLING_H
#define ADS_SAMPLING_H

#include "sampling_shared.h"
#include "tensor.h"

/* The kind `at` asks for: at.grid alone, at.py with at.px, or none (the
   fixed stride); every given tensor must belong to ctx. */
ads_status ads_sampling_kind_of(const ads_context *ctx, ads_sampling at, ads_sampling_kind *kind);

/* Position gradients exist only for the kind sampled: none on the fixed
   grid, gat.py/gat.px at separable positions, gat.grid at a full grid.
   Checks only which are given; their shapes are the operation's. */
ads_status ads_sampling_check_grads(ads_sampling_kind kind, ads_sampling_grad gat);

/* Kernels index with int inside a plane: the window's reach along one
   axis, dil*(k-1), and the padding stay within this bound so that the
   index expressions (i*s - pad + t*dil, ...) cannot overflow. */
#define ADS_MAX_WINDOW_SPAN (1 << 28)

/* Fails with ADS_ERR_TOO_LARGE when dil*(k-1) or pad along one axis
   exceeds ADS_MAX_WINDOW_SPAN, naming the fields as prefix + name
   ("desc->", "kh"). k >= 1, dil >= 1 and pad >= 0 are checked before. */
ads_status ads_check_window_span(const char *prefix, const char *k_name, int k,
                                 const char *dil_name, int dil, const char *pad_name, int pad);

#endif
