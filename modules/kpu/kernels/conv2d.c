// conv2d (kernels.h).
#include "kernels.h"

void kernel_conv2d(const float *in, float *out, const float *weights, const float *bias, const kernel_conv2d_params_t *p) {
    const kernel_shape_t *s = &p->in_shape;
    int32_t out_h = kernel_windowed(s->d[2], p->filter_h, p->stride_h, p->dilation_h, p->pad_h);
    int32_t out_w = kernel_windowed(s->d[3], p->filter_w, p->stride_w, p->dilation_w, p->pad_w);
    int32_t g_ic = s->d[1] / p->groups, g_oc = p->out_channels / p->groups;
    size_t plane = (size_t)s->d[2] * s->d[3], ksize = (size_t)p->filter_h * p->filter_w;
    for (int32_t n = 0; n < s->d[0]; n++) {
        const float *in_n = in + (size_t)n * s->d[1] * plane;
        for (int32_t g = 0; g < p->groups; g++) {
            const float *in_g = in_n + (size_t)g * g_ic * plane;
            for (int32_t oc = 0; oc < g_oc; oc++) {
                const float *w_oc = weights + ((size_t)g * g_oc + oc) * g_ic * ksize;
                for (int32_t oy = 0; oy < out_h; oy++) {
                    for (int32_t ox = 0; ox < out_w; ox++) {
                        int32_t iy0 = oy * p->stride_h - p->pad_h.before, ix0 = ox * p->stride_w - p->pad_w.before;
                        int32_t ky0 = kernel_max_i32(0, (-iy0 + p->dilation_h - 1) / p->dilation_h);
                        int32_t ky1 = kernel_min_i32(p->filter_h, (s->d[2] - iy0 + p->dilation_h - 1) / p->dilation_h);
                        int32_t kx0 = kernel_max_i32(0, (-ix0 + p->dilation_w - 1) / p->dilation_w);
                        int32_t kx1 = kernel_min_i32(p->filter_w, (s->d[3] - ix0 + p->dilation_w - 1) / p->dilation_w);
                        float v = bias[g * g_oc + oc];
                        for (int32_t ic = 0; ic < g_ic; ic++) {
                            const float *ip = in_g + (size_t)ic * plane;
                            const float *wp = w_oc + (size_t)ic * ksize;
                            for (int32_t ky = ky0; ky < ky1; ky++) {
                                for (int32_t kx = kx0; kx < kx1; kx++) {
                                    v += ip[(iy0 + p->dilation_h * ky) * s->d[3] + ix0 + p->dilation_w * kx] * wp[ky * p->filter_w + kx];
                                }
                            }
                        }
                        *out++ = kernel_clamp(v, p->act);
                    }
                }
            }
        }
    }
}

// Shared with quantized_conv2d: the common head of both bodies (offsets 32..96).
