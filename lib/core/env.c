/* The one place the library calls getenv (see env.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"
#include "env_parse.h"
#include "error.h"

ads_status ads_env_read(ads_env *e)
{
    memset(e, 0, sizeof *e);
    for (int i = 0; i < ADS_ENV_COUNT; i++) {
        const char *v = getenv(ads_env_vars[i].name);
        if (!v || !*v) continue;
        e->value[i] = strdup(v);
        if (!e->value[i]) {
            ads_env_free(e);
            return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory to copy %s",
                            ads_env_vars[i].name);
        }
    }
    return ADS_OK;
}

void ads_env_free(ads_env *e)
{
    for (int i = 0; i < ADS_ENV_COUNT; i++) {
        free(e->value[i]);
        e->value[i] = NULL;
    }
}

const char *ads_env_get(const ads_env *e, ads_env_id id)
{
    return e && id >= 0 && id < ADS_ENV_COUNT ? e->value[id] : NULL;
}

bool ads_env_cache_folder(const ads_env *e, const char *sub, char *buf, size_t n, char *why,
                          size_t n_why)
{
    return ads_cache_folder(ads_env_get(e, ADS_ENV_CACHE_DIR),
                            ads_env_get(e, ADS_ENV_XDG_CACHE_HOME), ads_env_get(e, ADS_ENV_HOME),
                            sub, buf, n, why, n_why);
}
