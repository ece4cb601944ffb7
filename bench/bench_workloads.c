/* The workloads: the down-sampling layers of the networks the
   adaptive-stride paper used, at their real channel counts, plus the
   fixed shapes of the convolution and pooling issues.

   Spatial sizes are the networks' own at --scale 1, the default (224x224
   inputs, YOLOX-S at 640): a whole run takes under a minute on a 2-core
   CPU. Batch sizes are the workload's own times --batch. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define CONV(net, name, n, ci, co, hw, k, s, p, g)                                                 \
    {                                                                                              \
        name, net, false, ADS_POOL_MAX, n, ci, co, hw, hw, k, s, p, g, true                        \
    }
#define POOL(net, name, mode, n, c, hw, k, s, p)                                                   \
    {                                                                                              \
        name, net, true, mode, n, c, c, hw, hw, k, s, p, 1, true                                   \
    }
#define FIXED_CONV(name, n, ci, co, hw, k, s, p, g)                                                \
    {                                                                                              \
        name, "issue", false, ADS_POOL_MAX, n, ci, co, hw, hw, k, s, p, g, false                   \
    }
#define FIXED_POOL(name, mode, n, c, hw, k, s, p)                                                  \
    {                                                                                              \
        name, "issue", true, mode, n, c, c, hw, hw, k, s, p, 1, false                              \
    }

static const bench_workload ALL[] = {
    /* The convolution and pooling issues' shapes: never scaled. */
    FIXED_CONV("vgg", 4, 64, 128, 112, 3, 2, 1, 1),
    FIXED_CONV("res", 8, 128, 128, 56, 3, 2, 1, 1),
    FIXED_CONV("dw", 8, 128, 128, 56, 3, 2, 1, 128),
    FIXED_CONV("small", 32, 16, 32, 28, 3, 2, 1, 1),
    FIXED_POOL("pool-max3", ADS_POOL_MAX, 8, 64, 112, 3, 2, 1),
    FIXED_POOL("pool-avg2", ADS_POOL_AVG, 8, 64, 112, 2, 2, 0),
    /* VGG-16: the five 2x2 max pools. */
    POOL("VGG-16", "vgg16-pool1", ADS_POOL_MAX, 1, 64, 224, 2, 2, 0),
    POOL("VGG-16", "vgg16-pool3", ADS_POOL_MAX, 1, 256, 56, 2, 2, 0),
    POOL("VGG-16", "vgg16-pool5", ADS_POOL_MAX, 1, 512, 14, 2, 2, 0),
    /* AlexNet: the stride-4 first conv and the 3x3 stride-2 max pools. */
    CONV("AlexNet", "alex-conv1", 1, 3, 64, 224, 11, 4, 2, 1),
    POOL("AlexNet", "alex-pool1", ADS_POOL_MAX, 1, 64, 55, 3, 2, 0),
    POOL("AlexNet", "alex-pool2", ADS_POOL_MAX, 1, 192, 27, 3, 2, 0),
    /* MobileNet-v1: the stride-2 depthwise convs (and the stem). */
    CONV("MobileNet-v1", "mbv1-stem", 1, 3, 32, 224, 3, 2, 1, 1),
    CONV("MobileNet-v1", "mbv1-dw2", 1, 64, 64, 112, 3, 2, 1, 64),
    CONV("MobileNet-v1", "mbv1-dw4", 1, 128, 128, 56, 3, 2, 1, 128),
    CONV("MobileNet-v1", "mbv1-dw6", 1, 256, 256, 28, 3, 2, 1, 256),
    CONV("MobileNet-v1", "mbv1-dw12", 1, 512, 512, 14, 3, 2, 1, 512),
    /* YOLOX-S: the CSP-Darknet stride-2 3x3 convs (input 640, after Focus). */
    CONV("YOLOX-S", "yolox-dark2", 1, 32, 64, 320, 3, 2, 1, 1),
    CONV("YOLOX-S", "yolox-dark3", 1, 64, 128, 160, 3, 2, 1, 1),
    CONV("YOLOX-S", "yolox-dark4", 1, 128, 256, 80, 3, 2, 1, 1),
    CONV("YOLOX-S", "yolox-dark5", 1, 256, 512, 40, 3, 2, 1, 1),
    /* U-Net: the encoder's 2x2 max pools. */
    POOL("U-Net", "unet-pool1", ADS_POOL_MAX, 1, 64, 224, 2, 2, 0),
    POOL("U-Net", "unet-pool2", ADS_POOL_MAX, 1, 128, 112, 2, 2, 0),
    POOL("U-Net", "unet-pool3", ADS_POOL_MAX, 1, 256, 56, 2, 2, 0),
    POOL("U-Net", "unet-pool4", ADS_POOL_MAX, 1, 512, 28, 2, 2, 0),
};

/* The quick suite: one of each kind, small enough for a CI smoke run. */
static const char *QUICK[] = {"small", "dw", "pool-avg2", "mbv1-dw6", "yolox-dark5", "vgg16-pool5"};

static bool in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; (p = strstr(p, name)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return true;
    return false;
}

static bool is_quick(const char *name)
{
    for (size_t i = 0; i < sizeof QUICK / sizeof *QUICK; i++)
        if (strcmp(QUICK[i], name) == 0) return true;
    return false;
}

int bench_select_workloads(const bench_options *opt, bench_workload *out, int max)
{
    int n = 0;
    for (size_t i = 0; i < sizeof ALL / sizeof *ALL && n < max; i++) {
        bench_workload w = ALL[i];
        if (opt->only && !in_list(opt->only, w.name) && !in_list(opt->only, w.network)) continue;
        if (!opt->only && opt->quick && !is_quick(w.name)) continue;
        if (w.scalable) {
            int hw = (int)lround(w.h * opt->scale);
            w.h = w.w = hw < w.kh ? w.kh : hw;
            w.n *= opt->batch;
        }
        out[n++] = w;
    }
    return n;
}

void bench_list_workloads(FILE *f)
{
    for (size_t i = 0; i < sizeof ALL / sizeof *ALL; i++) {
        const bench_workload *w = &ALL[i];
        fprintf(f, "  %-12s %-13s %s N=%d C=%d->%d %dx%d k%d s%d p%d%s\n", w->name, w->network,
                w->is_pool ? "pool" : "conv", w->n, w->cin, w->cout, w->h, w->w, w->kh, w->stride,
                w->pad, w->groups > 1 ? " depthwise" : "");
    }
}
