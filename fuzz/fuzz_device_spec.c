/* Fuzz target: the device spec grammar (ads_resolve_device_spec) over a
   fixed list of five devices on two platforms, no OpenCL involved. */
#include <stdlib.h>
#include <string.h>

#include "device_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const candidate c[5] = {
        {(cl_platform_id)1, (cl_device_id)11, 0, 0, CL_DEVICE_TYPE_CPU,
         "Portable Computing "
         "Language",
         "OpenCL 3.0 PoCL 3.1", "cpu-haswell", "GenuineIntel"},
        {(cl_platform_id)1, (cl_device_id)12, 0, 1, CL_DEVICE_TYPE_CPU,
         "Portable Computing "
         "Language",
         "OpenCL 3.0 PoCL 3.1", "cpu-haswell", "GenuineIntel"},
        {(cl_platform_id)2, (cl_device_id)21, 1, 0, CL_DEVICE_TYPE_GPU, "NVIDIA CUDA",
         "OpenCL 3.0 CUDA 12.2", "NVIDIA H100", "NVIDIA Corporation"},
        {(cl_platform_id)2, (cl_device_id)22, 1, 1, CL_DEVICE_TYPE_GPU, "NVIDIA CUDA",
         "OpenCL 3.0 CUDA 12.2", "NVIDIA H100", "NVIDIA Corporation"},
        {(cl_platform_id)2, (cl_device_id)23, 1, 2, CL_DEVICE_TYPE_ACCELERATOR, "NVIDIA CUDA",
         "OpenCL 3.0 CUDA 12.2", "", ""},
    };
    char *spec = malloc(size + 1);
    if (!spec) return 0;
    memcpy(spec, data, size);
    spec[size] = '\0';
    int picked[ADS_MAX_DEVICES], n = -1;
    for (int ndev = 0; ndev <= 5; ndev += 5) /* no devices at all, then the five */
        if (ads_resolve_device_spec(spec, c, ndev, picked, &n) == ADS_OK) {
            if (n < 1 || n > ADS_MAX_DEVICES) abort();
            for (int i = 0; i < n; i++)
                if (picked[i] < 0 || picked[i] >= ndev ||
                    c[picked[i]].platform != c[picked[0]].platform)
                    abort();
        }
    free(spec);
    return 0;
}
