/* The adaptive-stride layer: predictor -> positions -> gather-conv or
   pool, and back. Built only from the public operations, so the layer
   equals their composition by construction. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layer.h"
#include "adastride_splitmix.h"

static bool adapts_rows(const ads_layer *l) { return l->d.adapt & ADS_ADAPT_ROWS; }
static bool adapts_cols(const ads_layer *l) { return l->d.adapt & ADS_ADAPT_COLS; }
static bool is_conv(const ads_layer *l) { return l->d.kind == ADS_LAYER_CONV; }

/* Window geometry of either kind: kernel, nominal stride, pad, dilation. */
typedef struct {
    int kh, kw, sh, sw, ph, pw, dh, dw;
} window;

static window window_of(const ads_layer_desc *d)
{
    if (d->kind == ADS_LAYER_CONV)
        return (window){d->conv.kh,    d->conv.kw,    d->conv.stride_h, d->conv.stride_w,
                        d->conv.pad_h, d->conv.pad_w, d->conv.dil_h,    d->conv.dil_w};
    return (window){d->pool.kh,    d->pool.kw,    d->pool.stride_h, d->pool.stride_w,
                    d->pool.pad_h, d->pool.pad_w, d->pool.dil_h,    d->pool.dil_w};
}

static float temperature(const ads_layer *l)
{
    return l->d.temperature > 0 ? l->d.temperature : 1.0f;
}

/* Names the first window field out of range, as the caller spells it. */
static ads_status validate_window(const ads_layer_desc *d)
{
    window w = window_of(d);
    const char *part = d->kind == ADS_LAYER_CONV ? "conv" : "pool";
    struct {
        const char *name;
        int value, min;
    } fields[] = {{"kh", w.kh, 1},       {"kw", w.kw, 1},    {"stride_h", w.sh, 1},
                  {"stride_w", w.sw, 1}, {"pad_h", w.ph, 0}, {"pad_w", w.pw, 0},
                  {"dil_h", w.dh, 1},    {"dil_w", w.dw, 1}};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        if (fields[i].value < fields[i].min)
            return ads_fail(ADS_ERR_INVALID_ARGUMENT, "d->%s.%s is %d; it must be >= %d", part,
                            fields[i].name, fields[i].value, fields[i].min);
    return ADS_OK;
}

static ads_status validate_desc(const ads_layer_desc *d)
{
    if (d->kind != ADS_LAYER_CONV && d->kind != ADS_LAYER_POOL)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "d->kind is %d; expected ADS_LAYER_CONV or "
                        "ADS_LAYER_POOL",
                        (int)d->kind);
    if (d->in_channels < 1)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "d->in_channels is %d; must be >= 1",
                        d->in_channels);
    if (d->kind == ADS_LAYER_CONV) {
        if (d->out_channels < 1)
            return ads_fail(ADS_ERR_INVALID_ARGUMENT, "d->out_channels is %d; must be >= 1",
                            d->out_channels);
        int g = d->conv.groups;
        if (g < 1 || d->in_channels % g || d->out_channels % g)
            return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                            "d->conv.groups is %d; it must divide "
                            "in_channels %d and out_channels %d",
                            g, d->in_channels, d->out_channels);
    }
    ADS_TRY(validate_window(d));
    if ((unsigned)d->adapt > ADS_ADAPT_BOTH)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "d->adapt is %d; expected ADS_ADAPT_NONE (0), "
                        "_ROWS (1), _COLS (2) or _BOTH (3)",
                        (int)d->adapt);
    if (d->profile != ADS_PROFILE_LINEAR && d->profile != ADS_PROFILE_VARIATION)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "d->profile is %d; expected "
                        "ADS_PROFILE_LINEAR (%d) or ADS_PROFILE_VARIATION (%d)",
                        (int)d->profile, (int)ADS_PROFILE_LINEAR, (int)ADS_PROFILE_VARIATION);
    if (!(d->temperature >= 0) || !isfinite(d->temperature))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "d->temperature is %g; must be finite and "
                        ">= 0 (0 means 1)",
                        (double)d->temperature);
    if (d->kind == ADS_LAYER_POOL && (unsigned)d->pool.mode > ADS_POOL_AVG_EXCLUDE_PAD)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "d->pool.mode is %d", (int)d->pool.mode);
    if (d->out_h < 0 || d->out_w < 0)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "d->out_h/out_w are %d/%d; must be >= 0",
                        d->out_h, d->out_w);
    return ADS_OK;
}

