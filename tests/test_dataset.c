/* The Fashion-MNIST loader on the real files of Debian's
   dataset-fashion-mnist package and on small synthetic IDX files
   (gzip-compressed with zlib) that are good, truncated, mislabelled,
   inconsistent or missing; the seeded shuffle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "dataset.h"
#include "harness.h"

/* ------------------------------------------------------ real files */

/* Every class holds exactly 6000 training and 1000 test items in
   Fashion-MNIST; the first training label is 9 (ankle boot) and the
   first test label 9 as well (both read from the files' byte 8). */
static void check_real(int train, int64_t count, int64_t per_class)
{
    dataset *ds = NULL;
    ck_assert_ads_ok(dataset_fashion_mnist(NULL, train, &ds));
    ck_assert_int_eq(dataset_count(ds), count);
    ck_assert_int_eq(dataset_height(ds), 28);
    ck_assert_int_eq(dataset_width(ds), 28);
    int64_t *idx = malloc((size_t)count * sizeof *idx);
    float *labels = malloc((size_t)count * sizeof *labels);
    for (int64_t i = 0; i < count; i++) idx[i] = i;
    ck_assert_ads_ok(dataset_batch(ds, idx, (int)count, NULL, labels));
    int64_t hist[10] = {0};
    for (int64_t i = 0; i < count; i++) {
        ck_assert(labels[i] >= 0 && labels[i] <= 9 && labels[i] == (float)(int)labels[i]);
        hist[(int)labels[i]]++;
    }
    for (int c = 0; c < 10; c++) ck_assert_int_eq(hist[c], per_class);
    ck_assert_float_eq(labels[0], 9.0f);
    /* Pixels in [0, 1], the full range used, items not all alike. */
    float *img = malloc(100 * 784 * sizeof *img), lab[100];
    ck_assert_ads_ok(dataset_batch(ds, idx, 100, img, lab));
    float lo = 1, hi = 0;
    for (int i = 0; i < 100 * 784; i++) {
        lo = img[i] < lo ? img[i] : lo;
        hi = img[i] > hi ? img[i] : hi;
    }
    ck_assert_float_eq(lo, 0.0f);
    ck_assert_float_eq(hi, 1.0f);
    ck_assert(memcmp(img, img + 784, 784 * sizeof *img) != 0);
    for (int i = 0; i < 100; i++) ck_assert_float_eq(lab[i], labels[i]);
    printf("fashion-mnist %s: %lld items of 28x28, %lld per class, first label %g\n",
           train ? "train" : "test", (long long)count, (long long)per_class, (double)labels[0]);
    free(idx);
    free(labels);
    free(img);
    dataset_release(ds);
}

START_TEST(real_training_set) { check_real(1, 60000, 6000); }
END_TEST

START_TEST(real_test_set) { check_real(0, 10000, 1000); }
END_TEST

/* ------------------------------------------------- synthetic files */

static char tmpdir[256];

static void make_dir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/dataset_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_dir(void)
{
    const char *names[4] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
    char p[512];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]);
        unlink(p);
    }
    rmdir(tmpdir);
}

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* Writes bytes to dir/name gzip-compressed; cut > 0 keeps only that many
   bytes of the compressed file (a truncated download). */
static void write_gz(const char *name, const unsigned char *data, size_t n, long cut)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    gzFile f = gzopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(gzwrite(f, data, (unsigned)n), (int)n);
    ck_assert_int_eq(gzclose(f), Z_OK);
    if (cut > 0) ck_assert_int_eq(truncate(p, cut), 0);
}

/* A small "training" set: count items of h x w, pixel (i, p) = (7i + p)
   mod 256, label i mod 10. Fields can be spoiled for the error cases. */
typedef struct {
    uint32_t img_magic, lab_magic, img_count, lab_count, h, w;
    long img_drop, lab_drop; /* bytes left off the payload's end */
    long img_cut;            /* bytes of compressed file kept (0: all) */
    unsigned char bad_label;
} synth;

