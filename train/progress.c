/* Progress bar and plain progress lines. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define BAR 24

double progress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void progress_start(progress *p, int enabled, int epochs, int batches, long total)
{
    p->enabled = enabled;
    p->tty = enabled && isatty(fileno(stdout));
    p->epochs = epochs;
    p->batches = batches;
    p->t0 = progress_now();
    p->done = 0;
    p->total = total;
    p->last_line = -1;
}

static void eta_text(const progress *p, char *buf, size_t size)
{
    double per = p->done ? (progress_now() - p->t0) / (double)p->done : 0;
    long left = (long)(per * (double)(p->total - p->done) + 0.5);
    snprintf(buf, size, "%ldm%02lds", left / 60, left % 60);
}

void progress_batch(progress *p, int epoch, int batch, double loss, double images_per_s)
{
    p->done++;
    if (!p->enabled) return;
    char eta[32];
    eta_text(p, eta, sizeof eta);
    if (p->tty) {
        int fill = (int)((long)(batch + 1) * BAR / p->batches);
        char bar[BAR + 1];
        for (int i = 0; i < BAR; i++) bar[i] = i < fill ? '#' : '.';
        bar[BAR] = 0;
        printf("\repoch %d/%d [%s] %d/%d loss %.4f %.0f img/s ETA %s  ", epoch + 1, p->epochs, bar,
               batch + 1, p->batches, loss, images_per_s, eta);
        fflush(stdout);
        return;
    }
    /* Ten lines per epoch at most: a log stays short. */
    int line = (int)((long)(batch + 1) * 10 / p->batches);
    if (line == p->last_line) return;
    p->last_line = line;
    printf("epoch %d/%d batch %d/%d loss %.4f %.0f img/s ETA %s\n", epoch + 1, p->epochs, batch + 1,
           p->batches, loss, images_per_s, eta);
    fflush(stdout);
}

void progress_epoch(progress *p, int epoch, double train_loss, double val_acc, double seconds)
{
    p->last_line = -1;
    if (!p->enabled) return;
    if (p->tty) printf("\n");
    printf("epoch %d/%d: train loss %.4f, validation accuracy %.2f%%, %.1f s\n", epoch + 1,
           p->epochs, train_loss, 100 * val_acc, seconds);
    fflush(stdout);
}
