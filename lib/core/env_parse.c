/* The syntax of the environment variables, as pure functions on strings
   (no OpenCL, no getenv) so that the fuzz targets can reach them. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "env_parse.h"
#include "error.h"

/* "64M" -> 67108864; false on anything else. */
bool ads_parse_bytes(const char *s, uint64_t *out)
{
    char *end;
    if (!isdigit((unsigned char)*s)) return false; /* strtoull would accept "-1" */
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno == ERANGE) return false;
    uint64_t mul = 1;
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'K': mul = 1ull << 10; break;
        case 'M': mul = 1ull << 20; break;
        case 'G': mul = 1ull << 30; break;
        default: return false;
        }
        if (end[1] != '\0' && !(toupper((unsigned char)end[1]) == 'B' && end[2] == '\0'))
            return false;
    }
    if (v == 0 || v > UINT64_MAX / mul) return false;
    *out = v * mul;
    return true;
}

bool ads_parse_int_in(const char *s, int lo, int hi, int *out)
{
    if (!s || !(isdigit((unsigned char)*s) || (*s == '-' && isdigit((unsigned char)s[1]))))
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end || errno == ERANGE || v < lo || v > hi) return false;
    *out = (int)v;
    return true;
}

/* One weight: a finite number in [0, 1e12], the whole token. */
static bool parse_weight(const char *tok, double *w)
{
    while (isspace((unsigned char)*tok)) tok++;
    if (!*tok) return false;
    char *end;
    double v = strtod(tok, &end);
    while (isspace((unsigned char)*end)) end++;
    if (end == tok || *end || !(v >= 0) || v > 1e12) return false;
    *w = v;
    return true;
}

ads_status ads_parse_device_weights(const char *s, int ndev, double *weights)
{
    char buf[256];
    int given = 0;
    bool ok = strlen(s) < sizeof buf;
    if (ok) strcpy(buf, s);
    /* strtok would merge empty fields ("1,,2"): split by hand. */
    for (char *tok = buf; ok;) {
        char *comma = strchr(tok, ',');
        if (comma) *comma = '\0';
        double w;
        ok = given < ndev && parse_weight(tok, &w);
        if (ok) weights[given++] = w;
        if (!comma) break;
        tok = comma + 1;
    }
    double total = 0;
    for (int d = 0; ok && d < given; d++) total += weights[d];
    if (!ok || given != ndev || !(total > 0))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "ADS_DEVICE_WEIGHTS='%.200s' must be %d "
                        "comma-separated numbers in [0, 1e12], one per device of the context, "
                        "not all 0 (for example '3,1')",
                        s, ndev);
    return ADS_OK;
}

bool ads_cache_folder(const char *env, const char *xdg, const char *home, const char *sub,
                      char *buf, size_t n, char *why, size_t n_why)
{
    if (why && n_why) why[0] = '\0';
    const char *base, *middle, *from;
    if (env && strcmp(env, "off") == 0) return false;
    if (env && *env) base = env, middle = "", from = "ADS_CACHE_DIR";
    else if (xdg && *xdg) base = xdg, middle = "/adastride", from = "XDG_CACHE_HOME";
    else if (home && *home) base = home, middle = "/.cache/adastride", from = "HOME";
    else return false;
    size_t len = strlen(base) + strlen(middle) + strlen(sub);
    if (len > ADS_CACHE_DIR_MAX || len >= n) {
        if (why && n_why)
            snprintf(why, n_why,
                     "%s gives a cache folder of %zu characters; at most %d fit "
                     "the path limit with the cache's file names",
                     from, len, ADS_CACHE_DIR_MAX);
        return false;
    }
    snprintf(buf, n, "%s%s%s", base, middle, sub);
    return true;
}