static synth good_synth(void)
{
    synth s = {0x803, 0x801, 5, 5, 3, 4, 0, 0, 0, 0};
    return s;
}

static void write_synth(const synth *s)
{
    size_t items = s->img_count, plane = s->h * s->w;
    size_t ni = 16 + items * plane, nl = 8 + s->lab_count;
    unsigned char *im = malloc(ni), *lb = malloc(nl);
    put_be32(im, s->img_magic);
    put_be32(im + 4, s->img_count);
    put_be32(im + 8, s->h);
    put_be32(im + 12, s->w);
    for (size_t i = 0; i < items; i++)
        for (size_t p = 0; p < plane; p++)
            im[16 + i * plane + p] = (unsigned char)((7 * i + p) % 256);
    put_be32(lb, s->lab_magic);
    put_be32(lb + 4, s->lab_count);
    for (size_t i = 0; i < s->lab_count; i++) lb[8 + i] = (unsigned char)(i % 10);
    if (s->bad_label) lb[8 + 2] = s->bad_label;
    write_gz("train-images-idx3-ubyte.gz", im, ni - (size_t)s->img_drop, s->img_cut);
    write_gz("train-labels-idx1-ubyte.gz", lb, nl - (size_t)s->lab_drop, 0);
    free(im);
    free(lb);
}

START_TEST(synthetic_good_file)
{
    make_dir();
    synth s = good_synth();
    write_synth(&s);
    dataset *ds = NULL;
    ck_assert_ads_ok(dataset_fashion_mnist(tmpdir, 1, &ds));
    ck_assert_int_eq(dataset_count(ds), 5);
    ck_assert_int_eq(dataset_height(ds), 3);
    ck_assert_int_eq(dataset_width(ds), 4);
    int64_t idx[3] = {4, 0, 2};
    float img[36], lab[3];
    ck_assert_ads_ok(dataset_batch(ds, idx, 3, img, lab));
    for (int k = 0; k < 3; k++) {
        ck_assert_float_eq(lab[k], (float)(idx[k] % 10));
        for (int p = 0; p < 12; p++)
            ck_assert_float_eq(img[k * 12 + p], (float)((7 * idx[k] + p) % 256) / 255.0f);
    }
    /* bad batch requests */
    int64_t bad[2] = {1, 5};
    ck_assert_int_eq(dataset_batch(ds, bad, 2, img, lab), ADS_ERR_INVALID_ARGUMENT);
    ck_assert(strstr(ads_last_error(), "indices[1] is 5") != NULL);
    ck_assert_int_eq(dataset_batch(ds, NULL, 2, img, lab), ADS_ERR_NULL_ARGUMENT);
    ck_assert_int_eq(dataset_batch(ds, idx, -1, img, lab), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(dataset_batch(ds, idx, 1, NULL, NULL), ADS_ERR_NULL_ARGUMENT);
    ck_assert_int_eq(dataset_batch(NULL, idx, 1, img, lab), ADS_ERR_NULL_ARGUMENT);
    ck_assert_int_eq(dataset_fashion_mnist(tmpdir, 1, NULL), ADS_ERR_NULL_ARGUMENT);
    dataset_release(ds);
    dataset_release(NULL);
    remove_dir();
}
END_TEST

/* Loads a spoiled set: ADS_ERR_IO naming the file and the problem. */
static void expect_io(const synth *s, const char *file, const char *phrase)
{
    make_dir();
    write_synth(s);
    dataset *ds = (dataset *)0x1;
    ck_assert_int_eq(dataset_fashion_mnist(tmpdir, 1, &ds), ADS_ERR_IO);
    ck_assert_ptr_null(ds);
    const char *msg = ads_last_error();
    ck_assert_msg(strstr(msg, tmpdir) && strstr(msg, file) && strstr(msg, phrase),
                  "message '%s' lacks the path or '%s'", msg, phrase);
    printf("rejected as expected: %s\n", msg);
    remove_dir();
}

START_TEST(synthetic_bad_files)
{
    synth s = good_synth();
    s.img_magic = 0x801;
    expect_io(&s, "train-images", "magic 0x00000801");
    s = good_synth();
    s.lab_magic = 0x803;
    expect_io(&s, "train-labels", "magic 0x00000803");
    s = good_synth();
    s.img_drop = 5; /* the payload ends early */
    expect_io(&s, "train-images", "truncated");
    s = good_synth();
    s.lab_drop = 6; /* the header itself is cut */
    expect_io(&s, "train-labels", "truncated");
    s = good_synth();
    s.img_cut = 30; /* the gzip stream itself ends early */
    expect_io(&s, "train-images", "truncated");
    s = good_synth();
    s.lab_count = 4;
    expect_io(&s, "train-labels", "counts must agree");
    s = good_synth();
    s.bad_label = 12;
    expect_io(&s, "train-labels", "label 12 of item 2");
    s = good_synth();
    s.h = 0;
    expect_io(&s, "train-images", "dimension 1 as 0");
}
END_TEST

/* Bytes appended to a good gzip file: zlib's gzread ignored them. */
static void append(const char *name, const void *bytes, size_t n)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "ab");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(bytes, 1, n, f), n);
    fclose(f);
}

