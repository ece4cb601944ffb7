/* What the host C and the OpenCL sources share about sampling: the kinds
   (the kernels' `kind` argument) and the sizes of the per-image indexes
   that the host allocates and the kernels walk. Included by
   lib/sampling/sampling.h and cl/gconv.clh; written in the common subset
   of C11 and OpenCL C 1.2. */
#ifndef ADS_SAMPLING_SHARED_H
#define ADS_SAMPLING_SHARED_H

/* OpenCL C, by either macro: clang (the compiler of ROCm and Intel's
   drivers, and of tools/gpu_resources.py) defines __OPENCL_C_VERSION__
   only, PoCL both. */
#if defined(__OPENCL_C_VERSION__) || defined(__OPENCL_VERSION__)
typedef long ads_count;
#else
#include <stdint.h>
typedef int64_t ads_count;
#endif

/* Where an operation samples its input (ads_sampling): the fixed-stride
   grid (no positions given), separable row and column positions (at.py,
   at.px), or a full grid (at.grid). */
typedef enum {
    ADS_SAMPLING_FIXED = 0,
    ADS_SAMPLING_SEPARABLE = 1,
    ADS_SAMPLING_GRID = 2
} ads_sampling_kind;

/* Ints of the separable row index of one image: H+1 offsets then 2 ints
   (column offset ky*kw*P + i*Wo, weight bits) per entry, at most 2*Ho*kh
   entries. */
static inline ads_count ads_sep_index_size(int H, int Ho, int kh)
{
    return (ads_count)H + 1 + 4 * (ads_count)Ho * kh;
}

/* Ints of the full-grid index of one image: H+2 bucket starts, then one
   entry (t*P + p) per valid tap, at most kh*kw*P. */
static inline ads_count ads_grid_index_size(int H, int Ho, int Wo, int kh, int kw)
{
    return (ads_count)H + 2 + (ads_count)kh * kw * Ho * Wo;
}

#endif
