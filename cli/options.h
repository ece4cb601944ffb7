/* The one option parser of every command of the adastride tool (train,
   demo, experiment, bench, and the device commands): each command lists
   its options in a table, and every numeric value is checked whole and
   against its range, so that "--epochs 4294967297" or "--seed -1" is
   refused with a message naming the option and its range instead of
   being cut to another number. */
#ifndef ADS_CLI_OPTIONS_H
#define ADS_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    CLI_FLAG,  /* no value; sets *(bool *)dst                              */
    CLI_TEXT,  /* *(const char **)dst = the value                          */
    CLI_INT,   /* *(int *)dst, an integer in [min, max]                    */
    CLI_INT64, /* *(int64_t *)dst, an integer in [min, max]                */
    CLI_U64,   /* *(uint64_t *)dst, an integer in [0, 2^64 - 1]            */
    CLI_REAL,  /* *(float *)dst, a finite number in [fmin, fmax] (fmax may
                   be INFINITY: no upper bound), fmin excluded if min_open  */
    CLI_CHOICE /* choice(value, dst) returns false for a bad one; expect
                   says what it must be                                     */
} cli_kind;

typedef struct {
    const char *name; /* "--epochs" */
    cli_kind kind;
    void *dst;
    long long min, max;
    double fmin, fmax;
    bool min_open;
    bool (*choice)(const char *value, void *dst);
    const char *expect;
} cli_option;

/* One table row per kind. */
#define CLI_OPT_FLAG(n, d)                                                                         \
    {                                                                                              \
        .name = (n), .kind = CLI_FLAG, .dst = (d)                                                  \
    }
#define CLI_OPT_TEXT(n, d)                                                                         \
    {                                                                                              \
        .name = (n), .kind = CLI_TEXT, .dst = (d)                                                  \
    }
#define CLI_OPT_INT(n, d, lo, hi)                                                                  \
    {                                                                                              \
        .name = (n), .kind = CLI_INT, .dst = (d), .min = (lo), .max = (hi)                         \
    }
#define CLI_OPT_INT64(n, d, lo, hi)                                                                \
    {                                                                                              \
        .name = (n), .kind = CLI_INT64, .dst = (d), .min = (lo), .max = (hi)                       \
    }
#define CLI_OPT_U64(n, d)                                                                          \
    {                                                                                              \
        .name = (n), .kind = CLI_U64, .dst = (d)                                                   \
    }
/* A finite number > lo (open) or >= lo, and <= hi (INFINITY: no bound). */
#define CLI_OPT_REAL(n, d, lo, open, hi)                                                           \
    {                                                                                              \
        .name = (n), .kind = CLI_REAL, .dst = (d), .fmin = (lo), .min_open = (open), .fmax = (hi)  \
    }
#define CLI_OPT_CHOICE(n, d, fn, what)                                                             \
    {                                                                                              \
        .name = (n), .kind = CLI_CHOICE, .dst = (d), .choice = (fn), .expect = (what)              \
    }

/* Parses argv[1..argc) against opts. Returns true when every argument
   was a known option with a valid value; false with a sentence in err
   otherwise ("adastride train: --epochs '4294967297' is not an integer in
   [1, 500]", "... unknown option '--bogus'", "... --out needs a value").
   -h or --help sets *help and stops. */
bool cli_parse_args(const char *cmd, int argc, char **argv, const cli_option *opts, int nopts,
                    bool *help, char *err, size_t nerr);

/* cli_parse_args for a command's main: CLI_GO_ON, else the exit code to
   return at once (0 after printing the usage for --help, 2 after printing
   the message and a pointer to --help on stderr). */
#define CLI_GO_ON (-1)
int cli_parse(const char *cmd, int argc, char **argv, const cli_option *opts, int nopts,
              void (*usage)(FILE *f));

#endif
