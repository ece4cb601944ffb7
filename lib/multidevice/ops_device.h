/* The operations on one device: the public functions of the same names
   without the suffix (each in its operation's folder) spread a call's
   batch over the context's devices (ads_split_run) and run these on each
   device's share, with `dev` the device that share runs on (also the
   calling thread's current device, whose queues the launches use). */
#ifndef ADS_OPS_DEVICE_H
#define ADS_OPS_DEVICE_H

#include "context.h"

ads_status ads_gconv_forward_on_device(ads_context *ctx, const ads_device *dev,
                                       const ads_conv_desc *d, const ads_tensor *x,
                                       const ads_tensor *w, const ads_tensor *b, ads_sampling at,
                                       ads_tensor *y);
ads_status ads_gconv_backward_on_device(ads_context *ctx, const ads_device *dev,
                                        const ads_conv_desc *d, const ads_tensor *x,
                                        const ads_tensor *w, ads_sampling at, const ads_tensor *gy,
                                        ads_tensor *gx, ads_tensor *gw, ads_tensor *gb,
                                        ads_sampling_grad gat);
ads_status ads_pool_forward_ex_on_device(ads_context *ctx, const ads_device *dev,
                                         const ads_pool_desc *d, const ads_tensor *x,
                                         ads_sampling at, ads_tensor *y, ads_tensor *argmax);
ads_status ads_pool_backward_ex_on_device(ads_context *ctx, const ads_device *dev,
                                          const ads_pool_desc *d, const ads_tensor *x,
                                          ads_sampling at, const ads_tensor *argmax,
                                          const ads_tensor *gy, ads_tensor *gx,
                                          ads_sampling_grad gat);
ads_status ads_stride_positions_on_device(ads_context *ctx, const ads_device *dev,
                                          const ads_tensor *logits, float stride, float origin,
                                          float temperature, ads_tensor *pos);
ads_status ads_stride_positions_backward_on_device(ads_context *ctx, const ads_device *dev,
                                                   const ads_tensor *logits, float stride,
                                                   float temperature, const ads_tensor *gpos,
                                                   ads_tensor *glogits);
ads_status ads_stride_logits_on_device(ads_context *ctx, const ads_device *dev, ads_profile phi,
                                       const ads_tensor *x, const ads_tensor *v_rows,
                                       const ads_tensor *v_cols, ads_tensor *a_rows,
                                       ads_tensor *a_cols);
ads_status ads_stride_logits_backward_on_device(ads_context *ctx, const ads_device *dev,
                                                ads_profile phi, const ads_tensor *x,
                                                const ads_tensor *v_rows, const ads_tensor *v_cols,
                                                const ads_tensor *ga_rows,
                                                const ads_tensor *ga_cols, ads_tensor *gx,
                                                ads_tensor *gv_rows, ads_tensor *gv_cols);

#endif
