/* The JSON log of a training run (OUT/log.json). */
#ifndef ADS_TRAIN_LOG_H
#define ADS_TRAIN_LOG_H

#include "trainer.h"

/* Writes o->out_dir/log.json with the options, every finished epoch and
   (once known) the test accuracy; replaced atomically each time. */
ads_status train_log_write(const train_options *o, const train_result *r);

#endif