/* splitmix64: a fixed generator so a seed gives the same weights anywhere. */
static uint64_t next_random(uint64_t *state) { return ads_splitmix64(state); }

/* He-uniform: U(-b, b) with b = sqrt(6 / fan_in). */
static ads_status init_weight(ads_layer *l)
{
    ads_tensor *w = l->param[ADS_PARAM_WEIGHT];
    double fan_in = (double)(w->shape[1] * w->shape[2] * w->shape[3]);
    double bound = sqrt(6.0 / fan_in);
    float *v = malloc(w->count * sizeof *v);
    if (!v) return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory to initialise the weights");
    uint64_t state = l->d.seed;
    for (size_t i = 0; i < w->count; i++) {
        double u = (double)(next_random(&state) >> 11) / (double)(1ull << 53);
        v[i] = (float)((2 * u - 1) * bound);
    }
    ads_status st = ads_tensor_write(w, v, w->count);
    free(v);
    return st;
}

static ads_status make_param(ads_layer *l, ads_param p, int ndim, const int64_t *shape)
{
    ADS_TRY(ads_tensor_create(l->ctx, ndim, shape, &l->param[p]));
    ADS_TRY(ads_tensor_create(l->ctx, ndim, shape, &l->grad[p]));
    return ads_tensor_create(l->ctx, ndim, shape, &l->grad_call[p]);
}

static ads_status make_params(ads_layer *l)
{
    const ads_layer_desc *d = &l->d;
    int64_t c[1] = {d->in_channels};
    if (d->kind == ADS_LAYER_CONV) {
        int64_t ws[4] = {d->out_channels, d->in_channels / d->conv.groups, d->conv.kh, d->conv.kw};
        int64_t bs[1] = {d->out_channels};
        ADS_TRY(make_param(l, ADS_PARAM_WEIGHT, 4, ws));
        ADS_TRY(init_weight(l));
        if (d->bias) ADS_TRY(make_param(l, ADS_PARAM_BIAS, 1, bs));
    }
    if (d->adapt & ADS_ADAPT_ROWS) ADS_TRY(make_param(l, ADS_PARAM_V_ROWS, 1, c));
    if (d->adapt & ADS_ADAPT_COLS) ADS_TRY(make_param(l, ADS_PARAM_V_COLS, 1, c));
    return ADS_OK;
}

ads_status ads_layer_create(ads_context *ctx, const ads_layer_desc *d, ads_layer **out)
{
    if (!out) return ads_fail(ADS_ERR_NULL_ARGUMENT, "out is NULL");
    *out = NULL;
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    if (!d) return ads_fail(ADS_ERR_NULL_ARGUMENT, "d is NULL");
    ADS_TRY(validate_desc(d));
    ads_layer *l = calloc(1, sizeof *l);
    if (!l) return ads_fail(ADS_ERR_OUT_OF_MEMORY, "no host memory for a layer");
    l->ctx = ctx;
    l->d = *d;
    ads_status st = make_params(l);
    if (st != ADS_OK) {
        ads_layer_release(l);
        return st;
    }
    *out = l;
    return ADS_OK;
}

static void release_state(ads_layer *l)
{
    ads_tensor **state[] = {&l->a_rows,  &l->a_cols,  &l->py,  &l->px,
                            &l->ga_rows, &l->ga_cols, &l->gpy, &l->gpx};
    for (size_t i = 0; i < sizeof state / sizeof *state; i++) {
        ads_tensor_release(*state[i]);
        *state[i] = NULL;
    }
    l->has_forward = false;
    l->n = 0;
}

