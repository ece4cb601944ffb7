/* Fuzz target: the layer file parser (ads_layer_file_parse), against the
   layout of a conv layer with bias and both stride predictors. An input
   whose first byte is FIXUP (no magic starts so) is the rest with a valid
   checksum appended: so the fuzzer reaches the records behind it. */
#include <stdlib.h>
#include <string.h>

#include "layer.h"

#define FIXUP 0xF1

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const ads_layer_file_layout lay = {
        .kind = ADS_LAYER_CONV,
        .ndim = {4, 1, 1, 1},
        .shape = {{4, 2, 3, 3}, {4}, {2}, {2}},
        .count = {72, 4, 2, 2},
    };
    bool fix = size > 0 && data[0] == FIXUP;
    size_t len = fix ? size - 1 + 8 : size;
    unsigned char *file = malloc(len ? len : 1);
    if (!file) return 0;
    if (fix) {
        memcpy(file, data + 1, size - 1);
        uint64_t sum = ads_hash64(file, size - 1, 0);
        memcpy(file + size - 1, &sum, 8);
    } else if (size) {
        memcpy(file, data, size);
    }
    const unsigned char *values[ADS_NPARAMS];
    if (ads_layer_file_parse(file, len, "fuzz.layer", &lay, values) == ADS_OK) {
        /* Every value a parse accepts is readable and finite. */
        for (int p = 0; p < ADS_NPARAMS; p++)
            for (size_t i = 0; i < lay.count[p]; i++) {
                float v;
                memcpy(&v, values[p] + i * sizeof v, sizeof v);
                if (!(v == v) || v - v != 0) abort();
            }
    }
    free(file);
    return 0;
}
