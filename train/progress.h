/* Progress of a training run: a bar redrawn in place on a terminal, plain
   lines (about ten per epoch) when stdout is a file or a pipe. */
#ifndef ADS_TRAIN_PROGRESS_H
#define ADS_TRAIN_PROGRESS_H

typedef struct {
    int enabled, tty, last_line;
    int epochs, batches; /* per epoch */
    double t0;           /* start of the run, seconds */
    long done;           /* batches finished in this run */
    long total;          /* batches this run will do */
} progress;

double progress_now(void); /* monotonic seconds */
void progress_start(progress *p, int enabled, int epochs, int batches, long total);
/* After batch `batch` (0-based) of epoch `epoch` (0-based). */
void progress_batch(progress *p, int epoch, int batch, double loss, double images_per_s);
/* Ends the epoch's bar and prints its summary line. */
void progress_epoch(progress *p, int epoch, double train_loss, double val_acc, double seconds);

#endif
