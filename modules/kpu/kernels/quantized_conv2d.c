// quantized_conv2d (kernels.h).
#include "kernels.h"

void kernel_quantized_conv2d(const uint8_t *in, uint8_t *out, const uint8_t *weights, const uint8_t *bias_le,
    const kernel_conv2d_params_t *p, const kernel_qargs_t *q) {
    const kernel_shape_t *s = &p->in_shape;
    int32_t ih = s->d[2], iw = s->d[3];
    int32_t out_h = (ih + p->pad_h.before + p->pad_h.after - ((p->filter_h - 1) * p->dilation_h + 1) + p->stride_h) / p->stride_h;
    int32_t out_w = (iw + p->pad_w.before + p->pad_w.after - ((p->filter_w - 1) * p->dilation_w + 1) + p->stride_w) / p->stride_w;
    int32_t g_ic = s->d[1] / p->groups, g_oc = p->out_channels / p->groups;
    size_t plane = (size_t)ih * iw, ksize = (size_t)p->filter_h * p->filter_w;
    for (int32_t n = 0; n < s->d[0]; n++) {
        for (int32_t g = 0; g < p->groups; g++) {
            const uint8_t *in_g = in + ((size_t)n * s->d[1] + (size_t)g * g_ic) * plane;
            for (int32_t oc = 0; oc < g_oc; oc++) {
                const uint8_t *w_oc = weights + ((size_t)g * g_oc + oc) * g_ic * ksize;
                uint32_t b = kernel_le_u32(bias_le + 4 * ((size_t)g * g_oc + oc));
                for (int32_t oy = 0; oy < out_h; oy++) {
                    for (int32_t ox = 0; ox < out_w; ox++) {
                        int32_t iy0 = oy * p->stride_h - p->pad_h.before, ix0 = ox * p->stride_w - p->pad_w.before;
                        int32_t ky0 = kernel_max_i32(0, (-iy0 + p->dilation_h - 1) / p->dilation_h);
                        int32_t ky1 = kernel_min_i32(p->filter_h, (ih - iy0 + p->dilation_h - 1) / p->dilation_h);
                        int32_t kx0 = kernel_max_i32(0, (-ix0 + p->dilation_w - 1) / p->dilation_w);
                        int32_t kx1 = kernel_min_i32(p->filter_w, (iw - ix0 + p->dilation_w - 1) / p->dilation_w);
                        uint32_t acc = b;
                        for (int32_t ic = 0; ic < g_ic; ic++) {
                            const uint8_t *ip = in_g + (size_t)ic * plane;
                            const uint8_t *wp = w_oc + (size_t)ic * ksize;
                            for (int32_t ky = ky0; ky < ky1; ky++) {
                                for (int32_t kx = kx0; kx < kx1; kx++) {
                                    uint32_t x = (uint32_t)ip[(iy0 + p->dilation_h * ky) * iw + ix0 + p->dilation_w * kx] + (uint32_t)q->in_offset;
                                    uint32_t w = (uint32_t)wp[ky * p->filter_w + kx] + (uint32_t)q->filter_offset;
                                    acc += x * w;
                                }
                            }
                        }
                        int32_t v = (int32_t)((uint32_t)kernel_mul_carry_shift((int32_t)acc, q->out_mul, (uint32_t)q->out_shift) + (uint32_t)q->out_offset);
                        *out++ = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
                    }
                }
            }
        }
    }
}
