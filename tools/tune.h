/* adastride tune (tools/tune.c). */
#ifndef ADS_TOOLS_TUNE_H
#define ADS_TOOLS_TUNE_H

/* Tunes the device `spec` (NULL: the default) and stores its table;
   returns the exit status. */
int tune_main(const char *spec);

#endif
