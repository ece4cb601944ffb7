/* Status names and the thread-local detail behind ads_last_error(). */
#include <stdarg.h>
#include <stdio.h>

#include "error.h"

/* Large enough for a typical build log; longer logs are cut. */
static _Thread_local char last_error[16384];

const char *ads_last_error(void) { return last_error; }

void ads_clear_error(void) { last_error[0] = '\0'; }

static ads_status fail_v(ads_status st, const char *fmt, va_list ap)
{
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    return st;
}

ads_status ads_fail(ads_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(st, fmt, ap);
    va_end(ap);
    return st;
}

ads_status ads_set_last_error(ads_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(st, fmt, ap);
    va_end(ap);
    return st;
}

const char *ads_status_string(ads_status st)
{
    switch (st) {
    case ADS_OK: return "ok";
    case ADS_ERR_NULL_ARGUMENT: return "null argument";
    case ADS_ERR_INVALID_ARGUMENT: return "invalid argument";
    case ADS_ERR_SHAPE_MISMATCH: return "shape mismatch";
    case ADS_ERR_TOO_LARGE: return "too large for the device";
    case ADS_ERR_OUT_OF_MEMORY: return "out of memory";
    case ADS_ERR_NO_DEVICE: return "no matching OpenCL device";
    case ADS_ERR_BUILD_FAILED: return "kernel build failed";
    case ADS_ERR_OPENCL: return "OpenCL runtime error";
    case ADS_ERR_UNSUPPORTED: return "unsupported on this device";
    case ADS_ERR_NON_FINITE: return "non-finite input";
    case ADS_ERR_IO: return "file input/output error";
    }
    return "unknown status";
}

const char *ads_cl_error_name(cl_int err)
{
    switch (err) {
        /* clang-format off */
#define N(e) case e: return #e;
        N(CL_SUCCESS) N(CL_DEVICE_NOT_FOUND) N(CL_DEVICE_NOT_AVAILABLE)
        N(CL_COMPILER_NOT_AVAILABLE) N(CL_MEM_OBJECT_ALLOCATION_FAILURE)
        N(CL_OUT_OF_RESOURCES) N(CL_OUT_OF_HOST_MEMORY) N(CL_BUILD_PROGRAM_FAILURE)
        N(CL_MISALIGNED_SUB_BUFFER_OFFSET) N(CL_INVALID_VALUE) N(CL_INVALID_DEVICE)
        N(CL_INVALID_CONTEXT) N(CL_INVALID_COMMAND_QUEUE) N(CL_INVALID_MEM_OBJECT)
        N(CL_INVALID_BINARY) N(CL_INVALID_BUILD_OPTIONS) N(CL_INVALID_PROGRAM)
        N(CL_INVALID_PROGRAM_EXECUTABLE) N(CL_INVALID_KERNEL_NAME) N(CL_INVALID_KERNEL)
        N(CL_INVALID_ARG_INDEX) N(CL_INVALID_ARG_VALUE) N(CL_INVALID_ARG_SIZE)
        N(CL_INVALID_KERNEL_ARGS) N(CL_INVALID_WORK_DIMENSION)
        N(CL_INVALID_WORK_GROUP_SIZE) N(CL_INVALID_WORK_ITEM_SIZE)
        N(CL_INVALID_GLOBAL_OFFSET) N(CL_INVALID_EVENT_WAIT_LIST) N(CL_INVALID_EVENT)
        N(CL_INVALID_OPERATION) N(CL_INVALID_BUFFER_SIZE) N(CL_INVALID_GLOBAL_WORK_SIZE)
        N(CL_INVALID_PLATFORM)
#undef N
            /* clang-format on */
            case -1001 : return "CL_PLATFORM_NOT_FOUND_KHR";
    default: return "unknown OpenCL error";
    }
}

ads_status ads_fail_cl(cl_int err, const char *what)
{
    ads_status st = ADS_ERR_OPENCL;
    if (err == CL_MEM_OBJECT_ALLOCATION_FAILURE || err == CL_OUT_OF_RESOURCES ||
        err == CL_OUT_OF_HOST_MEMORY)
        st = ADS_ERR_OUT_OF_MEMORY;
    return ads_fail(st, "%s failed: %s (%d)", what, ads_cl_error_name(err), (int)err);
}