void ads_layer_release(ads_layer *l)
{
    if (!l) return;
    release_state(l);
    for (int p = 0; p < ADS_NPARAMS; p++) {
        ads_tensor_release(l->param[p]);
        ads_tensor_release(l->grad[p]);
        ads_tensor_release(l->grad_call[p]);
    }
    free(l);
}

/* The fixed-stride layer's size along one axis. */
static int64_t fixed_size(int64_t in, int k, int s, int p, int dil)
{
    return ads_output_size(in, k, s, p, dil);
}

ads_status ads_layer_output_shape(const ads_layer *l, const int64_t in[4], int64_t out[4])
{
    if (!l || !in || !out) return ads_fail(ADS_ERR_NULL_ARGUMENT, "layer, in or out is NULL");
    static const char *dim_names[4] = {"N (batch)", "C", "H", "W"};
    for (int i = 0; i < 4; i++)
        if (in[i] < 1)
            return ads_fail(ADS_ERR_INVALID_ARGUMENT, "the input's %s is %lld; it must be >= 1",
                            dim_names[i], (long long)in[i]);
    if (in[1] != l->d.in_channels)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH, "the input has %lld channels; the layer takes %d",
                        (long long)in[1], l->d.in_channels);
    window w = window_of(&l->d);
    int64_t ho = l->d.out_h ? l->d.out_h : fixed_size(in[2], w.kh, w.sh, w.ph, w.dh);
    int64_t wo = l->d.out_w ? l->d.out_w : fixed_size(in[3], w.kw, w.sw, w.pw, w.dw);
    if (ho <= 0 || wo <= 0)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH,
                        "an input of %lldx%lld is smaller than the "
                        "layer's window",
                        (long long)in[2], (long long)in[3]);
    out[0] = in[0];
    out[1] = is_conv(l) ? l->d.out_channels : l->d.in_channels;
    out[2] = ho;
    out[3] = wo;
    return ADS_OK;
}

/* The fixed path serves a layer that adapts nothing at the fixed size;
   everything else samples at explicit positions. */
static bool uses_fixed_path(const ads_layer *l)
{
    window w = window_of(&l->d);
    return l->d.adapt == ADS_ADAPT_NONE && l->ho == fixed_size(l->h, w.kh, w.sh, w.ph, w.dh) &&
           l->wo == fixed_size(l->w, w.kw, w.sw, w.pw, w.dw);
}

static ads_status make_axis_state(ads_layer *l, bool adapts, int64_t len, float stride,
                                  ads_tensor **a, ads_tensor **ga, ads_tensor **pos,
                                  ads_tensor **gpos)
{
    int64_t shape[2] = {l->n, len};
    ADS_TRY(ads_tensor_create(l->ctx, 2, shape, pos));
    if (!adapts) return ads_uniform_positions(l->ctx, *pos, stride);
    ADS_TRY(ads_tensor_create(l->ctx, 2, shape, a));
    ADS_TRY(ads_tensor_create(l->ctx, 2, shape, ga));
    return ads_tensor_create(l->ctx, 2, shape, gpos);
}

/* (Re)allocates the per-input state when the input's shape changes. */
static ads_status prepare_state(ads_layer *l, const int64_t in[4], const int64_t out[4])
{
    if (l->n == in[0] && l->h == in[2] && l->w == in[3] && l->ho == out[2] && l->wo == out[3])
        return ADS_OK;
    release_state(l);
    l->n = in[0], l->h = in[2], l->w = in[3], l->ho = out[2], l->wo = out[3];
    if (uses_fixed_path(l)) return ADS_OK;
    window w = window_of(&l->d);
    ads_status st = make_axis_state(l, adapts_rows(l), l->ho, (float)w.sh, &l->a_rows, &l->ga_rows,
                                    &l->py, &l->gpy);
    if (st == ADS_OK)
        st = make_axis_state(l, adapts_cols(l), l->wo, (float)w.sw, &l->a_cols, &l->ga_cols, &l->px,
                             &l->gpx);
    if (st != ADS_OK) release_state(l);
    return st;
}

