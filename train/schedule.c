/* The cosine learning-rate schedule. */
#include <math.h>

#include "schedule.h"

float cosine_lr(float base_lr, float min_lr, int step, int total_steps)
{
    if (total_steps <= 0) return base_lr;
    if (step < 0) step = 0;
    if (step > total_steps) step = total_steps;
    const double pi = 3.14159265358979323846;
    double c = 0.5 * (1.0 + cos(pi * (double)step / (double)total_steps));
    return (float)((double)min_lr + ((double)base_lr - (double)min_lr) * c);
}
