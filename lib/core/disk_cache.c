/* The on-disk program binary cache.

   File layout (little-endian as the host writes it; a foreign file simply
   fails the checks and is rebuilt):
     8 bytes  magic "ADSPROG\0"
     u32      format version (ADS_CACHE_FORMAT)
     u32      key length K
     u64      binary length B
     u64      checksum: ads_hash64 of key and binary
     K bytes  key (source hash, options, device, driver, platform, versions)
     B bytes  program binary
   Files are written to a temporary name and renamed, so a reader sees a
   whole file or none; anything that fails a check is ignored and later
   replaced. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "env_parse.h"
#include "program.h"

#define ADS_CACHE_FORMAT 1u
static const char MAGIC[8] = "ADSPROG";

uint64_t ads_hash64(const void *data, size_t len, uint64_t seed)
{
    /* FNV-1a: not cryptographic; the key is stored and compared in full. */
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ull ^ seed;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static bool make_dirs(const char *path)
{
    char buf[ADS_CACHE_DIR_MAX + 1];
    if (strlen(path) >= sizeof buf) return false;
    strcpy(buf, path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) return false;
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) return false;
    return access(buf, W_OK | X_OK) == 0;
}

/* PoCL keeps its own binary cache, and ours does not pay there: asking
   PoCL for a program's binary makes it finish compiling every kernel,
   which made a first build ~6x slower (4 s -> 24 s) to save ~0.4 s on
   later ones (README). So on PoCL ours is off unless ADS_CACHE_DIR names
   a folder. */
static bool is_pocl(const ads_device *dev)
{
    char ver[256] = "";
    clGetPlatformInfo(dev->platform, CL_PLATFORM_VERSION, sizeof ver, ver, NULL);
    ver[sizeof ver - 1] = '\0';
    return strstr(ver, "pocl") || strstr(ver, "PoCL") || strstr(ver, "POCL");
}

char *ads_disk_cache_dir(const ads_env *env, const ads_device *dev, char *why, size_t n_why)
{
    char path[ADS_CACHE_DIR_MAX + 1];
    if (why && n_why) why[0] = '\0';
    if (!ads_env_get(env, ADS_ENV_CACHE_DIR) && is_pocl(dev)) return NULL;
    if (!ads_env_cache_folder(env, "", path, sizeof path, why, n_why)) return NULL;
    if (!make_dirs(path)) { /* unwritable: no disk cache, not an error */
        snprintf(why, n_why, "cannot create or write the cache folder %.200s", path);
        return NULL;
    }
    return strdup(path);
}

static void file_name(const char *dir, const char *key, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%016llx.bin", dir, (unsigned long long)ads_hash64(key, strlen(key), 0));
}

static uint64_t checksum(const char *key, size_t klen, const unsigned char *bin, size_t blen)
{
    return ads_hash64(bin, blen, ads_hash64(key, klen, 0x5eed));
}

bool ads_disk_cache_load(const char *dir, const char *key, unsigned char **bin, size_t *len)
{
    char path[4200];
    file_name(dir, key, path, sizeof path);
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char magic[8];
    uint32_t version, klen;
    uint64_t blen, sum;
    bool ok = fread(magic, 1, 8, f) == 8 && memcmp(magic, MAGIC, 8) == 0 &&
              fread(&version, 4, 1, f) == 1 && version == ADS_CACHE_FORMAT &&
              fread(&klen, 4, 1, f) == 1 && klen == strlen(key) && fread(&blen, 8, 1, f) == 1 &&
              blen > 0 && blen < (1ull << 31) && fread(&sum, 8, 1, f) == 1;
    char *fkey = ok ? malloc(klen + 1) : NULL;
    unsigned char *data = ok ? malloc(blen) : NULL;
    ok = ok && fkey && data && fread(fkey, 1, klen, f) == klen && memcmp(fkey, key, klen) == 0 &&
         fread(data, 1, blen, f) == blen && fgetc(f) == EOF &&
         checksum(key, klen, data, blen) == sum;
    fclose(f);
    free(fkey);
    if (!ok) {
        free(data);
        return false;
    }
    *bin = data;
    *len = blen;
    return true;
}

bool ads_disk_cache_store(const char *dir, const char *key, const unsigned char *bin, size_t len)
{
    char path[4200], tmp[4300];
    file_name(dir, key, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.%ld.%d.tmp", path, (long)getpid(), rand());
    FILE *f = fopen(tmp, "wb");
    if (!f) return false;
    uint32_t version = ADS_CACHE_FORMAT, klen = (uint32_t)strlen(key);
    uint64_t blen = len, sum = checksum(key, klen, bin, len);
    bool ok = fwrite(MAGIC, 1, 8, f) == 8 && fwrite(&version, 4, 1, f) == 1 &&
              fwrite(&klen, 4, 1, f) == 1 && fwrite(&blen, 8, 1, f) == 1 &&
              fwrite(&sum, 8, 1, f) == 1 && fwrite(key, 1, klen, f) == klen &&
              fwrite(bin, 1, len, f) == len;
    ok = (fclose(f) == 0) && ok;
    if (ok && rename(tmp, path) == 0) return true;
    remove(tmp);
    return false;
}
