/* IDX files, gzip-compressed or plain (see idx_file.h). zlib's gzread
   skips whatever follows the last gzip member, so the members are
   inflated here one by one and what follows them is checked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "idx_file.h"

static bool is_gzip(const unsigned char *p, size_t n)
{
    return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/* out grown to hold at least `need` more bytes past *used. */
static bool grow(unsigned char **out, size_t *cap, size_t used, size_t need)
{
    if (*cap - used >= need) return true;
    size_t want = *cap ? *cap : 1 << 16;
    while (want - used < need) {
        if (want > SIZE_MAX / 2) return false;
        want *= 2;
    }
    unsigned char *grown = realloc(*out, want);
    if (!grown) return false;
    *out = grown;
    *cap = want;
    return true;
}

/* Inflates the gzip members of in[0..n); err set on failure. */
static bool inflate_members(const char *name, const unsigned char *in, size_t n,
                            unsigned char **out, size_t *used, char *err, size_t nerr)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 16) != Z_OK) { /* 16: gzip wrapper only */
        snprintf(err, nerr, "no host memory to decompress %s", name);
        return false;
    }
    size_t cap = 0, at = 0;
    bool ok = true;
    while (ok) {
        size_t chunk = n - at > (1u << 30) ? (1u << 30) : n - at;
        z.next_in = (unsigned char *)in + at; /* zlib's API is not const */
        z.avail_in = (uInt)chunk;
        if (!grow(out, &cap, *used, 1 << 16)) {
            snprintf(err, nerr, "no host memory to decompress %s", name);
            ok = false;
            break;
        }
        z.next_out = *out + *used;
        z.avail_out = (uInt)(cap - *used > (1u << 30) ? (1u << 30) : cap - *used);
        uInt out_before = z.avail_out;
        int r = inflate(&z, Z_NO_FLUSH);
        *used += out_before - z.avail_out;
        at += chunk - z.avail_in;
        if (r == Z_STREAM_END) {
            if (at == n) break;
            if (!is_gzip(in + at, n - at)) {
                snprintf(err, nerr, "%s has %zu bytes of trailing data after its gzip stream", name,
                         n - at);
                ok = false;
            } else if (inflateReset(&z) != Z_OK) {
                ok = false;
                snprintf(err, nerr, "cannot decompress %s", name);
            }
        } else if (r == Z_BUF_ERROR && z.avail_out > 0) { /* input used up: no progress */
            snprintf(err, nerr, "%s is truncated: the gzip stream ends early", name);
            ok = false;
        } else if (r != Z_OK && r != Z_BUF_ERROR) {
            snprintf(err, nerr, "%s is corrupt: %s", name,
                     r == Z_MEM_ERROR ? "no host memory to decompress it"
                                      : "its compressed data or checksum is invalid");
            ok = false;
        }
    }
    inflateEnd(&z);
    return ok;
}

bool idx_gunzip(const char *name, const unsigned char *file, size_t n, unsigned char **out,
                size_t *out_n, char *err, size_t nerr)
{
    *out = NULL;
    *out_n = 0;
    if (!is_gzip(file, n)) { /* a plain IDX file */
        *out = malloc(n ? n : 1);
        if (!*out) {
            snprintf(err, nerr, "no host memory to read %s", name);
            return false;
        }
        if (n) memcpy(*out, file, n);
        *out_n = n;
        return true;
    }
    if (inflate_members(name, file, n, out, out_n, err, nerr)) return true;
    free(*out);
    *out = NULL;
    *out_n = 0;
    return false;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool idx_check(const char *name, const unsigned char *data, size_t n, uint32_t magic, int ndim,
               uint32_t max_side, uint32_t *dims, char *err, size_t nerr)
{
    size_t header = 4 + 4 * (size_t)ndim;
    if (n < header) {
        snprintf(err, nerr, "%s is truncated: %zu bytes, shorter than its %zu-byte IDX header",
                 name, n, header);
        return false;
    }
    uint32_t got = be32(data);
    if (got != magic) {
        snprintf(err, nerr, "%s has IDX magic 0x%08x; expected 0x%08x (%s)", name, got, magic,
                 ndim == 3 ? "unsigned-byte images" : "unsigned-byte labels");
        return false;
    }
    uint64_t payload = 1;
    for (int i = 0; i < ndim; i++) {
        dims[i] = be32(data + 4 + 4 * i);
        if (dims[i] == 0 || (i > 0 && dims[i] > max_side)) {
            snprintf(err, nerr, "%s gives dimension %d as %u; expected 1 to %u", name, i, dims[i],
                     i > 0 ? max_side : UINT32_MAX);
            return false;
        }
        payload *= dims[i]; /* at most 2^32 * max_side^2: no overflow for max_side < 2^16 */
    }
    if (n - header != payload) {
        snprintf(err, nerr, "%s is %s: its header announces %llu bytes of data but it holds %zu",
                 name, n - header < payload ? "truncated" : "malformed",
                 (unsigned long long)payload, n - header);
        return false;
    }
    return true;
}
