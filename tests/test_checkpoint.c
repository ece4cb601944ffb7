/* Checkpoints: 2 epochs straight equal 1 epoch + resume 1 epoch bit for
   bit; corrupt, truncated, foreign and mismatched checkpoints are refused
   and change nothing. A tiny synthetic data set keeps it fast. */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "checkpoint.h"
#include "harness.h"
#include "trainer.h"

#define ITEMS 96
#define SIDE  12
#define VAL   16

/* Items whose class is where a bright blob sits: learnable, not trivial. */
static task *synthetic(void)
{
    static float img[ITEMS * SIDE * SIDE], lab[ITEMS];
    test_seed(77);
    for (int i = 0; i < ITEMS; i++) {
        float *p = img + i * SIDE * SIDE;
        test_fill_uniform(p, SIDE * SIDE, 0, 0.3);
        int c = test_int(0, 9), y = c / 4 * 4, x = c % 4 * 3;
        for (int dy = 0; dy < 3; dy++)
            for (int dx = 0; dx < 3; dx++) p[(y + dy) * SIDE + x + dx] = 1;
        lab[i] = (float)c;
    }
    task *t = NULL;
    ck_assert_ads_ok(task_from_arrays(TASK_FASHION, img, lab, ITEMS, SIDE, SIDE, VAL, &t));
    return t;
}

static void options(train_options *o, net_arch a, optimizer_kind opt, const char *dir)
{
    train_defaults(o);
    o->arch = a;
    o->adaptive = 1;
    o->width = 4;
    o->epochs = 2;
    o->seed = 5;
    o->batch = 16;
    o->optimizer = opt;
    o->lr = opt == OPT_ADAM ? 0.01f : 0.05f;
    o->out_dir = dir;
}

/* All of a net's checkpointed state, read to the host. */
static float *state(net *n, size_t *total)
{
    size_t sum = 0;
    for (int i = 0; i < net_state_tensors(n); i++) sum += ads_tensor_count(net_state_at(n, i));
    float *all = malloc(sum * sizeof *all), *p = all;
    for (int i = 0; i < net_state_tensors(n); i++) {
        ads_tensor *t = net_state_at(n, i);
        ck_assert_ads_ok(ads_tensor_read(t, p, ads_tensor_count(t)));
        p += ads_tensor_count(t);
    }
    *total = sum;
    return all;
}

static void resume_matches(net_arch a, optimizer_kind opt)
{
    ads_context *ctx = test_context();
    task *t = synthetic();
    char d1[] = "/tmp/ads_ckpt_XXXXXX", d2[] = "/tmp/ads_ckpt_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(d1));
    ck_assert_ptr_nonnull(mkdtemp(d2));
    static train_result r1, r2;
    train_options o;
    net *straight, *resumed;
    options(&o, a, opt, d1);
    ck_assert_ads_ok(train_run(ctx, t, &o, &r1, &straight));
    options(&o, a, opt, d2);
    o.stop_after = 1; /* the interruption */
    ck_assert_ads_ok(train_run(ctx, t, &o, &r2, NULL));
    ck_assert_int_eq(r2.epochs_done, 1);
    ck_assert(r2.test_acc < 0);
    o.stop_after = 0;
    o.resume = 1;
    ck_assert_ads_ok(train_run(ctx, t, &o, &r2, &resumed));
    ck_assert_int_eq(r2.epochs_done, 2);
    size_t n1, n2;
    float *s1 = state(straight, &n1), *s2 = state(resumed, &n2);
    ck_assert_uint_eq(n1, n2);
    size_t differ = 0;
    for (size_t i = 0; i < n1; i++) differ += memcmp(s1 + i, s2 + i, sizeof *s1) != 0;
    printf("%s/%s: %zu state floats, %zu differ; losses %.6f %.6f vs %.6f %.6f; test %.4f vs "
           "%.4f\n",
           net_arch_name(a), opt == OPT_SGD ? "sgd" : "adam", n1, differ, r1.train_loss[0],
           r1.train_loss[1], r2.train_loss[0], r2.train_loss[1], r1.test_acc, r2.test_acc);
    ck_assert_uint_eq(differ, 0);
    ck_assert(memcmp(r1.train_loss, r2.train_loss, 2 * sizeof r1.train_loss[0]) == 0);
    ck_assert(r1.val_acc[1] == r2.val_acc[1] && r1.test_acc == r2.test_acc);
    ck_assert(r1.curve_len == r2.curve_len &&
              memcmp(r1.curve, r2.curve, (size_t)r1.curve_len * sizeof *r1.curve) == 0);
    /* The checkpoint holds strictly more than the net: resuming a run
       that is already complete changes nothing and repeats the test. */
    free(s1), free(s2);
    net_release(straight);
    net_release(resumed);
    task_release(t);
    ads_context_release(ctx);
}

