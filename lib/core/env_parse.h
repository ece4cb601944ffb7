/* The syntax of the environment variables the library reads, as pure
   functions on strings: no OpenCL and no getenv, so that tests and the
   fuzz target (fuzz/fuzz_env.c) can call them directly. */
#ifndef ADS_ENV_PARSE_H
#define ADS_ENV_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adastride.h"

/* ADS_MEMORY_BUDGET: "268435456", "256M", "1G", "64KB" -> bytes (> 0). */
bool ads_parse_bytes(const char *s, uint64_t *out);

/* A decimal integer in [lo, hi] and nothing else (ADS_QUEUES). */
bool ads_parse_int_in(const char *s, int lo, int hi, int *out);

/* ADS_DEVICE_WEIGHTS for ndev devices: exactly ndev comma-separated
   finite numbers in [0, 1e12], not all 0. Fails with
   ADS_ERR_INVALID_ARGUMENT naming the variable, its value and the rule. */
ads_status ads_parse_device_weights(const char *s, int ndev, double *weights);

/* The longest cache folder: PATH_MAX less room for the longest name a
   cache file gets inside it (a temporary name of the program cache). */
#define ADS_CACHE_DIR_MAX (4096 - 96)

/* The cache folder that the values of ADS_CACHE_DIR (env), XDG_CACHE_HOME
   (xdg) and HOME (home) name, in that order of precedence (NULL or ""
   for unset), followed by `sub` ("" or "/tuning"). Returns true with the
   path in buf (n >= ADS_CACHE_DIR_MAX + 1); false when there is none
   (env "off", or nothing set) or when it would be longer than
   ADS_CACHE_DIR_MAX: never cut to fit, so that no other folder than the
   one named is ever created. `why` (n_why bytes, may be NULL) then says
   which, or stays "" for "off" and unset. */
bool ads_cache_folder(const char *env, const char *xdg, const char *home, const char *sub,
                      char *buf, size_t n, char *why, size_t n_why);

#endif
