/* The learning-rate schedule of the trainer. Host only. */
#ifndef ADS_TRAIN_SCHEDULE_H
#define ADS_TRAIN_SCHEDULE_H

/* Cosine annealing: min_lr + (base_lr - min_lr) * (1 + cos(pi * step /
   total_steps)) / 2, step clamped to [0, total_steps]; total_steps <= 0
   gives base_lr. */
float cosine_lr(float base_lr, float min_lr, int step, int total_steps);

#endif
