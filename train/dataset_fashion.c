/* Fashion-MNIST from its IDX files (gzip or plain: idx_file.c).
   Host only: no OpenCL here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dataset.h"
#include "idx_file.h"
#include "train_error.h"

#define IDX_IMAGES_MAGIC 0x00000803u /* unsigned bytes, 3 dimensions */
#define IDX_LABELS_MAGIC 0x00000801u /* unsigned bytes, 1 dimension  */
#define CLASSES          10
#define MAX_SIDE         4096 /* far above 28; guards the size arithmetic */
#define PACKAGE          "dataset-fashion-mnist"

struct dataset {
    int64_t count;
    int height, width;
    unsigned char *images; /* count x height x width */
    unsigned char *labels; /* count */
};

/* A whole decompressed file. */
typedef struct {
    unsigned char *data;
    size_t size;
} blob;

/* Reads all of `path` and decompresses it (idx_file.c): gzip members
   with nothing after them, or a plain file. */
static ads_status read_gz(const char *path, blob *out)
{
    out->data = NULL;
    out->size = 0;
    FILE *f = fopen(path, "rb");
    struct stat info;
    if (!f || fstat(fileno(f), &info) != 0 || !S_ISREG(info.st_mode)) {
        int e = errno;
        if (f) fclose(f);
        return train_fail(ADS_ERR_IO,
                          "cannot open %s: %s (Debian's %s package installs the "
                          "Fashion-MNIST files in %s)",
                          path,
                          f   ? "not a regular file"
                          : e ? strerror(e)
                              : "out of memory",
                          PACKAGE, FASHION_MNIST_DIR);
    }
    size_t n = (size_t)info.st_size;
    unsigned char *file = malloc(n ? n : 1);
    bool ok = file && fread(file, 1, n, f) == n && fgetc(f) == EOF;
    fclose(f);
    char err[512];
    if (!ok) snprintf(err, sizeof err, "cannot read %s (unreadable, or changing while read)", path);
    else ok = idx_gunzip(path, file, n, &out->data, &out->size, err, sizeof err);
    free(file);
    return ok ? ADS_OK : train_fail(ADS_ERR_IO, "%s", err);
}

/* Checks an IDX header (magic, then ndim 32-bit sizes) and that the
   payload is exactly the product of the sizes. */
static ads_status check_idx(const char *path, const blob *b, uint32_t magic, int ndim,
                            uint32_t *dims)
{
    char err[512];
    if (idx_check(path, b->data, b->size, magic, ndim, MAX_SIDE, dims, err, sizeof err))
        return ADS_OK;
    return train_fail(ADS_ERR_IO, "%s", err);
}

/* Joins dir and name into a new string. */
static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Checks the two files agree and every label is a class; moves the
   payloads into the dataset. */
static ads_status assemble(const char *ipath, blob *im, const uint32_t *idims, const char *lpath,
                           blob *lb, uint32_t lcount, dataset *ds)
{
    if (idims[0] != lcount)
        return train_fail(ADS_ERR_IO,
                          "%s holds %u images but %s holds %u labels; the counts must "
                          "agree",
                          ipath, idims[0], lpath, lcount);
    for (uint32_t i = 0; i < lcount; i++)
        if (lb->data[8 + i] >= CLASSES)
            return train_fail(ADS_ERR_IO, "%s is malformed: label %u of item %u is outside 0..%d",
                              lpath, lb->data[8 + i], i, CLASSES - 1);
    ds->count = idims[0];
    ds->height = (int)idims[1];
    ds->width = (int)idims[2];
    /* Keep the payloads in place: shift out the headers. */
    memmove(im->data, im->data + 16, im->size - 16);
    memmove(lb->data, lb->data + 8, lb->size - 8);
    ds->images = im->data;
    ds->labels = lb->data;
    im->data = lb->data = NULL;
    return ADS_OK;
}

static ads_status load(const char *ipath, const char *lpath, dataset *ds)
{
    blob im = {0}, lb = {0};
    uint32_t idims[3] = {0, 0, 0}, lcount = 0;
    ads_status st = read_gz(ipath, &im);
    if (st == ADS_OK) st = check_idx(ipath, &im, IDX_IMAGES_MAGIC, 3, idims);
    if (st == ADS_OK) st = read_gz(lpath, &lb);
    if (st == ADS_OK) st = check_idx(lpath, &lb, IDX_LABELS_MAGIC, 1, &lcount);
    if (st == ADS_OK) st = assemble(ipath, &im, idims, lpath, &lb, lcount, ds);
    free(im.data);
    free(lb.data);
    return st;
}

ads_status dataset_fashion_mnist(const char *dir, int train, dataset **out)
{
    if (!out) return train_fail(ADS_ERR_NULL_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!dir) dir = FASHION_MNIST_DIR;
    const char *prefix = train ? "train" : "t10k";
    char iname[64], lname[64];
    snprintf(iname, sizeof iname, "%s-images-idx3-ubyte.gz", prefix);
    snprintf(lname, sizeof lname, "%s-labels-idx1-ubyte.gz", prefix);
    char *ipath = join(dir, iname), *lpath = join(dir, lname);
    dataset *ds = calloc(1, sizeof *ds);
    ads_status st = ADS_OK;
    if (!ipath || !lpath || !ds)
        st = train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory to load Fashion-MNIST");
    if (st == ADS_OK) st = load(ipath, lpath, ds);
    free(ipath);
    free(lpath);
    if (st != ADS_OK) {
        dataset_release(ds);
        return st;
    }
    *out = ds;
    return ADS_OK;
}

int64_t dataset_count(const dataset *ds) { return ds ? ds->count : 0; }
int dataset_height(const dataset *ds) { return ds ? ds->height : 0; }
int dataset_width(const dataset *ds) { return ds ? ds->width : 0; }

void dataset_release(dataset *ds)
{
    if (!ds) return;
    free(ds->images);
    free(ds->labels);
    free(ds);
}

ads_status dataset_batch(const dataset *ds, const int64_t *indices, int n, float *images,
                         float *labels)
{
    if (!ds) return train_fail(ADS_ERR_NULL_ARGUMENT, "ds is NULL");
    if (n < 0) return train_fail(ADS_ERR_INVALID_ARGUMENT, "n is %d; it must be >= 0", n);
    if (n > 0 && !indices) return train_fail(ADS_ERR_NULL_ARGUMENT, "indices is NULL");
    if (!images && !labels)
        return train_fail(ADS_ERR_NULL_ARGUMENT, "images and labels are both NULL; pass at least "
                                                 "one");
    for (int i = 0; i < n; i++)
        if (indices[i] < 0 || indices[i] >= ds->count)
            return train_fail(ADS_ERR_INVALID_ARGUMENT,
                              "indices[%d] is %lld; the dataset holds "
                              "items 0 to %lld",
                              i, (long long)indices[i], (long long)ds->count - 1);
    size_t plane = (size_t)ds->height * (size_t)ds->width;
    for (int i = 0; i < n; i++) {
        size_t item = (size_t)indices[i];
        if (labels) labels[i] = (float)ds->labels[item];
        if (!images) continue;
        const unsigned char *src = ds->images + item * plane;
        float *dst = images + (size_t)i * plane;
        for (size_t p = 0; p < plane; p++) dst[p] = (float)src[p] / 255.0f;
    }
    return ADS_OK;
}
