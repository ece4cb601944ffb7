/* Fuzz target: a training checkpoint (checkpoint_load) read from a file,
   for a run with config "fuzz" and tensors of 3 and 5 floats. Loading
   writes tensors, so this target alone needs an OpenCL device (PoCL's
   CPU device in CI). An input whose first byte is FIXUP (no magic starts
   so) is the rest with a valid CRC-32 appended: so the fuzzer reaches
   the records behind it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "checkpoint.h"

#define FIXUP 0xF1

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ads_context *ctx;
static ads_tensor *tensors[2];
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    int64_t three[1] = {3}, five[1] = {5};
    if (ads_context_create(NULL, &ctx) != ADS_OK ||
        ads_tensor_create(ctx, 1, three, &tensors[0]) != ADS_OK ||
        ads_tensor_create(ctx, 1, five, &tensors[1]) != ADS_OK) {
        fprintf(stderr, "fuzz_checkpoint: no OpenCL device: %s\n", ads_last_error());
        abort();
    }
    snprintf(path, sizeof path, "/tmp/ads-fuzz-checkpoint-%ld.bin", (long)getpid());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size > 0 && data[0] == FIXUP) {
        uint32_t crc = (uint32_t)crc32(0L, data + 1, (uInt)(size - 1));
        fwrite(data + 1, 1, size - 1, f);
        fwrite(&crc, 4, 1, f);
    } else {
        fwrite(data, 1, size, f);
    }
    fclose(f);
    double host[16];
    size_t nhost = 0;
    if (checkpoint_load(path, "fuzz", host, 16, &nhost, tensors, 2) == ADS_OK && nhost > 16)
        abort();
    return 0;
}
