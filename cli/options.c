/* The option parser of the adastride tool's commands (see options.h). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

/* A decimal integer, the whole text, in [min, max]: strtoll alone would
   take "12abc" as 12 and saturate "99999999999999999999". */
static bool whole_integer(const char *v, long long min, long long max, long long *out)
{
    const char *digits = v + (*v == '-' || *v == '+');
    if (!isdigit((unsigned char)*digits)) return false;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (*end || errno == ERANGE || n < min || n > max) return false;
    *out = n;
    return true;
}

static bool whole_u64(const char *v, uint64_t *out)
{
    if (!isdigit((unsigned char)*v)) return false; /* strtoull takes "-1" as 2^64 - 1 */
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (*end || errno == ERANGE) return false;
    *out = n;
    return true;
}

static bool whole_real(const cli_option *o, const char *v, float *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || !isfinite(d) || !isfinite((float)d)) return false;
    if (o->min_open ? !(d > o->fmin) : !(d >= o->fmin)) return false;
    if (d > o->fmax) return false;
    *out = (float)d;
    return true;
}

/* "a finite number > 0", "a finite number in [0, 16]". */
static void real_range(const cli_option *o, char *buf, size_t n)
{
    if (isinf(o->fmax))
        snprintf(buf, n, "a finite number %s %g", o->min_open ? ">" : ">=", o->fmin);
    else
        snprintf(buf, n, "a finite number in %c%g, %g]", o->min_open ? '(' : '[', o->fmin, o->fmax);
}

/* Stores option o's value v; false with the message in err. */
static bool take_value(const char *cmd, const cli_option *o, const char *v, char *err, size_t nerr)
{
    long long n;
    char range[96];
    switch (o->kind) {
    case CLI_TEXT: *(const char **)o->dst = v; return true;
    case CLI_INT:
    case CLI_INT64:
        if (whole_integer(v, o->min, o->max, &n)) {
            if (o->kind == CLI_INT) *(int *)o->dst = (int)n;
            else *(int64_t *)o->dst = n;
            return true;
        }
        snprintf(err, nerr, "adastride %s: %s '%s' is not an integer in [%lld, %lld]", cmd, o->name,
                 v, o->min, o->max);
        return false;
    case CLI_U64:
        if (whole_u64(v, (uint64_t *)o->dst)) return true;
        snprintf(err, nerr, "adastride %s: %s '%s' is not an integer in [0, %" PRIu64 "]", cmd,
                 o->name, v, UINT64_MAX);
        return false;
    case CLI_REAL:
        if (whole_real(o, v, (float *)o->dst)) return true;
        real_range(o, range, sizeof range);
        snprintf(err, nerr, "adastride %s: %s '%s' is not %s", cmd, o->name, v, range);
        return false;
    case CLI_CHOICE:
        if (o->choice(v, o->dst)) return true;
        snprintf(err, nerr, "adastride %s: %s '%s' is not %s", cmd, o->name, v, o->expect);
        return false;
    case CLI_FLAG: break;
    }
    return false;
}

bool cli_parse_args(const char *cmd, int argc, char **argv, const cli_option *opts, int nopts,
                    bool *help, char *err, size_t nerr)
{
    *help = false;
    err[0] = '\0';
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            *help = true;
            return true;
        }
        const cli_option *o = NULL;
        for (int k = 0; k < nopts && !o; k++)
            if (!strcmp(a, opts[k].name)) o = &opts[k];
        /* Unknown before missing: "--bogus" last is still unknown. */
        if (!o) {
            snprintf(err, nerr, "adastride %s: unknown option '%s'", cmd, a);
            return false;
        }
        if (o->kind == CLI_FLAG) {
            *(bool *)o->dst = true;
            continue;
        }
        if (i + 1 >= argc) {
            snprintf(err, nerr, "adastride %s: %s needs a value", cmd, a);
            return false;
        }
        if (!take_value(cmd, o, argv[++i], err, nerr)) return false;
    }
    return true;
}

int cli_parse(const char *cmd, int argc, char **argv, const cli_option *opts, int nopts,
              void (*usage)(FILE *f))
{
    bool help;
    char err[512];
    if (!cli_parse_args(cmd, argc, argv, opts, nopts, &help, err, sizeof err)) {
        fprintf(stderr, "%s\n(adastride %s --help lists the options)\n", err, cmd);
        return 2;
    }
    if (help) {
        usage(stdout);
        return 0;
    }
    return CLI_GO_ON;
}
