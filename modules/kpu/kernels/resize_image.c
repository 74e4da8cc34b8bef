// resize_image (kernels.h).
#include <string.h>

#include "kernels.h"

static float get(const uint8_t *in, kernel_dtype_t dtype, size_t i) {
    if (dtype == KERNEL_U8) {
        return (float)in[i];
    }
    float f;
    memcpy(&f, in + 4 * i, 4);
    return f;
}

static void put(uint8_t *out, kernel_dtype_t dtype, size_t i, float v) {
    if (dtype == KERNEL_U8) {
        out[i] = (uint8_t)(int32_t)v;       // T(v): truncation (v is within 0..255 by construction)
    } else {
        memcpy(out + 4 * i, &v, 4);
    }
}

// The two source coordinates of output o along an axis of `in` elements and the weight of the
// second. nncase 0.x: v = o * scale, i0 = floor(v), i1 = i0 + 1. nncase 1.x (kmodel-v5-spec.md
// 5.1): half-pixel centres shift v, nearest rounds when corners align, and i1 = ceil(v). Both
// keep indices inside the axis (float rounding guard).
typedef struct {
    int32_t i0, i1;
    float f;
} tap_t;

static tap_t tap(int32_t o, float scale, int32_t in, const kernel_resize_image_params_t *p) {
    bool v1 = p->rules == KERNEL_RESIZE_NNCASE1, hpc = v1 && p->half_pixel;
    tap_t t;
    float v = hpc ? (o + 0.5f) * scale : o * scale;
    if (p->mode == KERNEL_RESIZE_NEAREST) {
        t.i0 = (int32_t)(v1 && p->align_corners ? roundf(v) : floorf(v));
    } else {
        v = hpc ? v - 0.5f : v;
        t.i0 = (int32_t)floorf(v);
    }
    t.i0 = kernel_max_i32(kernel_min_i32(t.i0, in - 1), 0);
    t.i1 = p->mode == KERNEL_RESIZE_NEAREST ? t.i0 : kernel_min_i32(v1 ? (int32_t)ceilf(v) : t.i0 + 1, in - 1);
    t.i1 = kernel_max_i32(t.i1, 0);
    t.f = v - t.i0;
    return t;
}

void kernel_resize_image(const uint8_t *in, uint8_t *out, const kernel_resize_image_params_t *p) {
    const kernel_shape_t *s = &p->in_shape;
    int32_t ih = s->d[2], iw = s->d[3];
    size_t e = p->dtype == KERNEL_U8 ? 1 : 4;
    bool v1 = p->rules == KERNEL_RESIZE_NNCASE1, corners = p->align_corners && (v1 || p->mode == KERNEL_RESIZE_BILINEAR);
    float hs = corners && p->out_h > 1 ? (float)(ih - 1) / (p->out_h - 1) : (float)ih / p->out_h;
    float ws = corners && p->out_w > 1 ? (float)(iw - 1) / (p->out_w - 1) : (float)iw / p->out_w;
    bool round_half = v1 && p->dtype == KERNEL_U8;   // nncase 1.x: + 0.5 before the truncation
    size_t o = 0;
    for (int32_t n = 0; n < s->d[0]; n++) {
        for (int32_t c = 0; c < s->d[1]; c++) {
            size_t base = kernel_offset(s, n, c, 0, 0);
            for (int32_t oy = 0; oy < p->out_h; oy++) {
                tap_t ty = tap(oy, hs, ih, p);
                size_t r0 = base + (size_t)ty.i0 * iw, r1 = base + (size_t)ty.i1 * iw;
                for (int32_t ox = 0; ox < p->out_w; ox++, o++) {
                    tap_t tx = tap(ox, ws, iw, p);
                    if (p->mode == KERNEL_RESIZE_NEAREST) {
                        memcpy(out + o * e, in + (r0 + tx.i0) * e, e);
                        continue;
                    }
                    float v00 = get(in, p->dtype, r0 + tx.i0), v10 = get(in, p->dtype, r1 + tx.i0);
                    float v01 = get(in, p->dtype, r0 + tx.i1), v11 = get(in, p->dtype, r1 + tx.i1);
                    float dy = ty.f, dx = tx.f;
                    float a0 = (1 - dy) * (1 - dx), a1 = dy * (1 - dx), a2 = (1 - dy) * dx, a3 = dy * dx;
                    float v = v00 * a0 + v10 * a1 + v01 * a2 + v11 * a3;
                    put(out, p->dtype, o, round_half ? v + 0.5f : v);
                }
            }
        }
    }
}
