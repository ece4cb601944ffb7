/* How train/ reports a failure: a status and a sentence naming the
   argument or file and the value, through the library's ads_last_error()
   channel (ads_set_last_error), so the tool and the tests read one place
   whether the library or train/ failed. train/ uses only the public API. */
#ifndef ADS_TRAIN_ERROR_H
#define ADS_TRAIN_ERROR_H

#include "adastride.h"

/* Records the detail for ads_last_error() and returns st. */
#define train_fail(...) ads_set_last_error(__VA_ARGS__)

/* Propagates a failed status. */
#define TRAIN_TRY(expr)                                                                            \
    do {                                                                                           \
        ads_status train_try_st_ = (expr);                                                         \
        if (train_try_st_ != ADS_OK) return train_try_st_;                                         \
    } while (0)

#endif
