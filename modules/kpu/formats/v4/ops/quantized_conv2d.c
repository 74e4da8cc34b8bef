// quantized_conv2d (0x0F): acc = bias + sum (x + in_off)(w + f_off) over in-range taps (i32,
// wrapping), out = clamp(mcs(acc, mul, shift) + out_off, 0, 255). Body: the conv2d head, five
// quant args, i32 bias[oc], then u8 weights.
#include "ops_v4.h"

static int32_t max_i(int32_t a, int32_t b) {
    return a > b ? a : b;
}
static int32_t min_i(int32_t a, int32_t b) {
    return a < b ? a : b;
}

void kv4_quantized_conv2d(const uint8_t *in, uint8_t *out, const uint8_t *weights, const uint8_t *bias_le,
    const kv4_conv2d_params_t *p, const kv4_qargs_t *q) {
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
                uint32_t b = kv4_rd_u32(bias_le + 4 * ((size_t)g * g_oc + oc));
                for (int32_t oy = 0; oy < out_h; oy++) {
                    for (int32_t ox = 0; ox < out_w; ox++) {
                        int32_t iy0 = oy * p->stride_h - p->pad_h.before, ix0 = ox * p->stride_w - p->pad_w.before;
                        int32_t ky0 = max_i(0, (-iy0 + p->dilation_h - 1) / p->dilation_h);
                        int32_t ky1 = min_i(p->filter_h, (ih - iy0 + p->dilation_h - 1) / p->dilation_h);
                        int32_t kx0 = max_i(0, (-ix0 + p->dilation_w - 1) / p->dilation_w);
                        int32_t kx1 = min_i(p->filter_w, (iw - ix0 + p->dilation_w - 1) / p->dilation_w);
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
                        int32_t v = (int32_t)((uint32_t)kv4_mcs((int32_t)acc, q->out_mul, (uint32_t)q->out_shift) + (uint32_t)q->out_offset);
                        *out++ = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
                    }
                }
            }
        }
    }
}

int kv4_node_quantized_conv2d(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 116, "quantized_conv2d")) {
        return -EINVAL;
    }
    kv4_conv2d_params_t p;
    int32_t oh, ow;
    if (kv4_conv2d_head(body, env, &p, &oh, &ow)) {
        return -EINVAL;
    }
    kv4_qargs_t q = { kv4_rd_i32(body + 96), kv4_rd_i32(body + 100), kv4_rd_i32(body + 104), kv4_rd_i32(body + 108), kv4_rd_i32(body + 112) };
    if (q.out_shift < 0 || q.out_shift > 62) {
        return kv4_fail(env, 108, "output_shift %d out of range 0..62", (int)q.out_shift);
    }
    uint64_t wn = (uint64_t)p.out_channels * (p.in_shape.d[1] / p.groups) * p.filter_h * p.filter_w;
    if (kv4_need_body(env, size, 116 + 4ull * p.out_channels + wn, "quantized_conv2d bias and weights")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_U8, kernel_count(&p.in_shape), 0)
        || kv4_check_mr(env, &o, 16, "output", KV4_DT_U8, (uint64_t)p.in_shape.d[0] * p.out_channels * oh * ow, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kv4_quantized_conv2d(kv4_env_at(env, &in), kv4_env_at(env, &o), body + 116 + 4 * p.out_channels, body + 116, &p, &q);
    }
    return 0;
}
