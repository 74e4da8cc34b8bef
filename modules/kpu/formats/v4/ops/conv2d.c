// conv2d (0x02): float grouped convolution; taps outside the input are skipped; the sum starts
// from the bias and adds taps in (ic, ky, kx) order (this order decides the last ulp).
#include "ops_v4.h"

static int32_t max_i(int32_t a, int32_t b) {
    return a > b ? a : b;
}
static int32_t min_i(int32_t a, int32_t b) {
    return a < b ? a : b;
}

static int32_t windowed(int32_t size, int32_t filter, int32_t stride, int32_t dilation, kernel_padding_t pad) {
    int32_t eff = (filter - 1) * dilation + 1;
    return (size + pad.before + pad.after - eff + stride) / stride;
}

void kv4_conv2d(const float *in, float *out, const float *weights, const float *bias, const kv4_conv2d_params_t *p) {
    const kernel_shape_t *s = &p->in_shape;
    int32_t out_h = windowed(s->d[2], p->filter_h, p->stride_h, p->dilation_h, p->pad_h);
    int32_t out_w = windowed(s->d[3], p->filter_w, p->stride_w, p->dilation_w, p->pad_w);
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
                        int32_t ky0 = max_i(0, (-iy0 + p->dilation_h - 1) / p->dilation_h);
                        int32_t ky1 = min_i(p->filter_h, (s->d[2] - iy0 + p->dilation_h - 1) / p->dilation_h);
                        int32_t kx0 = max_i(0, (-ix0 + p->dilation_w - 1) / p->dilation_w);
                        int32_t kx1 = min_i(p->filter_w, (s->d[3] - ix0 + p->dilation_w - 1) / p->dilation_w);
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
int kv4_conv2d_head(const uint8_t *body, kv4_env_t *env, kv4_conv2d_params_t *p, int32_t *out_h, int32_t *out_w) {
    p->in_shape = kv4_rd_shape(body + 32);
    p->groups = kv4_rd_i32(body + 48);
    p->out_channels = kv4_rd_i32(body + 52);
    p->pad_h = kv4_rd_padding(body + 56);
    p->pad_w = kv4_rd_padding(body + 64);
    p->filter_h = kv4_rd_i32(body + 72);
    p->filter_w = kv4_rd_i32(body + 76);
    p->stride_h = kv4_rd_i32(body + 80);
    p->stride_w = kv4_rd_i32(body + 84);
    p->dilation_h = kv4_rd_i32(body + 88);
    p->dilation_w = kv4_rd_i32(body + 92);
    if (kv4_check_shape(env, &p->in_shape, 32, "input shape")) {
        return -EINVAL;
    }
    if (p->groups < 1 || p->out_channels < 1 || p->in_shape.d[1] % p->groups || p->out_channels % p->groups) {
        return kv4_fail(env, 48, "groups %d do not divide %d input / %d output channels",
            (int)p->groups, (int)p->in_shape.d[1], (int)p->out_channels);
    }
    if (p->filter_h < 1 || p->filter_w < 1 || p->filter_h > 64 || p->filter_w > 64 || p->stride_h < 1 || p->stride_w < 1
        || p->dilation_h < 1 || p->dilation_w < 1 || p->dilation_h > 64 || p->dilation_w > 64) {
        return kv4_fail(env, 72, "filter %dx%d, stride %dx%d, dilation %dx%d out of range",
            (int)p->filter_h, (int)p->filter_w, (int)p->stride_h, (int)p->stride_w, (int)p->dilation_h, (int)p->dilation_w);
    }
    int32_t lim = 1 << 16;
    if (p->pad_h.before < -lim || p->pad_h.before > lim || p->pad_h.after < -lim || p->pad_h.after > lim
        || p->pad_w.before < -lim || p->pad_w.before > lim || p->pad_w.after < -lim || p->pad_w.after > lim) {
        return kv4_fail(env, 56, "padding out of range");
    }
    *out_h = windowed(p->in_shape.d[2], p->filter_h, p->stride_h, p->dilation_h, p->pad_h);
    *out_w = windowed(p->in_shape.d[3], p->filter_w, p->stride_w, p->dilation_w, p->pad_w);
    if (*out_h < 1 || *out_w < 1) {
        return kv4_fail(env, 32, "output would be %dx%d", (int)*out_h, (int)*out_w);
    }
    return 0;
}

int kv4_node_conv2d(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 104, "conv2d")) {
        return -EINVAL;
    }
    kv4_conv2d_params_t p;
    int32_t oh, ow;
    if (kv4_conv2d_head(body, env, &p, &oh, &ow)) {
        return -EINVAL;
    }
    p.act = kv4_rd_vrange(body + 96);
    uint64_t wn = (uint64_t)p.out_channels * (p.in_shape.d[1] / p.groups) * p.filter_h * p.filter_w;
    if (kv4_need_body(env, size, 104 + 4 * (wn + (uint64_t)p.out_channels), "conv2d weights and bias")
        || kv4_check_f32_ptr(env, body + 104, 104, "conv2d weights")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    uint64_t out_n = (uint64_t)p.in_shape.d[0] * p.out_channels * oh * ow;
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_F32, 4ull * kernel_count(&p.in_shape), 0)
        || kv4_check_mr(env, &o, 16, "output", KV4_DT_F32, 4 * out_n, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        const float *w = (const float *)(body + 104);
        kv4_conv2d((const float *)kv4_env_at(env, &in), (float *)kv4_env_at(env, &o), w, w + wn, &p);
    }
    return 0;
}
