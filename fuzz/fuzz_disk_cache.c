/* Fuzz target: a program cache entry (ads_disk_cache_load) read from a
   file in a private folder. An input whose first byte is FIXUP (no magic
   starts so) is the rest as the binary of an entry with a valid header
   and checksum: so the fuzzer also reaches what follows the checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define FIXUP 0xF1

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], path[128];
static const char KEY[] = "fuzz key: source hash, options, device, driver";

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/ads-fuzz-cache-XXXXXX");
    if (!mkdtemp(dir)) abort();
    /* The entry's name, as disk_cache.c makes it. */
    snprintf(path, sizeof path, "%s/%016llx.bin", dir,
             (unsigned long long)ads_hash64(KEY, strlen(KEY), 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) setup();
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size > 0 && data[0] == FIXUP) {
        uint32_t version = 1, klen = (uint32_t)strlen(KEY);
        uint64_t blen = size - 1;
        uint64_t sum = ads_hash64(data + 1, size - 1, ads_hash64(KEY, klen, 0x5eed));
        fwrite("ADSPROG", 1, 8, f);
        fwrite(&version, 4, 1, f), fwrite(&klen, 4, 1, f);
        fwrite(&blen, 8, 1, f), fwrite(&sum, 8, 1, f);
        fwrite(KEY, 1, klen, f);
        fwrite(data + 1, 1, size - 1, f);
    } else {
        fwrite(data, 1, size, f);
    }
    fclose(f);
    unsigned char *bin = NULL;
    size_t len = 0;
    if (ads_disk_cache_load(dir, KEY, &bin, &len)) {
        if (len == 0 || len >= size) abort(); /* more than the file held */
        free(bin);
    }
    return 0;
}
