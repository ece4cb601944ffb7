/* Saving and loading a layer's parameters.

   File format (host byte order, little-endian on every supported host):
     8 bytes  magic "ADSLAYR\0"
     u32      format version (1)
     u32      layer kind (0 conv, 1 pool)
     u32      number of parameter records P
     P times: u32 parameter id (ads_param), u32 ndim, ndim x i64 shape,
              count x f32 values
     u64      checksum: FNV-1a 64 (ads_hash64, seed 0) of every byte above
   A file is written to a temporary name and renamed into place. Loading
   reads and checks the whole file (a regular file, every value finite),
   and that every record matches the layer's own parameters, before any
   tensor is written. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layer.h"

static const char MAGIC[8] = "ADSLAYR";
#define FORMAT_VERSION 1u

typedef struct {
    unsigned char *data;
    size_t len, cap;
} buffer;

static bool put(buffer *b, const void *src, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
        unsigned char *grown = realloc(b->data, cap);
        if (!grown) return false;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, src, n);
    b->len += n;
    return true;
}

static bool put_u32(buffer *b, uint32_t v) { return put(b, &v, sizeof v); }

static ads_status serialise(ads_layer *l, buffer *b)
{
    uint32_t nparams = 0;
    for (int p = 0; p < ADS_NPARAMS; p++) nparams += l->param[p] != NULL;
    bool ok = put(b, MAGIC, 8) && put_u32(b, FORMAT_VERSION) && put_u32(b, (uint32_t)l->d.kind) &&
              put_u32(b, nparams);
    for (int p = 0; ok && p < ADS_NPARAMS; p++) {
        ads_tensor *t = l->param[p];
        if (!t) continue;
        float *v = malloc(t->count * sizeof *v);
        if (!v) return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory to save the layer");
        ads_status st = ads_tensor_read(t, v, t->count);
        ok = st == ADS_OK && put_u32(b, (uint32_t)p) && put_u32(b, (uint32_t)t->ndim) &&
             put(b, t->shape, (size_t)t->ndim * sizeof(int64_t)) && put(b, v, t->count * sizeof *v);
        free(v);
        if (st != ADS_OK) return st;
    }
    uint64_t sum = ok ? ads_hash64(b->data, b->len, 0) : 0;
    if (!ok || !put(b, &sum, sizeof sum))
        return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory to save the layer");
    return ADS_OK;
}

ads_status ads_layer_save(ads_layer *l, const char *path)
{
    if (!l || !path) return ads_fail(ADS_ERR_NULL_ARGUMENT, "%s is NULL", l ? "path" : "layer");
    buffer b = {0};
    ads_status st = serialise(l, &b);
    if (st == ADS_OK) {
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
        FILE *f = fopen(tmp, "wb");
        bool ok = f && fwrite(b.data, 1, b.len, f) == b.len;
        if (f) ok = fclose(f) == 0 && ok;
        if (!ok || rename(tmp, path) != 0) {
            remove(tmp);
            st = ads_fail(ADS_ERR_IO, "cannot write the layer file %s", path);
        }
    }
    free(b.data);
    return st;
}

/* Reads a whole regular file. Anything else is refused before its size
   is asked: on a folder ftell reports 2^63-1. */
static ads_status read_file(const char *path, unsigned char **data, size_t *len)
{
    *data = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return ads_fail(ADS_ERR_IO, "cannot open the layer file %s", path);
    struct stat info;
    if (fstat(fileno(f), &info) != 0 || !S_ISREG(info.st_mode)) {
        fclose(f);
        return ads_fail(ADS_ERR_IO,
                        "%s is not a regular file (a folder or a device?); a layer "
                        "file is a regular file written by ads_layer_save",
                        path);
    }
    size_t n = (size_t)info.st_size;
    *data = n > 0 && info.st_size <= (off_t)(SIZE_MAX / 2) ? malloc(n) : NULL;
    bool ok = *data && fread(*data, 1, n, f) == n && fgetc(f) == EOF;
    fclose(f);
    if (!ok) {
        free(*data);
        *data = NULL;
        return ads_fail(ADS_ERR_IO,
                        "cannot read the layer file %s (empty, unreadable or "
                        "changing while read)",
                        path);
    }
    *len = n;
    return ADS_OK;
}

typedef struct {
    const unsigned char *p, *end;
} cursor;

static bool take(cursor *c, void *dst, size_t n)
{
    if ((size_t)(c->end - c->p) < n) return false;
    memcpy(dst, c->p, n);
    c->p += n;
    return true;
}

static const char *param_name(uint32_t id)
{
    static const char *names[ADS_NPARAMS] = {"weight", "bias", "v_rows", "v_cols"};
    return id < ADS_NPARAMS ? names[id] : "unknown";
}

static void shape_text(int ndim, const int64_t *shape, char *buf, size_t n)
{
    size_t used = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && used < n; i++)
        used +=
            (size_t)snprintf(buf + used, n - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (used < n) snprintf(buf + used, n - used, "]");
}

/* Checks one record against the layout; on success points values at its
   floats, every one of them finite. */
