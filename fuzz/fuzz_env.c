/* Fuzz target: the environment variables' syntax (env_parse.c):
   ADS_MEMORY_BUDGET, ADS_QUEUES, ADS_DEVICE_WEIGHTS for 1 to 8 devices
   (the first byte picks how many) and the cache folder from
   ADS_CACHE_DIR, XDG_CACHE_HOME or HOME. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "env_parse.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    int ndev = 1 + data[0] % ADS_MAX_DEVICES;
    char *s = malloc(size);
    if (!s) return 0;
    memcpy(s, data + 1, size - 1);
    s[size - 1] = '\0';
    uint64_t bytes;
    if (ads_parse_bytes(s, &bytes) && bytes == 0) abort();
    int q;
    if (ads_parse_int_in(s, 1, ADS_MAX_QUEUES, &q) && (q < 1 || q > ADS_MAX_QUEUES)) abort();
    double w[ADS_MAX_DEVICES];
    if (ads_parse_device_weights(s, ndev, w) == ADS_OK) {
        double total = 0;
        for (int d = 0; d < ndev; d++) {
            if (!(w[d] >= 0 && w[d] <= 1e12)) abort();
            total += w[d];
        }
        if (!(total > 0)) abort();
    }
    char buf[ADS_CACHE_DIR_MAX + 1], why[256];
    const char *roles[3] = {NULL, NULL, NULL};
    roles[data[0] % 3] = s;
    if (ads_cache_folder(roles[0], roles[1], roles[2], data[0] & 8 ? "/tuning" : "", buf,
                         sizeof buf, why, sizeof why) &&
        (strlen(buf) > ADS_CACHE_DIR_MAX || strncmp(buf, s, strlen(s)) != 0))
        abort(); /* cut, or another folder than the one named */
    free(s);
    return 0;
}
