/* The program and kernel cache: the embedded OpenCL sources, built per
   context with -D specialisations, cached in memory and on disk. */
#ifndef ADS_PROGRAM_H
#define ADS_PROGRAM_H

#include "context.h"

/* The embedded OpenCL sources (generated at build time). */
typedef struct {
    const char *name; /* file name without .cl */
    const char *text; /* includes already resolved */
    size_t length;
} ads_cl_source;
extern const ads_cl_source ads_cl_sources[];
extern const int ads_cl_source_count;

/* The kernel `kernel_name` from program `source_name` built with `options`
   (only -D options that change code shape). Cached per context in memory
   and, when enabled, on disk. The kernel object is owned by the context
   and private to the calling thread (kernel arguments are not
   thread-safe), so set its arguments and enqueue it in the same thread. */
ads_status ads_get_kernel(ads_context *ctx, const char *source_name, const char *options,
                          const char *kernel_name, cl_kernel *out);
/* The program itself (built, cached as above). */
ads_status ads_get_program(ads_context *ctx, const char *source_name, const char *options,
                           cl_program *out);
void ads_programs_release(ads_context *ctx);
/* ads_build_all with extra options (the benchmark adds a unique -D to
   measure cold builds past every cache). */
ads_status ads_build_all_with(ads_context *ctx, const char *options);
/* Builds a program from explicit source, bypassing every cache (tests). */
ads_status ads_build_source(ads_context *ctx, const char *text, const char *options,
                            cl_program *out);

/* Disk cache, used by the program cache. */
/* NULL when disabled; why (n_why bytes) then says why when it is not
   simply off (too long a path, an unwritable folder), else "". */
char *ads_disk_cache_dir(const ads_env *env, const ads_device *dev, char *why, size_t n_why);
bool ads_disk_cache_load(const char *dir, const char *key, unsigned char **bin, size_t *len);
bool ads_disk_cache_store(const char *dir, const char *key, const unsigned char *bin, size_t len);
uint64_t ads_hash64(const void *data, size_t len, uint64_t seed);

#endif
