/* The per-device tuning table: kernel paths, vector widths, tile and
   work-group sizes keyed by name ("gconv.vec", "gemm.tile_m", ...).

   Where a value comes from, first match wins:
     1. ADS_TUNE_SET="key=value,key=value" (experiments; always applies);
     2. ADS_TUNE=off: the caller's default;
     3. the table `adastride tune` stored for this device (vendor, type and
        name) under the cache folder: $ADS_CACHE_DIR, else
        $XDG_CACHE_HOME/adastride, else ~/.cache/adastride, in tuning/;
     4. the caller's default.
   A value outside the caller's [lo, hi] is ignored, so a stale or corrupt
   table can slow a kernel down but never break it. */
#ifndef ADS_TUNING_H
#define ADS_TUNING_H

#include "context.h"

#define ADS_TUNE_MAX_KEYS 32
#define ADS_TUNE_KEY_LEN 48

/* The value of `key` for the context's primary device, in [lo, hi]. */
int ads_tune_int(const ads_context *ctx, const char *key, int fallback, int lo, int hi);

/* Sets `key` for this device in the process (the tuner tries candidates
   this way); persists only through ads_tune_save. */
ads_status ads_tune_set(const ads_context *ctx, const char *key, int value);

/* Forgets the value set or loaded for `key` (back to the default). */
void ads_tune_unset(const ads_context *ctx, const char *key);

/* Writes the device's current table to its file; *path (may be NULL)
   receives the file name (static storage). */
ads_status ads_tune_save(const ads_context *ctx, const char **path);

/* The table file of the device, or NULL when no cache folder exists. */
const char *ads_tune_file(const ads_context *ctx);

#endif
