/* Fuzz target: an IDX file, gzip-compressed or plain (idx_gunzip, then
   idx_check as images and as labels). */
#include <stdlib.h>

#include "idx_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *out;
    size_t n;
    char err[512];
    if (!idx_gunzip("fuzz.gz", data, size, &out, &n, err, sizeof err)) return 0;
    uint32_t dims[3];
    if (idx_check("fuzz.gz", out, n, 0x803, 3, 4096, dims, err, sizeof err) &&
        (uint64_t)dims[0] * dims[1] * dims[2] != n - 16)
        abort(); /* accepted with a payload of another size */
    idx_check("fuzz.gz", out, n, 0x801, 1, 4096, dims, err, sizeof err);
    free(out);
    return 0;
}