static ads_sampling sampling(const ads_layer *l)
{
    ads_sampling at = {NULL, NULL, NULL};
    if (!uses_fixed_path(l)) at.py = l->py, at.px = l->px;
    return at;
}

/* Predictor -> logits -> positions for the axes that adapt. */
static ads_status predict_positions(ads_layer *l, const ads_tensor *x)
{
    if (l->d.adapt == ADS_ADAPT_NONE) return ADS_OK;
    window w = window_of(&l->d);
    ADS_TRY(ads_stride_logits(l->ctx, l->d.profile, x, l->param[ADS_PARAM_V_ROWS],
                              l->param[ADS_PARAM_V_COLS], l->a_rows, l->a_cols));
    if (adapts_rows(l))
        ADS_TRY(ads_stride_positions(l->ctx, l->a_rows, (float)w.sh, 0.0f, temperature(l), l->py));
    if (adapts_cols(l))
        ADS_TRY(ads_stride_positions(l->ctx, l->a_cols, (float)w.sw, 0.0f, temperature(l), l->px));
    return ADS_OK;
}

ads_status ads_layer_forward(ads_layer *l, const ads_tensor *x, ads_tensor *y)
{
    if (!l) return ads_fail(ADS_ERR_NULL_ARGUMENT, "layer is NULL");
    ADS_TRY(ads_check_tensor(x, l->ctx, "x"));
    ADS_TRY(ads_check_tensor(y, l->ctx, "y"));
    if (x->ndim != 4)
        return ads_fail(ADS_ERR_SHAPE_MISMATCH, "x has %d dimensions; expected N x C x H x W",
                        x->ndim);
    int64_t out[4];
    ADS_TRY(ads_layer_output_shape(l, x->shape, out));
    ADS_TRY(ads_check_shape(y, "y", 4, out));
    /* Checked here, before the layer's saved state is touched. */
    if (y == x) return ads_fail(ADS_ERR_INVALID_ARGUMENT, "y is the x tensor itself");
    for (int p = 0; p < ADS_NPARAMS; p++)
        if (y == l->param[p] || y == l->grad[p])
            return ads_fail(ADS_ERR_INVALID_ARGUMENT, "y is one of the layer's own tensors");
    ADS_TRY(prepare_state(l, x->shape, out));
    l->has_forward = false;
    ADS_TRY(predict_positions(l, x));
    if (is_conv(l))
        ADS_TRY(ads_gconv_forward(l->ctx, &l->d.conv, x, l->param[ADS_PARAM_WEIGHT],
                                  l->param[ADS_PARAM_BIAS], sampling(l), y));
    else ADS_TRY(ads_pool_forward(l->ctx, &l->d.pool, x, sampling(l), y));
    l->x = x;
    l->has_forward = true;
    return ADS_OK;
}

/* The sampling path's backward: gx overwritten, parameter shares into
   grad_call, position gradients into gpy / gpx. */
static ads_status sampling_backward(ads_layer *l, const ads_tensor *gy, ads_tensor *gx)
{
    ads_sampling_grad gat = {adapts_rows(l) ? l->gpy : NULL, adapts_cols(l) ? l->gpx : NULL, NULL};
    if (!is_conv(l)) return ads_pool_backward(l->ctx, &l->d.pool, l->x, sampling(l), gy, gx, gat);
    return ads_gconv_backward(l->ctx, &l->d.conv, l->x, l->param[ADS_PARAM_WEIGHT], sampling(l), gy,
                              gx, l->grad_call[ADS_PARAM_WEIGHT], l->grad_call[ADS_PARAM_BIAS],
                              gat);
}

