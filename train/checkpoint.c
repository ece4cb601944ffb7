/* Checkpoint files: atomic writes, and loads that check everything
   before they change anything. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "checkpoint.h"
#include "train_error.h"

static const char MAGIC[8] = {'A', 'D', 'S', 'C', 'K', 'P', 'T', 0};

/* A growing byte buffer: the whole file is built in memory, so the CRC
   covers exactly what is written. */
typedef struct {
    unsigned char *p;
    size_t len, cap;
    int failed;
} buf;

static void put(buf *b, const void *src, size_t n)
{
    if (b->failed) return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) {
            b->failed = 1;
            return;
        }
        b->p = q, b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static ads_status put_tensors(buf *b, ads_tensor *const *tensors, int n)
{
    uint32_t nt = (uint32_t)n;
    put(b, &nt, sizeof nt);
    for (int i = 0; i < n; i++) {
        uint64_t count = ads_tensor_count(tensors[i]);
        float *v = malloc((size_t)count * sizeof *v);
        if (!v) return train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a checkpoint");
        ads_status st = ads_tensor_read(tensors[i], v, (size_t)count);
        if (st == ADS_OK) {
            put(b, &count, sizeof count);
            put(b, v, (size_t)count * sizeof *v);
        }
        free(v);
        if (st != ADS_OK) return st;
    }
    return ADS_OK;
}

static ads_status write_atomic(const char *path, const buf *b)
{
    size_t n = strlen(path) + 5;
    char *tmp = malloc(n);
    if (!tmp) return train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a path");
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(b->p, 1, b->len, f) == b->len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int e = errno;
    if (f && fclose(f) != 0) ok = 0;
    if (ok && rename(tmp, path) != 0) ok = 0, e = errno;
    if (!ok) remove(tmp);
    free(tmp);
    if (!ok) return train_fail(ADS_ERR_IO, "cannot write checkpoint %s: %s", path, strerror(e));
    return ADS_OK;
}

ads_status checkpoint_save(const char *path, const char *config, const double *host, size_t nhost,
                           ads_tensor *const *tensors, int ntensors)
{
    buf b = {NULL, 0, 0, 0};
    uint32_t version = CHECKPOINT_VERSION, clen = (uint32_t)strlen(config);
    uint64_t nh = nhost;
    put(&b, MAGIC, sizeof MAGIC);
    put(&b, &version, sizeof version);
    put(&b, &clen, sizeof clen);
    put(&b, config, clen);
    put(&b, &nh, sizeof nh);
    put(&b, host, nhost * sizeof *host);
    ads_status st = put_tensors(&b, tensors, ntensors);
    uint32_t crc = (uint32_t)crc32(0L, b.p, (uInt)b.len);
    put(&b, &crc, sizeof crc);
    if (st == ADS_OK && b.failed)
        st = train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a checkpoint");
    if (st == ADS_OK) st = write_atomic(path, &b);
    free(b.p);
    return st;
}

/* A cursor over the loaded file; every take checks the bounds. */
typedef struct {
    const unsigned char *p;
    size_t len, at;
} cursor;

static const void *take(cursor *c, size_t n)
{
    if (n > c->len - c->at) return NULL;
    const void *q = c->p + c->at;
    c->at += n;
    return q;
}

