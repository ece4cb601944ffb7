/* The environment, read once: ads_context_create copies every variable of
   the registry (tunables.h) into the context, and the library reads the
   copy, never getenv. */
#ifndef ADS_ENV_H
#define ADS_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "adastride.h"
#include "tunables.h"

typedef struct {
    char *value[ADS_ENV_COUNT]; /* NULL: unset or empty */
} ads_env;

/* Copies the registered variables; fails only for lack of host memory. */
ads_status ads_env_read(ads_env *e);
void ads_env_free(ads_env *e);

/* The value of variable `id`, or NULL when it is unset or empty. */
const char *ads_env_get(const ads_env *e, ads_env_id id);

/* The cache folder named by the environment, followed by `sub` ("" for
   the binary cache, "/tuning" for the tuning tables): ads_cache_folder
   (env_parse.h) on the values of ADS_CACHE_DIR, XDG_CACHE_HOME and HOME,
   whose rules it follows (`off`, precedence, never a path cut to fit). */
bool ads_env_cache_folder(const ads_env *e, const char *sub, char *buf, size_t n, char *why,
                          size_t n_why);

#endif
