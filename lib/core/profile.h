/* Profiling (ADS_PROFILE=1): remembers each launch's event, prints the
   table when the context is released. */
#ifndef ADS_PROFILE_H
#define ADS_PROFILE_H

#include "context.h"

void ads_profile_add(ads_context *ctx, cl_kernel k, cl_event ev);
void ads_profile_release(ads_context *ctx);

#endif
