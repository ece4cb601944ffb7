/* The README's API example, kept compiling and running by the tests:
   an adaptive-stride convolution layer, forward and backward. */
#include <adastride.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    ads_context *ctx;
    if (ads_context_create(NULL, &ctx) != ADS_OK) { /* $ADS_DEVICE, a GPU, else a CPU */
        fprintf(stderr, "adastride: %s\n", ads_last_error());
        return 1;
    }
    /* 3x3 convolution, 8 -> 16 channels, nominal stride 2, both axes adapt. */
    ads_layer_desc d = {.kind = ADS_LAYER_CONV,
                        .in_channels = 8,
                        .out_channels = 16,
                        .conv = {3, 3, 2, 2, 1, 1, 1, 1, 1},
                        .adapt = ADS_ADAPT_BOTH,
                        .profile = ADS_PROFILE_LINEAR,
                        .bias = 1,
                        .seed = 1};
    int64_t xs[4] = {2, 8, 32, 32}, ys[4];
    ads_layer *layer = NULL;
    ads_tensor *x = NULL, *y = NULL, *gy = NULL, *gx = NULL;
    ads_status st = ads_layer_create(ctx, &d, &layer);
    if (st == ADS_OK) st = ads_layer_output_shape(layer, xs, ys); /* 2 x 16 x 16 x 16 */
    if (st == ADS_OK) st = ads_tensor_create(ctx, 4, xs, &x);
    if (st == ADS_OK) st = ads_tensor_create(ctx, 4, ys, &y);
    if (st == ADS_OK) st = ads_tensor_create(ctx, 4, ys, &gy);
    if (st == ADS_OK) st = ads_tensor_create(ctx, 4, xs, &gx);
    size_t nx = 2 * 8 * 32 * 32, ny = 2 * 16 * 16 * 16;
    float *host = malloc(nx * sizeof *host);
    for (size_t i = 0; host && i < nx; i++) host[i] = (float)(i % 7) - 3.0f;
    if (st == ADS_OK) st = ads_tensor_write(x, host, nx);
    if (st == ADS_OK) st = ads_layer_forward(layer, x, y);    /* enqueued, not waited */
    if (st == ADS_OK) st = ads_tensor_read(y, host, ny);      /* waits for y only */
    if (st == ADS_OK) st = ads_tensor_write(gy, host, ny);    /* some gradient */
    if (st == ADS_OK) st = ads_layer_backward(layer, gy, gx); /* gx, and W, b, v grads */
    float py[2 * 16], px[2 * 16];
    if (st == ADS_OK) st = ads_layer_positions(layer, py, 32, px, 32); /* where it sampled */
    if (st == ADS_OK)
        printf("row positions of image 0: %g %g %g ... %g\n", py[0], py[1], py[2], py[15]);
    else fprintf(stderr, "adastride: %s: %s\n", ads_status_string(st), ads_last_error());
    free(host);
    ads_tensor_release(x), ads_tensor_release(y), ads_tensor_release(gy), ads_tensor_release(gx);
    ads_layer_release(layer);
    ads_context_release(ctx);
    return st == ADS_OK ? 0 : 1;
}
