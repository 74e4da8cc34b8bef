// conv2d (0x02): float grouped convolution; taps outside the input are skipped; the sum starts
// from the bias and adds taps in (ic, ky, kx) order (this order decides the last ulp).
#include "kernels.h"
#include "ops_v4.h"

int kv4_conv2d_head(const uint8_t *body, kv4_env_t *env, kernel_conv2d_params_t *p, int32_t *out_h, int32_t *out_w) {
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
    *out_h = kernel_windowed(p->in_shape.d[2], p->filter_h, p->stride_h, p->dilation_h, p->pad_h);
    *out_w = kernel_windowed(p->in_shape.d[3], p->filter_w, p->stride_w, p->dilation_w, p->pad_w);
    if (*out_h < 1 || *out_w < 1) {
        return kv4_fail(env, 32, "output would be %dx%d", (int)*out_h, (int)*out_w);
    }
    return 0;
}

int kv4_node_conv2d(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 104, "conv2d")) {
        return -EINVAL;
    }
    kernel_conv2d_params_t p;
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
        kernel_conv2d((const float *)kv4_env_at(env, &in), (float *)kv4_env_at(env, &o), w, w + wn, &p);
    }
    return 0;
}
