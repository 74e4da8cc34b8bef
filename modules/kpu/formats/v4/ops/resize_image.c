// resize_image (0x0A): nearest neighbour or bilinear, f32 or u8 (by the input datatype).
// nearest: src = min(floor(o * in/out), in-1). bilinear: scale in/out, or (in-1)/(out-1) with
// align_corners; 4-neighbour weights in f32; a u8 result is truncated.
#include <math.h>

#include "ops_v4.h"

static float get(const uint8_t *in, uint32_t dtype, size_t i) {
    if (dtype == KV4_DT_U8)
        return (float)in[i];
    float f;
    memcpy(&f, in + 4 * i, 4);
    return f;
}

static void put(uint8_t *out, uint32_t dtype, size_t i, float v) {
    if (dtype == KV4_DT_U8)
        out[i] = (uint8_t)(int32_t)v;     // T(v): truncation (v is within 0..255 by construction)
    else
        memcpy(out + 4 * i, &v, 4);
}

void kv4_resize_image(const uint8_t *in, uint8_t *out, const kv4_resize_params_t *p) {
    const kv4_shape_t *s = &p->in_shape;
    int32_t ih = s->d[2], iw = s->d[3], e = (int32_t)kv4_dt_bytes(p->dtype);
    float hs = (float)ih / p->out_h, ws = (float)iw / p->out_w;
    if (p->mode == 0 && p->align_corners && p->out_h > 1)
        hs = (float)(ih - 1) / (p->out_h - 1);
    if (p->mode == 0 && p->align_corners && p->out_w > 1)
        ws = (float)(iw - 1) / (p->out_w - 1);
    size_t o = 0;
    for (int32_t n = 0; n < s->d[0]; n++)
        for (int32_t c = 0; c < s->d[1]; c++) {
            size_t base = ((size_t)n * s->d[1] + c) * ih * iw;
            for (int32_t oy = 0; oy < p->out_h; oy++) {
                if (p->mode != 0) {
                    int32_t y = (int32_t)floorf(oy * hs);
                    y = y < ih - 1 ? y : ih - 1;
                    for (int32_t ox = 0; ox < p->out_w; ox++, o++) {
                        int32_t x = (int32_t)floorf(ox * ws);
                        x = x < iw - 1 ? x : iw - 1;
                        memcpy(out + o * e, in + (base + (size_t)y * iw + x) * e, e);
                    }
                    continue;
                }
                float fy = oy * hs;
                int32_t y0 = (int32_t)floorf(fy);
                y0 = y0 < ih - 1 ? y0 : ih - 1;    // never past the map (float rounding guard)
                int32_t y1 = y0 + 1 < ih - 1 ? y0 + 1 : ih - 1;
                for (int32_t ox = 0; ox < p->out_w; ox++, o++) {
                    float fx = ox * ws;
                    int32_t x0 = (int32_t)floorf(fx);
                    x0 = x0 < iw - 1 ? x0 : iw - 1;
                    int32_t x1 = x0 + 1 < iw - 1 ? x0 + 1 : iw - 1;
                    float v0 = get(in, p->dtype, base + (size_t)y0 * iw + x0);
                    float v1 = get(in, p->dtype, base + (size_t)y1 * iw + x0);
                    float v2 = get(in, p->dtype, base + (size_t)y0 * iw + x1);
                    float v3 = get(in, p->dtype, base + (size_t)y1 * iw + x1);
                    float dy = fy - y0, dx = fx - x0;
                    float a0 = (1 - dy) * (1 - dx), a1 = dy * (1 - dx), a2 = (1 - dy) * dx, a3 = dy * dx;
                    put(out, p->dtype, o, v0 * a0 + v1 * a1 + v2 * a2 + v3 * a3);
                }
            }
        }
}

int kv4_node_resize_image(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 61, "resize_image"))
        return -1;
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    kv4_resize_params_t p = { kv4_rd_shape(body + 32), kv4_rd_i32(body + 48), kv4_rd_i32(body + 52),
        kv4_rd_u32(body + 56), body[60] != 0, in.dtype };
    if (p.mode > 1)
        return kv4_fail(env, 56, "resize mode %u is not 0 (bilinear) or 1 (nearest)", (unsigned)p.mode);
    if (kv4_check_shape(env, &p.in_shape, 32, "input shape"))
        return -1;
    if (p.out_h < 1 || p.out_w < 1 || p.out_h > (1 << 16) || p.out_w > (1 << 16))
        return kv4_fail(env, 48, "output size %dx%d out of range", (int)p.out_h, (int)p.out_w);
    if (in.dtype > KV4_DT_U8)
        return kv4_check_mr(env, &in, 0, "input", -1, 0, 0);
    uint32_t e = kv4_dt_bytes(in.dtype);
    if (kv4_check_mr(env, &in, 0, "input", -1, (uint64_t)e * kv4_count(&p.in_shape), 0)
        || kv4_check_mr(env, &o, 16, "output", (int)in.dtype,
            (uint64_t)e * p.in_shape.d[0] * p.in_shape.d[1] * p.out_h * p.out_w, 1))
        return -1;
    if (env->run)
        kv4_resize_image(kv4_env_at(env, &in), kv4_env_at(env, &o), &p);
    return 0;
}
