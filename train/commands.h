/* The training commands of the adastride tool. Each parses its own
   options (argv[0] is the command's name) and returns the exit code. */
#ifndef ADS_TRAIN_COMMANDS_H
#define ADS_TRAIN_COMMANDS_H

#include "options.h"
#include "trainer.h"

/* Ranges of the commands' numeric options (checked by the cli parser;
   the trainer checks the exact counts of the task it opens). */
#define CLI_MAX_TRAIN_ITEMS 55000 /* Fashion-MNIST's 60k less 5k validation */
#define CLI_MAX_EVAL_ITEMS  10000 /* its test split, the larger one */
#define CLI_MAX_WIDTH       1024

int train_main(int argc, char **argv);
/* train's options into o and spec: CLI_GO_ON, or the exit code. */
int train_parse_options(int argc, char **argv, train_options *o, const char **spec);
int demo_main(int argc, char **argv);
int experiment_main(int argc, char **argv);

#endif