START_TEST(resume_is_bit_identical_sgd_vgg) { resume_matches(NET_VGG, OPT_SGD); }
END_TEST
START_TEST(resume_is_bit_identical_adam_mobilenet) { resume_matches(NET_MOBILENET, OPT_ADAM); }
END_TEST

/* A file of tensors t[0..2] with known contents; returns its bytes. */
static unsigned char *make_file(ads_context *ctx, const char *path, ads_tensor **t, size_t *len)
{
    int64_t s0[1] = {5}, s1[2] = {3, 4}, s2[1] = {1};
    float a[5] = {1, 2, 3, 4, 5}, b[12], c[1] = {9};
    for (int i = 0; i < 12; i++) b[i] = (float)i / 7;
    t[0] = test_tensor(ctx, 1, s0, a);
    t[1] = test_tensor(ctx, 2, s1, b);
    t[2] = test_tensor(ctx, 1, s2, c);
    double host[3] = {1, 2, 3};
    ck_assert_ads_ok(checkpoint_save(path, "cfg A", host, 3, t, 3));
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    unsigned char *bytes = malloc(4096);
    *len = fread(bytes, 1, 4096, f);
    fclose(f);
    return bytes;
}

static void put_file(const char *path, const unsigned char *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, len, f), len);
    fclose(f);
}

/* Loads `path` into sentinel tensors shaped like t; expects status st
   with `phrase` in the message, and every sentinel and host value intact. */
static void refused(ads_context *ctx, const char *path, const char *config, ads_tensor **shape_of,
                    int n, ads_status st, const char *phrase)
{
    ads_tensor *s[3];
    for (int i = 0; i < n; i++) {
        int64_t len = (int64_t)ads_tensor_count(shape_of[i]);
        float v[64];
        for (int k = 0; k < len; k++) v[k] = -777.0f;
        s[i] = test_tensor(ctx, 1, &len, v);
    }
    double host[8] = {-5, -5, -5, -5, -5, -5, -5, -5};
    size_t nh = 99;
    ck_assert_int_eq(checkpoint_load(path, config, host, 8, &nh, s, n), st);
    ck_assert_msg(strstr(ads_last_error(), phrase), "'%s' lacks '%s'", ads_last_error(), phrase);
    ck_assert_uint_eq(nh, 99);
    for (int k = 0; k < 8; k++) ck_assert(host[k] == -5);
    for (int i = 0; i < n; i++) {
        float *v = test_read(s[i]);
        for (size_t k = 0; k < ads_tensor_count(s[i]); k++) ck_assert(v[k] == -777.0f);
        free(v);
        ads_tensor_release(s[i]);
    }
}

START_TEST(bad_checkpoints_are_refused)
{
    ads_context *ctx = test_context();
    char dir[] = "/tmp/ads_ckpt_XXXXXX", path[64], bad[80];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/c.bin", dir);
    snprintf(bad, sizeof bad, "%s/bad.bin", dir);
    ads_tensor *t[3];
    size_t len;
    unsigned char *b = make_file(ctx, path, t, &len);

    /* The good file loads, and round-trips exactly. */
    double host[8];
    size_t nh;
    ck_assert_ads_ok(checkpoint_load(path, "cfg A", host, 8, &nh, t, 3));
    ck_assert_uint_eq(nh, 3);
    ck_assert(host[2] == 3);

    unsigned char *m = malloc(len);
    memcpy(m, b, len);
    m[len / 2] ^= 0x40; /* one flipped bit inside the tensors */
    put_file(bad, m, len);
    refused(ctx, bad, "cfg A", t, 3, ADS_ERR_IO, "checksum");
    put_file(bad, b, len - 9); /* truncated */
    refused(ctx, bad, "cfg A", t, 3, ADS_ERR_IO, "checksum");
    put_file(bad, b, 6);
    refused(ctx, bad, "cfg A", t, 3, ADS_ERR_IO, "bad magic");
    memcpy(m, b, len);
    m[0] = 'X';
    put_file(bad, m, len);
    refused(ctx, bad, "cfg A", t, 3, ADS_ERR_IO, "bad magic");
    /* Another version, with a valid checksum. */
    memcpy(m, b, len);
    uint32_t v2 = CHECKPOINT_VERSION + 1, crc;
    memcpy(m + 8, &v2, 4);
    crc = (uint32_t)crc32(0L, m, (uInt)(len - 4));
    memcpy(m + len - 4, &crc, 4);
    put_file(bad, m, len);
    refused(ctx, bad, "cfg A", t, 3, ADS_ERR_IO, "version");
    /* Another run's configuration, and tensors of other sizes. */
    refused(ctx, path, "cfg B", t, 3, ADS_ERR_SHAPE_MISMATCH, "another run");
    refused(ctx, path, "cfg A", t, 2, ADS_ERR_SHAPE_MISMATCH, "holds 3 tensors");
    ads_tensor *swapped[3] = {t[1], t[0], t[2]};
    refused(ctx, path, "cfg A", swapped, 3, ADS_ERR_SHAPE_MISMATCH, "elements");
    ck_assert_int_eq(checkpoint_load(bad, "cfg A", host, 2, &nh, t, 3), ADS_ERR_IO);
    char missing[96];
    snprintf(missing, sizeof missing, "%s/none.bin", dir);
    refused(ctx, missing, "cfg A", t, 3, ADS_ERR_IO, "cannot open");
    /* No temporary file is left behind by a save. */
    char tmp[96];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    ck_assert_ptr_null(fopen(tmp, "rb"));
    remove(path), remove(bad), rmdir(dir);
    free(b), free(m);
    for (int i = 0; i < 3; i++) ads_tensor_release(t[i]);
    ads_context_release(ctx);
}
END_TEST

