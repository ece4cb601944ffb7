/* The training commands of the adastride tool. Each parses its own
   options (argv[0] is the command's name) and returns the exit code. */
#ifndef ADS_TRAIN_COMMANDS_H
#define ADS_TRAIN_COMMANDS_H

int train_main(int argc, char **argv);
int demo_main(int argc, char **argv);
int experiment_main(int argc, char **argv);

#endif
