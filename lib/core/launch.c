/* The launch builder (launch.h): arguments with their dependencies, the
   local size the kernel can take on the device, and grids folded to
   the devices' limits. */
#include "launch.h"

#include "program.h"

void ads_launch_begin(ads_launcher *b, ads_context *ctx, cl_kernel k)
{
    *b = (ads_launcher){.ctx = ctx, .l = {.kernel = k}, .st = ADS_OK};
}

void ads_launch_kernel(ads_launcher *b, ads_context *ctx, const char *source, const char *options,
                       const char *name)
{
    cl_kernel k = NULL;
    ads_status st = ads_get_kernel(ctx, source, options, name, &k);
    ads_launch_begin(b, ctx, k);
    b->st = st;
}

void ads_launch_stream(ads_launcher *b, int stream) { b->l.stream = stream; }

static void set_arg(ads_launcher *b, size_t size, const void *value)
{
    if (b->st != ADS_OK) return;
    cl_uint i = b->nargs++;
    cl_int err = clSetKernelArg(b->l.kernel, i, size, value);
    if (err == CL_SUCCESS) return;
    char name[128] = "?";
    clGetKernelInfo(b->l.kernel, CL_KERNEL_FUNCTION_NAME, sizeof name, name, NULL);
    name[sizeof name - 1] = '\0';
    b->st = ads_fail(ADS_ERR_OPENCL, "setting argument %u of kernel %s failed: %s", i, name,
                     ads_cl_error_name(err));
}

static bool listed(const ads_tensor *const *list, int n, const ads_tensor *t)
{
    for (int i = 0; i < n; i++)
        if (list[i] == t) return true;
    return false;
}

static bool has_room(ads_launcher *b, int n)
{
    if (n < ADS_MAX_LAUNCH_TENSORS) return true;
    b->st =
        ads_fail(ADS_ERR_INVALID_ARGUMENT, "a launch names more than %d tensors (launch builder)",
                 ADS_MAX_LAUNCH_TENSORS);
    return false;
}

static bool present(ads_launcher *b, const ads_tensor *t)
{
    if (t) return true;
    b->st = ads_fail(ADS_ERR_NULL_ARGUMENT,
                     "argument %u of a kernel launch is a NULL tensor (launch builder)", b->nargs);
    return false;
}

/* A tensor both read and written is listed in the writes only. */
static void add_read(ads_launcher *b, const ads_tensor *t)
{
    ads_launch *l = &b->l;
    if (listed(l->reads, l->nreads, t) ||
        listed((const ads_tensor *const *)l->writes, l->nwrites, t))
        return;
    if (has_room(b, l->nreads)) l->reads[l->nreads++] = t;
}

static void add_write(ads_launcher *b, ads_tensor *t)
{
    ads_launch *l = &b->l;
    int kept = 0;
    for (int i = 0; i < l->nreads; i++)
        if (l->reads[i] != t) l->reads[kept++] = l->reads[i];
    l->nreads = kept;
    if (listed((const ads_tensor *const *)l->writes, l->nwrites, t)) return;
    if (has_room(b, l->nwrites)) l->writes[l->nwrites++] = t;
}

void ads_launch_in(ads_launcher *b, const ads_tensor *t)
{
    if (b->st != ADS_OK || !present(b, t)) return;
    add_read(b, t);
    set_arg(b, sizeof(cl_mem), &t->mem);
}

void ads_launch_out(ads_launcher *b, ads_tensor *t)
{
    if (b->st != ADS_OK || !present(b, t)) return;
    add_write(b, t);
    set_arg(b, sizeof(cl_mem), &t->mem);
}

void ads_launch_inout(ads_launcher *b, ads_tensor *t) { ads_launch_out(b, t); }

void ads_launch_in_or(ads_launcher *b, const ads_tensor *t, const ads_tensor *placeholder)
{
    if (t) {
        ads_launch_in(b, t);
        return;
    }
    if (b->st == ADS_OK && present(b, placeholder)) set_arg(b, sizeof(cl_mem), &placeholder->mem);
}

void ads_launch_out_or(ads_launcher *b, ads_tensor *t, const ads_tensor *placeholder)
{
    if (t) {
        ads_launch_out(b, t);
        return;
    }
    if (b->st == ADS_OK && present(b, placeholder)) set_arg(b, sizeof(cl_mem), &placeholder->mem);
}

