// conv2d_transpose (kernels.h).
#include <float.h>

#include "kernels.h"

void kernel_conv2d_transpose(const float *in, float *out, const float *weights, const kernel_conv2d_transpose_params_t *p) {
    const kernel_shape_t *is = &p->in_shape, *os = &p->out_shape;
    size_t out_n = kernel_count(os);
    for (size_t i = 0; i < out_n; i++) {
        out[i] = 0.0f;
    }
    int32_t g_ic = is->d[1] / p->groups, g_oc = os->d[1] / p->groups;
    size_t oplane = (size_t)os->d[2] * os->d[3], ksize = (size_t)p->filter_h * p->filter_w;
    for (int32_t n = 0; n < is->d[0]; n++) {
        float *out_n_p = out + (size_t)n * os->d[1] * oplane;
        for (int32_t g = 0; g < p->groups; g++) {
            float *out_g = out_n_p + (size_t)g * g_oc * oplane;
            const float *w_g = weights + (size_t)g * g_oc * g_ic * ksize;
            for (int32_t ic = 0; ic < g_ic; ic++) {
                for (int32_t iy = 0; iy < is->d[2]; iy++) {
                    for (int32_t ix = 0; ix < is->d[3]; ix++) {
                        int32_t oy0 = iy * p->stride_h - p->pad_h.before, ox0 = ix * p->stride_w - p->pad_w.before;
                        int32_t ky0 = kernel_max_i32(0, (-oy0 + p->dilation_h - 1) / p->dilation_h);
                        int32_t ky1 = kernel_min_i32(p->filter_h, (os->d[2] - oy0 + p->dilation_h - 1) / p->dilation_h);
                        int32_t kx0 = kernel_max_i32(0, (-ox0 + p->dilation_w - 1) / p->dilation_w);
                        int32_t kx1 = kernel_min_i32(p->filter_w, (os->d[3] - ox0 + p->dilation_w - 1) / p->dilation_w);
                        float v = *in++;
                        for (int32_t oc = 0; oc < g_oc; oc++) {
                            float *oc_p = out_g + (size_t)oc * oplane;
                            const float *wp = w_g + ((size_t)oc * g_ic + ic) * ksize;
                            for (int32_t ky = ky0; ky < ky1; ky++) {
                                for (int32_t kx = kx0; kx < kx1; kx++) {
                                    oc_p[(size_t)(oy0 + p->dilation_h * ky) * os->d[3] + ox0 + p->dilation_w * kx] += v * wp[ky * p->filter_w + kx];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    if (!(p->act.lo == -FLT_MAX && p->act.hi == FLT_MAX)) {
        for (size_t i = 0; i < out_n; i++) {
            out[i] = kernel_clamp(out[i], p->act);
        }
    }
}
