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
   reads and checks the whole file, and that every record matches the
   layer's own parameters, before any tensor is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
             put(b, t->shape, (size_t)t->ndim * sizeof(int64_t)) &&
             put(b, v, t->count * sizeof *v);
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

static ads_status read_file(const char *path, unsigned char **data, size_t *len)
{
    *data = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return ads_fail(ADS_ERR_IO, "cannot open the layer file %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *data = n > 0 ? malloc((size_t)n) : NULL;
    bool ok = *data && fread(*data, 1, (size_t)n, f) == (size_t)n;
    fclose(f);
    if (!ok) {
        free(*data);
        return ads_fail(ADS_ERR_IO, "cannot read the layer file %s (empty or unreadable)", path);
    }
    *len = (size_t)n;
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

/* Checks one record against the layer's parameter; on success points
   values at its floats. */
static ads_status check_record(ads_layer *l, cursor *c, const char *path, int *param,
                               const unsigned char **values)
{
    uint32_t id, ndim;
    int64_t shape[ADS_MAX_DIMS];
    if (!take(c, &id, 4) || !take(c, &ndim, 4) || ndim < 1 || ndim > ADS_MAX_DIMS ||
        !take(c, shape, ndim * sizeof(int64_t)))
        return ads_fail(ADS_ERR_IO, "the layer file %s is truncated or malformed", path);
    if (id >= ADS_NPARAMS || !l->param[id])
        return ads_fail(ADS_ERR_SHAPE_MISMATCH, "the layer file %s holds parameter %u, which "
                        "this layer does not have", path, id);
    ADS_TRY(ads_check_shape(l->param[id], "the file's parameter", (int)ndim, shape));
    size_t bytes = l->param[id]->count * sizeof(float);
    if ((size_t)(c->end - c->p) < bytes)
        return ads_fail(ADS_ERR_IO, "the layer file %s is truncated", path);
    *param = (int)id;
    *values = c->p;
    c->p += bytes;
    return ADS_OK;
}

ads_status ads_layer_load(ads_layer *l, const char *path)
{
    if (!l || !path) return ads_fail(ADS_ERR_NULL_ARGUMENT, "%s is NULL", l ? "path" : "layer");
    unsigned char *data = NULL;
    size_t len = 0;
    ADS_TRY(read_file(path, &data, &len));
    uint64_t sum;
    ads_status st = ADS_OK;
    if (len < 28 || memcmp(data, MAGIC, 8) != 0)
        st = ads_fail(ADS_ERR_IO, "%s is not an adastride layer file", path);
    else if (memcpy(&sum, data + len - 8, 8), sum != ads_hash64(data, len - 8, 0))
        st = ads_fail(ADS_ERR_IO, "the layer file %s is corrupt (checksum mismatch)", path);
    cursor c = {data + 8, data + len - 8};
    uint32_t version = 0, kind = 0, nparams = 0, expected = 0;
    if (st == ADS_OK && (!take(&c, &version, 4) || version != FORMAT_VERSION))
        st = ads_fail(ADS_ERR_IO, "the layer file %s has format version %u; this library "
                      "reads version %u", path, version, FORMAT_VERSION);
    for (int p = 0; p < ADS_NPARAMS; p++) expected += l->param[p] != NULL;
    if (st == ADS_OK && (!take(&c, &kind, 4) || !take(&c, &nparams, 4) ||
                         kind != (uint32_t)l->d.kind || nparams != expected))
        st = ads_fail(ADS_ERR_SHAPE_MISMATCH, "the layer file %s holds a layer of kind %u with "
                      "%u parameters; this layer is of kind %d with %u", path, kind, nparams,
                      (int)l->d.kind, expected);
    int ids[ADS_NPARAMS];
    const unsigned char *values[ADS_NPARAMS];
    unsigned seen = 0;
    for (uint32_t r = 0; st == ADS_OK && r < nparams; r++) {
        st = check_record(l, &c, path, &ids[r], &values[r]);
        if (st == ADS_OK && (seen & (1u << ids[r])))
            st = ads_fail(ADS_ERR_IO, "the layer file %s repeats parameter %d", path, ids[r]);
        seen |= 1u << (st == ADS_OK ? ids[r] : 0);
    }
    if (st == ADS_OK && c.p != c.end)
        st = ads_fail(ADS_ERR_IO, "the layer file %s has trailing bytes", path);
    /* Only a file that passed every check is copied into the layer. */
    for (uint32_t r = 0; st == ADS_OK && r < nparams; r++) {
        ads_tensor *t = l->param[ids[r]];
        float *v = malloc(t->count * sizeof *v);
        if (!v) st = ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory to load the layer");
        else {
            memcpy(v, values[r], t->count * sizeof *v);
            st = ads_tensor_write(t, v, t->count);
            free(v);
        }
    }
    free(data);
    return st;
}
