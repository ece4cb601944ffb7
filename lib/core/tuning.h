/* The per-device tuning table: kernel paths, vector widths, tile and
   work-group sizes keyed by name ("gemm.path", "gemm.tiled_mwg", ...).
   Every key the library uses is registered in tunables.c with its
   default per device class (CPU or GPU, from CL_DEVICE_TYPE) and range.

   Where a value comes from, first match wins:
     1. ADS_TUNE_SET="key=value,key=value" (experiments; always applies);
     2. ADS_TUNE=off: the default of the device's class;
     3. the table `adastride tune` stored for this device (vendor, type and
        name) in tuning/ under the cache folder (env.h);
     4. the default of the device's class.
   A value outside the key's range is ignored, so a stale or corrupt
   table can slow a kernel down but never break it. The environment is
   the context's copy, read when it was created. */
#ifndef ADS_TUNING_H
#define ADS_TUNING_H

#include "context.h"
#include "tunables.h"

#define ADS_TUNE_MAX_KEYS 32
#define ADS_TUNE_KEY_LEN  48

/* What a table is keyed by: the device's vendor, type and name; and
   what picks its defaults: the type and native float vector width (0:
   unknown, taken as 16). */
typedef struct {
    const char *vendor, *name;
    cl_device_type type;
    int float_width;
} ads_tune_device;

ads_device_class ads_device_class_of(cl_device_type type, int float_width);

/* The class of the calling thread's device of the context. */
ads_device_class ads_tune_class(const ads_context *ctx);

/* The value of registered `key` for the calling thread's device of the
   context (see ads_current_device); 0 for a key not registered (a test
   checks that every key the library asks is). */
int ads_tune(const ads_context *ctx, const char *key);

/* The same for device dev of the context (a per-device operation's). */
int ads_tune_on(const ads_context *ctx, const ads_device *dev, const char *key);

/* The same for any device description under the environment env: the
   lookup itself, usable without such a device (tests). */
int ads_tune_for(const ads_env *env, const ads_tune_device *dev, const char *key);

/* A key outside the registry, with the caller's default and range
   (experiments and tests). */
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
