// reduce_window2d (0x08): float pooling; the window is clipped to the input, mean divides by the
// number of in-range taps, then the fused clamp.
#include "ops_v4.h"

static int32_t max_i(int32_t a, int32_t b) { return a > b ? a : b; }
static int32_t min_i(int32_t a, int32_t b) { return a < b ? a : b; }

static int32_t windowed(int32_t size, int32_t filter, int32_t stride, int32_t dilation, kv4_padding_t pad) {
    return (size + pad.before + pad.after - ((filter - 1) * dilation + 1) + stride) / stride;
}

void kv4_reduce_window2d(const float *in, float *out, const kv4_reduce_window2d_params_t *p) {
    const kv4_shape_t *s = &p->in_shape;
    int32_t oh = windowed(s->d[2], p->filter_h, p->stride_h, p->dilation_h, p->pad_h);
    int32_t ow = windowed(s->d[3], p->filter_w, p->stride_w, p->dilation_w, p->pad_w);
    for (int32_t n = 0; n < s->d[0]; n++)
        for (int32_t c = 0; c < s->d[1]; c++)
            for (int32_t oy = 0; oy < oh; oy++)
                for (int32_t ox = 0; ox < ow; ox++) {
                    int32_t iy0 = oy * p->stride_h - p->pad_h.before, ix0 = ox * p->stride_w - p->pad_w.before;
                    int32_t ky0 = max_i(0, (-iy0 + p->dilation_h - 1) / p->dilation_h);
                    int32_t ky1 = min_i(p->filter_h, (s->d[2] - iy0 + p->dilation_h - 1) / p->dilation_h);
                    int32_t kx0 = max_i(0, (-ix0 + p->dilation_w - 1) / p->dilation_w);
                    int32_t kx1 = min_i(p->filter_w, (s->d[3] - ix0 + p->dilation_w - 1) / p->dilation_w);
                    float v = p->init;
                    int32_t k = 0;
                    for (int32_t ky = ky0; ky < ky1; ky++)
                        for (int32_t kx = kx0; kx < kx1; kx++, k++) {
                            float x = in[kv4_offset(s, n, c, iy0 + p->dilation_h * ky, ix0 + p->dilation_w * kx)];
                            switch (p->op) {
                                case 1: v = x < v ? x : v; break;
                                case 2: v = v < x ? x : v; break;
                                default: v = v + x; break;
                            }
                        }
                    if (p->op == 0)
                        v = v / (float)k;
                    out[(((size_t)n * s->d[1] + c) * oh + oy) * ow + ox] = kv4_clampf(v, p->act);
                }
}

int kv4_node_reduce_window2d(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 104, "reduce_window2d"))
        return -1;
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    kv4_reduce_window2d_params_t p = { kv4_rd_u32(body + 32), kv4_rd_shape(body + 36), kv4_rd_padding(body + 52),
        kv4_rd_padding(body + 60), kv4_rd_i32(body + 68), kv4_rd_i32(body + 72), kv4_rd_i32(body + 76),
        kv4_rd_i32(body + 80), kv4_rd_i32(body + 84), kv4_rd_i32(body + 88), kv4_rd_f32(body + 92), kv4_rd_vrange(body + 96) };
    if (p.op > 3)
        return kv4_fail(env, 32, "reduce op %u is not one of 0..3 (mean min max sum)", (unsigned)p.op);
    if (kv4_check_shape(env, &p.in_shape, 36, "input shape"))
        return -1;
    if (p.filter_h < 1 || p.filter_w < 1 || p.filter_h > 256 || p.filter_w > 256 || p.stride_h < 1 || p.stride_w < 1
        || p.dilation_h < 1 || p.dilation_w < 1 || p.dilation_h > 64 || p.dilation_w > 64)
        return kv4_fail(env, 68, "window %dx%d, stride %dx%d, dilation %dx%d out of range",
            (int)p.filter_h, (int)p.filter_w, (int)p.stride_h, (int)p.stride_w, (int)p.dilation_h, (int)p.dilation_w);
    int32_t lim = 1 << 16;
    if (p.pad_h.before < -lim || p.pad_h.before > lim || p.pad_h.after < -lim || p.pad_h.after > lim
        || p.pad_w.before < -lim || p.pad_w.before > lim || p.pad_w.after < -lim || p.pad_w.after > lim)
        return kv4_fail(env, 52, "padding out of range");
    int32_t oh = windowed(p.in_shape.d[2], p.filter_h, p.stride_h, p.dilation_h, p.pad_h);
    int32_t ow = windowed(p.in_shape.d[3], p.filter_w, p.stride_w, p.dilation_w, p.pad_w);
    if (oh < 1 || ow < 1)
        return kv4_fail(env, 36, "output would be %dx%d", (int)oh, (int)ow);
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_F32, 4ull * kv4_count(&p.in_shape), 0)
        || kv4_check_mr(env, &o, 16, "output", KV4_DT_F32, 4ull * p.in_shape.d[0] * p.in_shape.d[1] * oh * ow, 1))
        return -1;
    if (env->run)
        kv4_reduce_window2d((const float *)kv4_env_at(env, &in), (float *)kv4_env_at(env, &o), &p);
    return 0;
}
