/* Errors: the sentence behind ads_last_error() and the status it goes
   with. The bottom of the core: every other header builds on this one. */
#ifndef ADS_ERROR_H
#define ADS_ERROR_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <stdbool.h>
#include <stdint.h>

#include "adastride.h"

/* Records the detail for ads_last_error() and returns st. */
ads_status ads_fail(ads_status st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Maps an OpenCL error to a status (out of memory, or a runtime error) and
   records "what failed: CL_ERROR_NAME". */
ads_status ads_fail_cl(cl_int err, const char *what);
const char *ads_cl_error_name(cl_int err);
void ads_clear_error(void);

/* Propagates a failed status. */
#define ADS_TRY(expr)                                                                              \
    do {                                                                                           \
        ads_status ads_try_st_ = (expr);                                                           \
        if (ads_try_st_ != ADS_OK) return ads_try_st_;                                             \
    } while (0)

#endif