static ads_status read_file(const char *path, unsigned char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return train_fail(ADS_ERR_IO, "cannot open checkpoint %s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    unsigned char *p = malloc(cap);
    while (p) {
        n += fread(p + n, 1, cap - n, f);
        if (n < cap) break;
        unsigned char *q = realloc(p, cap * 2);
        if (!q) free(p);
        p = q, cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (!p) return train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory to read %s", path);
    if (err) {
        free(p);
        return train_fail(ADS_ERR_IO, "cannot read checkpoint %s", path);
    }
    *data = p, *len = n;
    return ADS_OK;
}

/* Header and checksum: the parts that do not depend on the caller. */
static ads_status check_frame(const char *path, cursor *c)
{
    const char *magic = take(c, sizeof MAGIC);
    if (!magic || memcmp(magic, MAGIC, sizeof MAGIC) != 0)
        return train_fail(ADS_ERR_IO, "%s is not an adastride checkpoint (bad magic)", path);
    if (c->len < sizeof MAGIC + 4 + 4)
        return train_fail(ADS_ERR_IO, "checkpoint %s is truncated", path);
    uint32_t stored, version;
    memcpy(&stored, c->p + c->len - 4, 4);
    if ((uint32_t)crc32(0L, c->p, (uInt)(c->len - 4)) != stored)
        return train_fail(ADS_ERR_IO, "checkpoint %s is corrupt or truncated (checksum mismatch)",
                          path);
    c->len -= 4;
    memcpy(&version, take(c, 4), 4);
    if (version != CHECKPOINT_VERSION)
        return train_fail(ADS_ERR_IO, "checkpoint %s has version %u; this build reads %u", path,
                          version, CHECKPOINT_VERSION);
    return ADS_OK;
}

static ads_status check_config(const char *path, cursor *c, const char *config)
{
    const uint32_t *clen = take(c, 4);
    uint32_t n;
    if (!clen) return train_fail(ADS_ERR_IO, "checkpoint %s is truncated", path);
    memcpy(&n, clen, 4);
    const char *text = take(c, n);
    if (!text) return train_fail(ADS_ERR_IO, "checkpoint %s is truncated", path);
    if (n != strlen(config) || memcmp(text, config, n) != 0)
        return train_fail(ADS_ERR_SHAPE_MISMATCH,
                          "checkpoint %s was written by another run "
                          "(%.*s); this run is (%s)",
                          path, (int)n, text, config);
    return ADS_OK;
}

/* Walks the tensor records, checking counts; `write` 1 does the writes. */
static ads_status tensors_pass(const char *path, cursor c, ads_tensor *const *tensors, int n,
                               int write)
{
    const void *q = take(&c, 4);
    uint32_t nt;
    if (!q) return train_fail(ADS_ERR_IO, "checkpoint %s is truncated", path);
    memcpy(&nt, q, 4);
    if ((int64_t)nt != n)
        return train_fail(ADS_ERR_SHAPE_MISMATCH, "checkpoint %s holds %u tensors; the run has %d",
                          path, nt, n);
    for (int i = 0; i < n; i++) {
        uint64_t count;
        if (!(q = take(&c, 8))) return train_fail(ADS_ERR_IO, "checkpoint %s is truncated", path);
        memcpy(&count, q, 8);
        if (count != ads_tensor_count(tensors[i]))
            return train_fail(ADS_ERR_SHAPE_MISMATCH,
                              "checkpoint %s: tensor %d has %llu elements; "
                              "the run's has %zu",
                              path, i, (unsigned long long)count, ads_tensor_count(tensors[i]));
        if (count > (c.len - c.at) / 4 || !(q = take(&c, (size_t)count * 4)))
            return train_fail(ADS_ERR_IO, "checkpoint %s is truncated", path);
        if (write) {
            float *v = malloc((size_t)count * 4);
            if (!v) return train_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory");
            memcpy(v, q, (size_t)count * 4);
            ads_status st = ads_tensor_write(tensors[i], v, (size_t)count);
            free(v);
            if (st != ADS_OK) return st;
        }
    }
    if (c.at != c.len)
        return train_fail(ADS_ERR_IO, "checkpoint %s has %zu unexpected bytes at the end", path,
                          c.len - c.at);
    return ADS_OK;
}

static ads_status parse(const char *path, cursor *c, const char *config, double *host, size_t cap,
                        size_t *nhost, ads_tensor *const *tensors, int ntensors)
{
    TRAIN_TRY(check_frame(path, c));
    TRAIN_TRY(check_config(path, c, config));
    const void *q = take(c, 8);
    uint64_t nh;
    if (!q) return train_fail(ADS_ERR_IO, "checkpoint %s is truncated", path);
    memcpy(&nh, q, 8);
    if (nh > cap)
        return train_fail(ADS_ERR_SHAPE_MISMATCH,
                          "checkpoint %s holds %llu host numbers; at most "
                          "%zu expected",
                          path, (unsigned long long)nh, cap);
    const void *values = take(c, (size_t)nh * sizeof(double));
    if (!values) return train_fail(ADS_ERR_IO, "checkpoint %s is truncated", path);
    /* Dry run first: every record is checked before any tensor changes. */
    TRAIN_TRY(tensors_pass(path, *c, tensors, ntensors, 0));
    TRAIN_TRY(tensors_pass(path, *c, tensors, ntensors, 1));
    memcpy(host, values, (size_t)nh * sizeof(double));
    *nhost = (size_t)nh;
    return ADS_OK;
}

ads_status checkpoint_load(const char *path, const char *config, double *host, size_t host_capacity,
                           size_t *nhost, ads_tensor *const *tensors, int ntensors)
{
    unsigned char *data = NULL;
    size_t len = 0;
    TRAIN_TRY(read_file(path, &data, &len));
    cursor c = {data, len, 0};
    ads_status st = parse(path, &c, config, host, host_capacity, nhost, tensors, ntensors);
    free(data);
    return st;
}
