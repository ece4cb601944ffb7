/* The device spec grammar: "P:D", "gpu", "cpu", "accelerator", "all", or
   a substring of a platform, vendor or device name, comma-separated. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "device_spec.h"

static bool contains_nocase(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    if (nl == 0) return false;
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < nl && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == nl) return true;
    }
    return false;
}

static bool is_type_word(const char *t, cl_device_type *type)
{
    if (strcasecmp(t, "gpu") == 0) *type = CL_DEVICE_TYPE_GPU;
    else if (strcasecmp(t, "cpu") == 0) *type = CL_DEVICE_TYPE_CPU;
    else if (strcasecmp(t, "accelerator") == 0) *type = CL_DEVICE_TYPE_ACCELERATOR;
    else return false;
    return true;
}

/* "P:D" with two decimal indices below 1000, nothing else (sscanf's %d
   would overflow on a long number). */
static bool platform_device(const char *term, int *p, int *d)
{
    int *out[2] = {p, d};
    for (int k = 0; k < 2; k++) {
        int digits = 0, v = 0;
        for (; isdigit((unsigned char)*term) && digits < 4; term++, digits++)
            v = v * 10 + (*term - '0');
        if (digits == 0 || digits > 3 || *term != (k == 0 ? ':' : '\0')) return false;
        *out[k] = v;
        term++;
    }
    return true;
}

/* A device is of a type when that is the only type it reports (the
   DEFAULT bit aside). A simulator reporting every type at once (oclgrind
   reports CPU, GPU and accelerator) is of none: `cpu` must not pick it
   over a real CPU, nor the default over every real device; it is chosen
   by index or name. */
static bool is_of_type(const candidate *c, cl_device_type type)
{
    return (c->type & ~(cl_device_type)CL_DEVICE_TYPE_DEFAULT) == type;
}

/* Index of the first candidate matching one term of a spec, or -1. */
static int match_term(const candidate *c, int n, const char *term)
{
    int p, d;
    if (platform_device(term, &p, &d)) {
        for (int i = 0; i < n; i++)
            if (c[i].pi == p && c[i].di == d) return i;
        return -1;
    }
    cl_device_type type;
    if (is_type_word(term, &type)) {
        for (int i = 0; i < n; i++)
            if (is_of_type(&c[i], type)) return i;
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (contains_nocase(c[i].pname, term) || contains_nocase(c[i].pversion, term) ||
            contains_nocase(c[i].vendor, term) || contains_nocase(c[i].dname, term))
            return i;
    return -1;
}

static int default_device(const candidate *c, int n)
{
    int i = match_term(c, n, "gpu");
    if (i < 0) i = match_term(c, n, "cpu");
    if (i < 0 && n > 0) i = 0;
    return i;
}

static void list_devices(const candidate *c, int n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    if (n == 0)
        snprintf(buf, size, " (none: is an OpenCL driver such as pocl-opencl-icd installed?)");
    for (int i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s %d:%d %s (%s)", i ? ";" : "", c[i].pi,
                                 c[i].di, c[i].dname, c[i].pname);
}

/* `all`: every device of the default device's platform, since one
   context holds devices of one platform (a machine with PoCL and another
   driver installed has two). */
static ads_status pick_platform(const candidate *c, int n, int *picked, int *npicked)
{
    int home = default_device(c, n);
    if (home < 0)
        return ads_fail(ADS_ERR_NO_DEVICE, "device spec term 'all' matches nothing; no OpenCL "
                                           "device found (is a driver such as pocl-opencl-icd "
                                           "installed?)");
    for (int i = 0; i < n && *npicked < ADS_MAX_DEVICES; i++)
        if (c[i].platform == c[home].platform) picked[(*npicked)++] = i;
    return ADS_OK;
}

/* Resolves a spec into candidate indices; fails naming the term. */
ads_status ads_resolve_device_spec(const char *spec, const candidate *c, int n, int *picked,
                                   int *npicked)
{
    char listing[2048];
    *npicked = 0;
    if (spec == NULL || spec[0] == '\0') {
        int i = default_device(c, n);
        if (i < 0) {
            list_devices(c, n, listing, sizeof listing);
            return ads_fail(ADS_ERR_NO_DEVICE, "no OpenCL device found; devices:%s", listing);
        }
        picked[(*npicked)++] = i;
        return ADS_OK;
    }
    char buf[512];
    if (strlen(spec) >= sizeof buf)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "device_spec is longer than %zu characters",
                        sizeof buf - 1);
    strcpy(buf, spec);
    char *save = NULL;
    for (char *term = strtok_r(buf, ",", &save); term; term = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*term)) term++;
        char *end = term + strlen(term);
        while (end > term && isspace((unsigned char)end[-1])) *--end = '\0';
        if (strcasecmp(term, "all") == 0) {
            ADS_TRY(pick_platform(c, n, picked, npicked));
            continue;
        }
        int i = match_term(c, n, term);
        if (i < 0) {
            list_devices(c, n, listing, sizeof listing);
            return ads_fail(ADS_ERR_NO_DEVICE,
                            "device spec term '%s' matches nothing; the devices are:%s", term,
                            listing);
        }
        if (*npicked == ADS_MAX_DEVICES)
            return ads_fail(ADS_ERR_INVALID_ARGUMENT, "device spec '%s' names more than %d devices",
                            spec, ADS_MAX_DEVICES);
        for (int k = 0; k < *npicked; k++)
            if (picked[k] == i)
                return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                                "device spec '%s' names device %d:%d twice", spec, c[i].pi,
                                c[i].di);
        picked[(*npicked)++] = i;
    }
    if (*npicked == 0)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "device spec '%s' names no device", spec);
    for (int k = 1; k < *npicked; k++)
        if (c[picked[k]].platform != c[picked[0]].platform)
            return ads_fail(ADS_ERR_UNSUPPORTED,
                            "device spec '%s' names devices on different platforms; one "
                            "context holds devices of one platform",
                            spec);
    return ADS_OK;
}
