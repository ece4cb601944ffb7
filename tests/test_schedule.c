/* The trainer's cosine learning-rate schedule (train/schedule.h) against
   the formula in double precision. Host only. */
#include <math.h>
#include <stdio.h>

#include "harness.h"
#include "schedule.h"

#define U32 (1.0 / 16777216.0) /* float32 unit roundoff */

START_TEST(cosine_schedule)
{
    const float base = 0.1f, lo = 0.001f;
    const int total = 37;
    double worst = 0;
    float prev = INFINITY;
    for (int s = -3; s <= total + 3; s++) {
        int c = s < 0 ? 0 : s > total ? total : s;
        double want =
            lo + (base - (double)lo) * 0.5 * (1 + cos(3.14159265358979323846 * c / total));
        float got = cosine_lr(base, lo, s, total);
        double e = fabs(got - want) / (U32 * want);
        ck_assert_msg(e <= 1, "step %d: %.9g, want %.9g", s, (double)got, want);
        ck_assert(got <= prev); /* never increases */
        prev = got;
        worst = fmax(worst, e);
    }
    ck_assert_float_eq(cosine_lr(base, lo, 0, total), base);
    ck_assert_float_eq(cosine_lr(base, lo, total, total), lo);
    ck_assert_float_eq(cosine_lr(base, lo, 5, 0), base);
    ck_assert_float_eq(cosine_lr(base, lo, 5, -2), base);
    ck_assert_float_eq(cosine_lr(0.2f, 0.0f, 50, 100), 0.1f);
    printf("cosine schedule: %.3g of a float rounding\n", worst);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("schedule");
    TCase *tc = tcase_create("schedule");
    tcase_add_test(tc, cosine_schedule);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
