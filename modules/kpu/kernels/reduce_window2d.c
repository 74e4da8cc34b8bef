// reduce_window2d (kernels.h). Window positions are 64-bit: a stride times an output index can
// pass 2^31 before the clip.
#include <string.h>

#include "kernels.h"

static int64_t max_i(int64_t a, int64_t b) {
    return a > b ? a : b;
}

static int64_t min_i(int64_t a, int64_t b) {
    return a < b ? a : b;
}

static float get(const void *in, kernel_dtype_t dtype, size_t i) {
    if (dtype == KERNEL_U8) {
        return (float)((const uint8_t *)in)[i];
    }
    return ((const float *)in)[i];
}

void kernel_reduce_window2d(const void *in, void *out, const kernel_reduce_window2d_params_t *p) {
    const kernel_shape_t *s = &p->in_shape;
    int64_t ih = s->d[2], iw = s->d[3], dh = p->dilation_h, dw = p->dilation_w;
    size_t o = 0;
    for (int32_t n = 0; n < s->d[0]; n++) {
        for (int32_t c = 0; c < s->d[1]; c++) {
            size_t plane = kernel_offset(s, n, c, 0, 0);
            for (int64_t oy = 0; oy < p->out_h; oy++) {
                for (int64_t ox = 0; ox < p->out_w; ox++, o++) {
                    int64_t iy0 = oy * p->stride_h - p->pad_h.before, ix0 = ox * p->stride_w - p->pad_w.before;
                    int64_t ky0 = max_i(0, (-iy0 + dh - 1) / dh), ky1 = min_i(p->filter_h, (ih - iy0 + dh - 1) / dh);
                    int64_t kx0 = max_i(0, (-ix0 + dw - 1) / dw), kx1 = min_i(p->filter_w, (iw - ix0 + dw - 1) / dw);
                    float v = p->init;
                    int32_t k = 0;
                    for (int64_t ky = ky0; ky < ky1; ky++) {
                        for (int64_t kx = kx0; kx < kx1; kx++, k++) {
                            float x = get(in, p->dtype, plane + (size_t)((iy0 + dh * ky) * iw + ix0 + dw * kx));
                            v = kernel_reduce_fold(p->op, v, x);
                        }
                    }
                    if (p->op == KERNEL_REDUCE_MEAN) {
                        v = v / (float)k;
                    }
                    v = kernel_clamp(v, p->act);
                    if (p->dtype == KERNEL_U8) {
                        ((uint8_t *)out)[o] = (uint8_t)(int32_t)v;
                    } else {
                        ((float *)out)[o] = v;
                    }
                }
            }
        }
    }
}