static void expect_refused(const char *phrase)
{
    dataset *ds = NULL;
    ck_assert_int_eq(dataset_fashion_mnist(tmpdir, 1, &ds), ADS_ERR_IO);
    ck_assert_ptr_null(ds);
    const char *msg = ads_last_error();
    ck_assert_msg(strstr(msg, "train-images") && strstr(msg, phrase) && !strstr(msg, "error -"),
                  "'%s' lacks '%s' (or shows a zlib number)", msg, phrase);
    printf("rejected as expected: %s\n", msg);
}

START_TEST(gzip_trailing_data_and_corruption)
{
    make_dir();
    synth s = good_synth();
    write_synth(&s);
    append("train-images-idx3-ubyte.gz", "garbage!", 8);
    expect_refused("8 bytes of trailing data after its gzip stream");
    /* Corrupt compressed data: a sentence, no zlib error number. */
    write_synth(&s);
    char p[512];
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", tmpdir);
    FILE *f = fopen(p, "r+b");
    ck_assert_ptr_nonnull(f);
    fseek(f, 12, SEEK_SET);
    unsigned char junk[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    ck_assert_uint_eq(fwrite(junk, 1, 6, f), 6);
    fclose(f);
    expect_refused("corrupt");
    /* Two members one after the other are one valid gzip file. */
    unsigned char im[16 + 5 * 12];
    memset(im, 0, sizeof im);
    put_be32(im, 0x803), put_be32(im + 4, 5), put_be32(im + 8, 3), put_be32(im + 12, 4);
    write_gz("train-images-idx3-ubyte.gz", im, 40, 0);
    char second[512];
    snprintf(second, sizeof second, "%s/second.gz", tmpdir);
    gzFile g = gzopen(second, "wb");
    ck_assert_int_eq(gzwrite(g, im + 40, sizeof im - 40), (int)(sizeof im - 40));
    ck_assert_int_eq(gzclose(g), Z_OK);
    f = fopen(second, "rb");
    unsigned char buf[256];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    unlink(second);
    append("train-images-idx3-ubyte.gz", buf, n);
    dataset *ds = NULL;
    ck_assert_ads_ok(dataset_fashion_mnist(tmpdir, 1, &ds));
    ck_assert_int_eq(dataset_count(ds), 5);
    dataset_release(ds);
    remove_dir();
}
END_TEST

START_TEST(missing_files)
{
    make_dir();
    dataset *ds = NULL;
    ck_assert_int_eq(dataset_fashion_mnist(tmpdir, 0, &ds), ADS_ERR_IO);
    const char *msg = ads_last_error();
    ck_assert_msg(strstr(msg, "t10k-images-idx3-ubyte.gz") && strstr(msg, tmpdir) &&
                      strstr(msg, "dataset-fashion-mnist"),
                  "%s", msg);
    /* images present, labels missing */
    synth s = good_synth();
    write_synth(&s);
    char p[512];
    snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte.gz", tmpdir);
    unlink(p);
    ck_assert_int_eq(dataset_fashion_mnist(tmpdir, 1, &ds), ADS_ERR_IO);
    ck_assert_msg(strstr(ads_last_error(), "train-labels-idx1-ubyte.gz") != NULL, "%s",
                  ads_last_error());
    printf("missing file: %s\n", ads_last_error());
    remove_dir();
}
END_TEST

/* --------------------------------------------------------- shuffle */

/* The documented algorithm, written again from the header's words. */
static uint64_t doc_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void doc_shuffle(int64_t *v, int64_t n, uint64_t seed)
{
    uint64_t s = seed;
    for (int64_t i = n - 1; i > 0; i--) {
        /* 2^64 mod b as (2^32 mod b)^2 mod b (b < 2^32 here) */
        uint64_t b = (uint64_t)i + 1, r32 = (1ull << 32) % b, rem = r32 * r32 % b;
        uint64_t limit = UINT64_MAX - rem; /* accept r <= 2^64 - rem - 1 */
        uint64_t r;
        do r = doc_next(&s);
        while (r > limit);
        int64_t j = (int64_t)(r % b), t = v[i];
        v[i] = v[j];
        v[j] = t;
    }
}

START_TEST(shuffle_is_seeded_and_fair)
{
    /* splitmix64's published first output for seed 0 */
    uint64_t st = 0;
    ck_assert_uint_eq(doc_next(&st), 0xE220A8397B1DCDAFull);
    int64_t a[1000], b[1000], c[1000];
    for (int i = 0; i < 1000; i++) a[i] = b[i] = c[i] = i;
    ck_assert_ads_ok(dataset_shuffle(a, 1000, 7));
    doc_shuffle(b, 1000, 7);
    ck_assert_mem_eq(a, b, sizeof a);
    ck_assert_ads_ok(dataset_shuffle(c, 1000, 8));
    ck_assert(memcmp(a, c, sizeof a) != 0);
    int seen[1000] = {0};
    for (int i = 0; i < 1000; i++) seen[a[i]]++;
    for (int i = 0; i < 1000; i++) ck_assert_int_eq(seen[i], 1);
    /* All 6 orders of 3 items equally likely: 60000 shuffles, each count
       within 6 sd of 10000 (sd = sqrt(60000 * 1/6 * 5/6) = 91). */
    int count[6] = {0};
    for (uint64_t seed = 0; seed < 60000; seed++) {
        int64_t v[3] = {0, 1, 2};
        ck_assert_ads_ok(dataset_shuffle(v, 3, seed));
        count[v[0] * 2 + (v[1] > v[2])]++;
    }
    for (int k = 0; k < 6; k++)
        ck_assert_msg(abs(count[k] - 10000) <= 6 * 91, "order %d: %d", k, count[k]);
    printf("shuffle orders of 3 items over 60000 seeds: %d %d %d %d %d %d\n", count[0], count[1],
           count[2], count[3], count[4], count[5]);
    ck_assert_ads_ok(dataset_shuffle(NULL, 0, 1));
    ck_assert_int_eq(dataset_shuffle(NULL, 3, 1), ADS_ERR_NULL_ARGUMENT);
    ck_assert_int_eq(dataset_shuffle(a, -1, 1), ADS_ERR_INVALID_ARGUMENT);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("dataset");
    tcase_add_test(tc, real_training_set);
    tcase_add_test(tc, real_test_set);
    tcase_add_test(tc, synthetic_good_file);
    tcase_add_test(tc, synthetic_bad_files);
    tcase_add_test(tc, missing_files);
    tcase_add_test(tc, gzip_trailing_data_and_corruption);
    tcase_add_test(tc, shuffle_is_seeded_and_fair);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