/* Positions -> logits -> predictor: gx accumulated, v shares into grad_call. */
static ads_status predictor_backward(ads_layer *l, ads_tensor *gx)
{
    if (l->d.adapt == ADS_ADAPT_NONE) return ADS_OK;
    window w = window_of(&l->d);
    if (adapts_rows(l))
        ADS_TRY(ads_stride_positions_backward(l->ctx, l->a_rows, (float)w.sh, temperature(l),
                                              l->gpy, l->ga_rows));
    if (adapts_cols(l))
        ADS_TRY(ads_stride_positions_backward(l->ctx, l->a_cols, (float)w.sw, temperature(l),
                                              l->gpx, l->ga_cols));
    return ads_stride_logits_backward(
        l->ctx, l->d.profile, l->x, l->param[ADS_PARAM_V_ROWS], l->param[ADS_PARAM_V_COLS],
        l->ga_rows, l->ga_cols, gx, l->grad_call[ADS_PARAM_V_ROWS], l->grad_call[ADS_PARAM_V_COLS]);
}

ads_status ads_layer_backward(ads_layer *l, const ads_tensor *gy, ads_tensor *gx)
{
    if (!l) return ads_fail(ADS_ERR_NULL_ARGUMENT, "layer is NULL");
    if (!l->has_forward)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "ads_layer_backward needs a forward pass first");
    ADS_TRY(ads_check_tensor(gy, l->ctx, "gy"));
    int64_t out[4] = {l->n, is_conv(l) ? l->d.out_channels : l->d.in_channels, l->ho, l->wo};
    ADS_TRY(ads_check_shape(gy, "gy", 4, out));
    if (gx) {
        ADS_TRY(ads_check_tensor(gx, l->ctx, "gx"));
        ADS_TRY(ads_check_shape(gx, "gx", 4, l->x->shape));
    }
    ADS_TRY(sampling_backward(l, gy, gx));
    ADS_TRY(predictor_backward(l, gx));
    for (int p = 0; p < ADS_NPARAMS; p++)
        if (l->grad[p]) ADS_TRY(ads_accumulate(l->ctx, l->grad[p], l->grad_call[p]));
    return ADS_OK;
}

ads_status ads_layer_zero_grad(ads_layer *l)
{
    if (!l) return ads_fail(ADS_ERR_NULL_ARGUMENT, "layer is NULL");
    for (int p = 0; p < ADS_NPARAMS; p++)
        if (l->grad[p]) ADS_TRY(ads_fill(l->ctx, l->grad[p], 0.0f));
    return ADS_OK;
}

ads_tensor *ads_layer_param(ads_layer *l, ads_param p)
{
    return l && (unsigned)p < ADS_NPARAMS ? l->param[p] : NULL;
}

ads_tensor *ads_layer_grad(ads_layer *l, ads_param p)
{
    return l && (unsigned)p < ADS_NPARAMS ? l->grad[p] : NULL;
}

/* Host copy of the fixed grid along one axis: stride * i for each image. */
static void uniform_host(float *pos, int64_t n, int64_t len, int stride)
{
    for (int64_t k = 0; k < n * len; k++) pos[k] = (float)stride * (float)(k % len);
}

ads_status ads_layer_positions(ads_layer *l, float *py, size_t ny, float *px, size_t nx)
{
    if (!l || !py || !px) return ads_fail(ADS_ERR_NULL_ARGUMENT, "layer, py or px is NULL");
    if (!l->has_forward)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT, "no forward pass yet: no positions to read");
    if (ny != (size_t)(l->n * l->ho) || nx != (size_t)(l->n * l->wo))
        return ads_fail(ADS_ERR_SHAPE_MISMATCH,
                        "ny and nx are %zu and %zu; the last forward "
                        "sampled %lld x %lld rows and %lld x %lld columns",
                        ny, nx, (long long)l->n, (long long)l->ho, (long long)l->n,
                        (long long)l->wo);
    if (uses_fixed_path(l)) {
        window w = window_of(&l->d);
        uniform_host(py, l->n, l->ho, w.sh);
        uniform_host(px, l->n, l->wo, w.sw);
        return ADS_OK;
    }
    ADS_TRY(ads_tensor_read(l->py, py, ny));
    return ads_tensor_read(l->px, px, nx);
}