void ads_launch_int(ads_launcher *b, int v)
{
    cl_int x = v;
    set_arg(b, sizeof x, &x);
}

void ads_launch_ints(ads_launcher *b, const int *v, int n)
{
    for (int i = 0; i < n; i++) ads_launch_int(b, v[i]);
}

void ads_launch_long(ads_launcher *b, int64_t v)
{
    cl_long x = v;
    set_arg(b, sizeof x, &x);
}

void ads_launch_float(ads_launcher *b, float v)
{
    cl_float x = v;
    set_arg(b, sizeof x, &x);
}

void ads_launch_local(ads_launcher *b, size_t bytes) { set_arg(b, bytes, NULL); }

/* The kernel's largest work-group on the device the work runs on. */
static size_t kernel_group_max(ads_launcher *b)
{
    size_t max = 0;
    const ads_device *dev = ads_device_of_call(b->ctx);
    cl_int err = clGetKernelWorkGroupInfo(b->l.kernel, dev->device, CL_KERNEL_WORK_GROUP_SIZE,
                                          sizeof max, &max, NULL);
    if (err != CL_SUCCESS) {
        b->st = ads_fail_cl(err, "clGetKernelWorkGroupInfo");
        return 1;
    }
    return max ? max : 1;
}

size_t ads_launch_group_pow2(ads_launcher *b, size_t want)
{
    if (b->st != ADS_OK) return 1;
    size_t max = kernel_group_max(b), n = want ? want : 1;
    while (n > 1 && n > max) n /= 2;
    return n;
}

/* Narrows the wished local size until the kernel can run it: halving
   dimension 0 first (the fastest-varying, usually the widest), then the
   others. */
static void fit_local(ads_launcher *b, cl_uint dims, size_t *local)
{
    size_t max = kernel_group_max(b), items = 1;
    for (cl_uint d = 0; d < dims; d++) items *= local[d];
    for (cl_uint d = 0; d < dims && items > max; d++)
        while (local[d] > 1 && items > max) {
            items /= local[d];
            local[d] = (local[d] + 1) / 2;
            items *= local[d];
        }
}

/* One enqueue per block of at most ADS_MAX_GRID_GROUPS work-groups along
   y and z; a grid within the limits is one enqueue without an offset. */
static ads_status run_folded(ads_launcher *b, const size_t *global)
{
    ads_launch *l = &b->l;
    size_t step[3] = {global[0], global[1], global[2]};
    bool folded = false;
    for (cl_uint d = 1; d < l->dims; d++) {
        size_t group = l->local[0] ? l->local[d] : 1;
        if (global[d] / group > ADS_MAX_GRID_GROUPS) {
            step[d] = (size_t)ADS_MAX_GRID_GROUPS * group;
            folded = true;
        }
    }
    if (!folded) {
        for (cl_uint d = 0; d < l->dims; d++) l->global[d] = global[d];
        return ads_enqueue_offset(b->ctx, l, NULL);
    }
    size_t offset[3] = {0, 0, 0};
    for (offset[2] = 0; offset[2] < global[2]; offset[2] += step[2])
        for (offset[1] = 0; offset[1] < global[1]; offset[1] += step[1]) {
            for (cl_uint d = 0; d < l->dims; d++)
                l->global[d] = global[d] - offset[d] < step[d] ? global[d] - offset[d] : step[d];
            ADS_TRY(ads_enqueue_offset(b->ctx, l, offset));
        }
    return ADS_OK;
}

ads_status ads_launch_run(ads_launcher *b, cl_uint dims, const size_t *global, const size_t *local)
{
    if (b->st != ADS_OK) return b->st;
    ads_launch *l = &b->l;
    size_t full[3] = {1, 1, 1};
    l->dims = dims;
    l->local[0] = l->local[1] = l->local[2] = 0;
    if (local) {
        for (cl_uint d = 0; d < dims; d++) l->local[d] = local[d] ? local[d] : 1;
        fit_local(b, dims, l->local);
        if (b->st != ADS_OK) return b->st;
    }
    for (cl_uint d = 0; d < dims; d++) {
        if (global[d] == 0) return ADS_OK; /* nothing to do */
        full[d] = local ? (global[d] + l->local[d] - 1) / l->local[d] * l->local[d] : global[d];
    }
    return run_folded(b, full);
}
