/* The tool's option parser (cli/options.c): whole values only, ranges
   enforced at both ends, messages naming the option and its range. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "options.h"

typedef struct {
    int i;
    int64_t l;
    uint64_t u;
    float f, g;
    const char *text;
    bool flag;
} values;

/* Parses `args` (a NULL-terminated list, without the command's name). */
static bool parse(values *v, const char *const *args, char *err, size_t nerr)
{
    const cli_option opts[] = {
        CLI_OPT_INT("--int", &v->i, -3, 500),
        CLI_OPT_INT64("--long", &v->l, 0, INT64_MAX),
        CLI_OPT_U64("--u64", &v->u),
        CLI_OPT_REAL("--pos", &v->f, 0, true, INFINITY),
        CLI_OPT_REAL("--unit", &v->g, 0, false, 1),
        CLI_OPT_TEXT("--text", &v->text),
        CLI_OPT_FLAG("--flag", &v->flag),
    };
    char *argv[16] = {"test"};
    int argc = 1;
    for (; args[argc - 1]; argc++) argv[argc] = (char *)args[argc - 1];
    bool help;
    return cli_parse_args("test", argc, argv, opts, sizeof opts / sizeof *opts, &help, err, nerr);
}

static void expect_refused(const char *const *args, const char *words)
{
    values v = {0};
    char err[512];
    ck_assert_msg(!parse(&v, args, err, sizeof err), "%s %s accepted", args[0], args[1]);
    ck_assert_msg(strstr(err, words), "'%s' lacks '%s'", err, words);
}

START_TEST(whole_values_in_range)
{
    values v = {0};
    char err[512];
    const char *ok[] = {"--int",  "-3",
                        "--long", "9223372036854775807",
                        "--u64",  "18446744073709551615",
                        "--pos",  "1e-30",
                        "--unit", "1",
                        "--text", "",
                        "--flag", NULL};
    ck_assert_msg(parse(&v, ok, err, sizeof err), "%s", err);
    ck_assert_int_eq(v.i, -3);
    ck_assert(v.l == INT64_MAX);
    ck_assert(v.u == UINT64_MAX);
    ck_assert(v.g == 1.0f && v.f > 0 && v.flag && v.text && !*v.text);
}
END_TEST

START_TEST(out_of_range_and_malformed)
{
    expect_refused((const char *[]){"--int", "501", NULL},
                   "--int '501' is not an integer in [-3, 500]");
    expect_refused((const char *[]){"--int", "-4", NULL}, "[-3, 500]");
    expect_refused((const char *[]){"--int", "4294967297", NULL}, "[-3, 500]");
    expect_refused((const char *[]){"--int", "12abc", NULL}, "'12abc'");
    expect_refused((const char *[]){"--int", " 5", NULL}, "' 5'");
    expect_refused((const char *[]){"--int", "", NULL}, "''");
    expect_refused((const char *[]){"--long", "9223372036854775808", NULL}, "--long");
    expect_refused((const char *[]){"--long", "-1", NULL}, "[0, 9223372036854775807]");
    expect_refused((const char *[]){"--u64", "-1", NULL}, "[0, 18446744073709551615]");
    expect_refused((const char *[]){"--u64", "18446744073709551616", NULL}, "--u64");
    expect_refused((const char *[]){"--pos", "0", NULL}, "a finite number > 0");
    expect_refused((const char *[]){"--pos", "inf", NULL}, "--pos 'inf'");
    expect_refused((const char *[]){"--pos", "nan", NULL}, "--pos 'nan'");
    expect_refused((const char *[]){"--pos", "1e39", NULL}, "--pos"); /* past float */
    expect_refused((const char *[]){"--unit", "1.5", NULL}, "a finite number in [0, 1]");
    expect_refused((const char *[]){"--bogus", NULL}, "unknown option '--bogus'");
    expect_refused((const char *[]){"--flag", "--bogus", "1", NULL}, "unknown option '--bogus'");
    expect_refused((const char *[]){"--int", NULL}, "--int needs a value");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");
    tcase_add_test(tc, whole_values_in_range);
    tcase_add_test(tc, out_of_range_and_malformed);
    suite_add_tcase(s, tc);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
