/* IDX files, gzip-compressed or plain, as pure functions on bytes: no
   files, no error state (a sentence in err instead), so that the loader
   can report through its own error function and a fuzz target
   (fuzz/fuzz_idx.c) can feed them anything. */
#ifndef ADS_IDX_FILE_H
#define ADS_IDX_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decompresses file (n bytes; named `name` in messages) when it starts
   with the gzip magic, else copies it: one or more concatenated gzip
   members and nothing after them. Trailing bytes that are not another
   member, a stream cut short or corrupt data are refused with a sentence
   in err (never a raw zlib error number). The output grows as data
   arrives: a header that lies about sizes costs no memory. On success
   *out (malloc'd, the caller frees) holds *out_n bytes. */
bool idx_gunzip(const char *name, const unsigned char *file, size_t n, unsigned char **out,
                size_t *out_n, char *err, size_t nerr);

/* Checks an IDX header (magic, then ndim big-endian 32-bit sizes, every
   size after the first at most max_side) and that the payload is exactly
   the product of the sizes; dims receives the sizes. */
bool idx_check(const char *name, const unsigned char *data, size_t n, uint32_t magic, int ndim,
               uint32_t max_side, uint32_t *dims, char *err, size_t nerr);

#endif