/* A resume whose options differ from the checkpoint's is refused before
   training starts. */
START_TEST(resume_with_other_options_is_refused)
{
    ads_context *ctx = test_context();
    task *t = synthetic();
    char d[] = "/tmp/ads_ckpt_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(d));
    static train_result r;
    train_options o;
    options(&o, NET_VGG, OPT_SGD, d);
    o.stop_after = 1;
    ck_assert_ads_ok(train_run(ctx, t, &o, &r, NULL));
    o.stop_after = 0;
    o.resume = 1;
    o.seed = 6;
    ck_assert_int_eq(train_run(ctx, t, &o, &r, NULL), ADS_ERR_SHAPE_MISMATCH);
    ck_assert_msg(strstr(ads_last_error(), "seed=5"), "%s", ads_last_error());
    task_release(t);
    ads_context_release(ctx);
}
END_TEST

/* The largest |value| of the net's predictor vectors (predictor 1) or of
   its other parameters (predictor 0). */
static float largest_param(net *n, int predictor)
{
    float m = 0;
    for (int i = 0; i < net_param_tensors(n); i++) {
        net_param p = net_param_at(n, i);
        if (p.predictor != predictor) continue;
        size_t c = ads_tensor_count(p.param);
        float *v = malloc(c * sizeof *v);
        ck_assert_ads_ok(ads_tensor_read(p.param, v, c));
        for (size_t k = 0; k < c; k++) m = fmaxf(m, fabsf(v[k]));
        free(v);
    }
    return m;
}

/* --predictor-lr scales the predictor vectors' rate only: 0 leaves them
   at their initial zeros (the fixed-stride layer) while the rest trains;
   1 moves them; a negative or infinite scale is refused. */
START_TEST(predictor_rate_scales_only_the_predictors)
{
    ads_context *ctx = test_context();
    task *t = synthetic();
    static train_result r;
    train_options o;
    net *frozen, *moving;
    options(&o, NET_VGG, OPT_SGD, NULL);
    o.epochs = 1;
    o.predictor_lr = 0.0f;
    ck_assert_ads_ok(train_run(ctx, t, &o, &r, &frozen));
    o.predictor_lr = 1.0f;
    ck_assert_ads_ok(train_run(ctx, t, &o, &r, &moving));
    ck_assert(largest_param(frozen, 1) == 0.0f);
    ck_assert(largest_param(frozen, 0) > 0.0f);
    ck_assert(largest_param(moving, 1) > 0.0f);
    o.predictor_lr = -1.0f;
    ck_assert_int_eq(train_run(ctx, t, &o, &r, NULL), ADS_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(ads_last_error(), "--predictor-lr"), "%s", ads_last_error());
    o.predictor_lr = INFINITY;
    ck_assert_int_eq(train_run(ctx, t, &o, &r, NULL), ADS_ERR_INVALID_ARGUMENT);
    net_release(frozen);
    net_release(moving);
    task_release(t);
    ads_context_release(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("checkpoint");
    TCase *tc = tcase_create("checkpoint");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, resume_is_bit_identical_sgd_vgg);
    tcase_add_test(tc, resume_is_bit_identical_adam_mobilenet);
    tcase_add_test(tc, bad_checkpoints_are_refused);
    tcase_add_test(tc, resume_with_other_options_is_refused);
    tcase_add_test(tc, predictor_rate_scales_only_the_predictors);
    suite_add_tcase(s, tc);
    return test_run_suite(s);
}
