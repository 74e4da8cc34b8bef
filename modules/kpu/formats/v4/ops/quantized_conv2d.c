// quantized_conv2d (0x0F): acc = bias + sum (x + in_off)(w + f_off) over in-range taps (i32,
// wrapping), out = clamp(mcs(acc, mul, shift) + out_off, 0, 255). Body: the conv2d head, five
// quant args, i32 bias[oc], then u8 weights.
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_quantized_conv2d(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 116, "quantized_conv2d")) {
        return -EINVAL;
    }
    kernel_conv2d_params_t p;
    int32_t oh, ow;
    if (kv4_conv2d_head(body, env, &p, &oh, &ow)) {
        return -EINVAL;
    }
    kernel_qargs_t q = { kv4_rd_i32(body + 96), kv4_rd_i32(body + 100), kv4_rd_i32(body + 104), kv4_rd_i32(body + 108), kv4_rd_i32(body + 112) };
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
        kernel_quantized_conv2d(kv4_env_at(env, &in), kv4_env_at(env, &o), body + 116 + 4 * p.out_channels, body + 116, &p, &q);
    }
    return 0;
}
