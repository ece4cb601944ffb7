/* The one registry of what can be tuned or set: every tuning-table key
   with its default per device class, its range, the candidates
   `adastride tune` tries and a line of documentation; and every
   environment variable the library reads. The library asks its values
   through ads_tune (tuning.h) and the context's environment (env.h);
   `adastride env` prints both tables, and the README's copy is checked
   against that print by a test. */
#ifndef ADS_TUNABLES_H
#define ADS_TUNABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Which defaults a device gets: from CL_DEVICE_TYPE, a GPU (its bit
   set) or anything else, which the library treats as a CPU; a CPU whose
   native float vector (CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT) holds 8 lanes
   or fewer (AVX2, NEON) is a CPU8: register tiles sized for AVX-512's 32
   registers of 16 floats spill there (AVX2 has 16 registers of 8 floats,
   NEON 32 of 4). */
typedef enum { ADS_CLASS_CPU = 0, ADS_CLASS_GPU = 1, ADS_CLASS_CPU8 = 2 } ads_device_class;
#define ADS_CLASS_COUNT 3

#define ADS_TUNE_MAX_CANDIDATES 6

typedef struct {
    const char *key;
    int def[ADS_CLASS_COUNT]; /* by ads_device_class */
    int lo, hi;               /* a value outside is ignored */
    int cand[ADS_TUNE_MAX_CANDIDATES];
    int ncand; /* 0: `adastride tune` leaves it at its default */
    const char *doc;
} ads_tunable;

extern const ads_tunable ads_tunables[];
extern const int ads_tunable_count;

/* The entry of `key`, or NULL when it is not registered. */
const ads_tunable *ads_tunable_find(const char *key);

/* The environment variables, in the order ads_env stores them. */
typedef enum {
    ADS_ENV_DEVICE,
    ADS_ENV_CACHE_DIR,
    ADS_ENV_CL_DIR,
    ADS_ENV_MEMORY_BUDGET,
    ADS_ENV_CHECK,
    ADS_ENV_PROFILE,
    ADS_ENV_QUEUES,
    ADS_ENV_DEVICE_WEIGHTS,
    ADS_ENV_TUNE,
    ADS_ENV_TUNE_SET,
    ADS_ENV_GEMM,
    ADS_ENV_POOL_SEP,
    ADS_ENV_PROGRAM_LOG,
    ADS_ENV_XDG_CACHE_HOME, /* read for the cache folder's default */
    ADS_ENV_HOME,
    ADS_ENV_COUNT
} ads_env_id;

typedef struct {
    const char *name;
    const char *doc; /* empty: a system variable, not listed */
} ads_env_var;

extern const ads_env_var ads_env_vars[ADS_ENV_COUNT];

/* Values of ADS_GEMM and of the tuning key gemm.path. */
typedef enum {
    ADS_GEMM_PATH_CPU = 0,     /* register-tiled kernels shaped for CPUs (cl/gemm.cl) */
    ADS_GEMM_PATH_TILED = 1,   /* work-groups on local-memory panels (cl/gemm_tiled.cl) */
    ADS_GEMM_PATH_CLBLAST = 2, /* CLBlast */
} ads_gemm_path;

/* "cpu" (or "own"), "tiled", "clblast" -> the path; false otherwise. */
bool ads_gemm_path_parse(const char *s, int *path);
const char *ads_gemm_path_name(int path);

/* Writes the two tables as Markdown (the README's section). */
void ads_registry_print_markdown(FILE *out);

#endif