static ads_status check_record(const ads_layer_file_layout *lay, cursor *c, const char *path,
                               int *param, const unsigned char **values)
{
    uint32_t id, ndim;
    int64_t shape[ADS_MAX_DIMS];
    if (!take(c, &id, 4) || !take(c, &ndim, 4) || ndim < 1 || ndim > ADS_MAX_DIMS ||
        !take(c, shape, ndim * sizeof(int64_t)))
        return ads_fail(ADS_ERR_IO, "the layer file %s is truncated or malformed", path);
    if (id >= ADS_NPARAMS || lay->ndim[id] == 0)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH,
                        "the layer file %s holds parameter %u (%s), "
                        "which this layer does not have",
                        path, id, param_name(id));
    bool same = (int)ndim == lay->ndim[id];
    for (uint32_t i = 0; same && i < ndim; i++) same = shape[i] == lay->shape[id][i];
    if (!same) {
        char got[192], want[192];
        shape_text((int)ndim, shape, got, sizeof got);
        shape_text(lay->ndim[id], lay->shape[id], want, sizeof want);
        return ads_fail(ADS_ERR_SHAPE_MISMATCH,
                        "the layer file %s holds parameter %s with "
                        "shape %s; this layer's %s has shape %s",
                        path, param_name(id), got, param_name(id), want);
    }
    size_t count = lay->count[id];
    if ((size_t)(c->end - c->p) / sizeof(float) < count)
        return ads_fail(ADS_ERR_IO, "the layer file %s is truncated", path);
    for (size_t i = 0; i < count; i++) {
        float v;
        memcpy(&v, c->p + i * sizeof v, sizeof v);
        if (!isfinite(v))
            return ads_fail(ADS_ERR_IO,
                            "the layer file %s holds %g at %s[%zu] (flat index); "
                            "a layer's parameters are finite",
                            path, (double)v, param_name(id), i);
    }
    *param = (int)id;
    *values = c->p;
    c->p += count * sizeof(float);
    return ADS_OK;
}

ads_status ads_layer_file_parse(const unsigned char *data, size_t len, const char *path,
                                const ads_layer_file_layout *lay,
                                const unsigned char *values[ADS_NPARAMS])
{
    uint64_t sum;
    for (int p = 0; p < ADS_NPARAMS; p++) values[p] = NULL;
    if (len < 28 || memcmp(data, MAGIC, 8) != 0)
        return ads_fail(ADS_ERR_IO, "%s is not an adastride layer file", path);
    memcpy(&sum, data + len - 8, 8);
    if (sum != ads_hash64(data, len - 8, 0))
        return ads_fail(ADS_ERR_IO, "the layer file %s is corrupt (checksum mismatch)", path);
    cursor c = {data + 8, data + len - 8};
    uint32_t version = 0, kind = 0, nparams = 0, expected = 0;
    if (!take(&c, &version, 4) || version != FORMAT_VERSION)
        return ads_fail(ADS_ERR_IO,
                        "the layer file %s has format version %u; this library "
                        "reads version %u",
                        path, version, FORMAT_VERSION);
    for (int p = 0; p < ADS_NPARAMS; p++) expected += lay->ndim[p] != 0;
    if (!take(&c, &kind, 4) || !take(&c, &nparams, 4) || kind != lay->kind || nparams != expected)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH,
                        "the layer file %s holds a layer of kind %u with "
                        "%u parameters; this layer is of kind %u with %u",
                        path, kind, nparams, lay->kind, expected);
    unsigned seen = 0;
    for (uint32_t r = 0; r < nparams; r++) {
        int id;
        const unsigned char *v;
        ADS_TRY(check_record(lay, &c, path, &id, &v));
        if (seen & (1u << id))
            return ads_fail(ADS_ERR_IO, "the layer file %s repeats parameter %s", path,
                            param_name((uint32_t)id));
        seen |= 1u << id;
        values[id] = v;
    }
    if (c.p != c.end) return ads_fail(ADS_ERR_IO, "the layer file %s has trailing bytes", path);
    return ADS_OK;
}

ads_status ads_layer_load(ads_layer *l, const char *path)
{
    if (!l || !path) return ads_fail(ADS_ERR_NULL_ARGUMENT, "%s is NULL", l ? "path" : "layer");
    ads_layer_file_layout lay;
    memset(&lay, 0, sizeof lay);
    lay.kind = (uint32_t)l->d.kind;
    for (int p = 0; p < ADS_NPARAMS; p++) {
        const ads_tensor *t = l->param[p];
        if (!t) continue;
        lay.ndim[p] = t->ndim;
        memcpy(lay.shape[p], t->shape, sizeof lay.shape[p]);
        lay.count[p] = t->count;
    }
    unsigned char *data = NULL;
    size_t len = 0;
    ADS_TRY(read_file(path, &data, &len));
    const unsigned char *values[ADS_NPARAMS];
    ads_status st = ads_layer_file_parse(data, len, path, &lay, values);
    /* Only a file that passed every check is copied into the layer, and
       the host buffer for it is had before the first parameter is
       written, so running out of memory leaves the layer as it was. */
    size_t most = 0;
    for (int p = 0; p < ADS_NPARAMS; p++)
        if (l->param[p] && l->param[p]->count > most) most = l->param[p]->count;
    float *v = st == ADS_OK ? malloc((most ? most : 1) * sizeof *v) : NULL;
    if (st == ADS_OK && !v)
        st = ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory to load the layer");
    for (int p = 0; st == ADS_OK && p < ADS_NPARAMS; p++) {
        ads_tensor *t = l->param[p];
        if (!t) continue;
        memcpy(v, values[p], t->count * sizeof *v);
        st = ads_tensor_write(t, v, t->count);
    }
    free(v);
    free(data);
    return st;
}
