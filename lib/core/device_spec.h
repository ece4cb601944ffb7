/* The device spec grammar (ads_context_create's device_spec, ADS_DEVICE)
   resolved against a list of devices. Pure: the list is filled by the
   context from OpenCL, or by a test or fuzz target from plain data. */
#ifndef ADS_DEVICE_SPEC_H
#define ADS_DEVICE_SPEC_H

#include "context.h"
#include "error.h"

/* One OpenCL device as the grammar sees it. */
typedef struct {
    cl_platform_id platform;
    cl_device_id device;
    int pi, di; /* platform and device index */
    cl_device_type type;
    char pname[256], pversion[256], dname[256], vendor[256];
} candidate;

/* Resolves spec (NULL or "": the default device) into indices of c[0..n):
   picked[0..*npicked), at most ADS_MAX_DEVICES of them, all on one
   platform. Fails naming the term that matches nothing, a device named
   twice, too many devices or several platforms. */
ads_status ads_resolve_device_spec(const char *spec, const candidate *c, int n, int *picked,
                                   int *npicked);

#endif
