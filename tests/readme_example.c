/* The README's API example, kept compiling and running by the tests. */
#include <adastride.h>
#include <stdio.h>

int main(void)
{
    ads_context *ctx;
    if (ads_context_create(NULL, &ctx) != ADS_OK) {
        fprintf(stderr, "adastride: %s\n", ads_last_error());
        return 1;
    }
    int64_t shape[2] = {2, 3};
    float in[6] = {1, 2, 3, 4, 5, 6}, out[6];
    ads_tensor *t;
    ads_status st = ads_tensor_create(ctx, 2, shape, &t);
    if (st == ADS_OK) st = ads_tensor_write(t, in, 6);
    if (st == ADS_OK) st = ads_tensor_read(t, out, 6);
    if (st != ADS_OK) fprintf(stderr, "adastride: %s\n", ads_last_error());
    ads_tensor_release(t);
    ads_context_release(ctx);
    return st == ADS_OK && out[5] == 6.0f ? 0 : 1;
}
