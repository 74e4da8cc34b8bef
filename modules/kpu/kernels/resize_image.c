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

// Source index of output o: floor(o * scale), never past the map (float rounding guard).
static int32_t source(int32_t o, float scale, int32_t in) {
    int32_t i = (int32_t)floorf(o * scale);
    return i < in - 1 ? i : in - 1;
}

static void bilinear_row(const uint8_t *in, uint8_t *out, size_t o, size_t base, int32_t oy, float hs, float ws,
    const kernel_resize_image_params_t *p) {
    int32_t ih = p->in_shape.d[2], iw = p->in_shape.d[3];
    float fy = oy * hs;
    int32_t y0 = source(oy, hs, ih), y1 = y0 + 1 < ih - 1 ? y0 + 1 : ih - 1;
    for (int32_t ox = 0; ox < p->out_w; ox++, o++) {
        float fx = ox * ws;
        int32_t x0 = source(ox, ws, iw), x1 = x0 + 1 < iw - 1 ? x0 + 1 : iw - 1;
        float v0 = get(in, p->dtype, base + (size_t)y0 * iw + x0);
        float v1 = get(in, p->dtype, base + (size_t)y1 * iw + x0);
        float v2 = get(in, p->dtype, base + (size_t)y0 * iw + x1);
        float v3 = get(in, p->dtype, base + (size_t)y1 * iw + x1);
        float dy = fy - y0, dx = fx - x0;
        float a0 = (1 - dy) * (1 - dx), a1 = dy * (1 - dx), a2 = (1 - dy) * dx, a3 = dy * dx;
        put(out, p->dtype, o, v0 * a0 + v1 * a1 + v2 * a2 + v3 * a3);
    }
}

void kernel_resize_image(const uint8_t *in, uint8_t *out, const kernel_resize_image_params_t *p) {
    const kernel_shape_t *s = &p->in_shape;
    int32_t ih = s->d[2], iw = s->d[3];
    size_t e = p->dtype == KERNEL_U8 ? 1 : 4;
    float hs = (float)ih / p->out_h, ws = (float)iw / p->out_w;
    if (p->mode == KERNEL_RESIZE_BILINEAR && p->align_corners && p->out_h > 1) {
        hs = (float)(ih - 1) / (p->out_h - 1);
    }
    if (p->mode == KERNEL_RESIZE_BILINEAR && p->align_corners && p->out_w > 1) {
        ws = (float)(iw - 1) / (p->out_w - 1);
    }
    size_t o = 0;
    for (int32_t n = 0; n < s->d[0]; n++) {
        for (int32_t c = 0; c < s->d[1]; c++) {
            size_t base = kernel_offset(s, n, c, 0, 0);
            for (int32_t oy = 0; oy < p->out_h; oy++, o += p->out_w) {
                if (p->mode == KERNEL_RESIZE_BILINEAR) {
                    bilinear_row(in, out, o, base, oy, hs, ws, p);
                    continue;
                }
                int32_t y = source(oy, hs, ih);
                for (int32_t ox = 0; ox < p->out_w; ox++) {
                    memcpy(out + (o + ox) * e, in + (base + (size_t)y * iw + source(ox, ws, iw)) * e, e);
                }
            }
        }
    }
}
