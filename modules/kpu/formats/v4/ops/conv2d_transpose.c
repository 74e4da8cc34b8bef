// conv2d_transpose (0x13): scatter form. out is zeroed, each input pixel adds in * w to the
// outputs its filter covers, then the clamp unless value_range is the full float range. The
// body carries a bias that the nncase 0.2 kernel never adds; we do the same for exactness.
#include <float.h>

#include "kernels.h"
#include "ops_v4.h"

int kv4_node_conv2d_transpose(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 116, "conv2d_transpose")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    kernel_conv2d_transpose_params_t p = { kv4_rd_shape(body + 32), kv4_rd_shape(body + 48), kv4_rd_i32(body + 64),
        kv4_rd_padding(body + 68), kv4_rd_padding(body + 76), kv4_rd_i32(body + 84), kv4_rd_i32(body + 88),
        kv4_rd_i32(body + 92), kv4_rd_i32(body + 96), kv4_rd_i32(body + 100), kv4_rd_i32(body + 104), kv4_rd_vrange(body + 108) };
    if (kv4_check_shape(env, &p.in_shape, 32, "input shape") || kv4_check_shape(env, &p.out_shape, 48, "output shape")) {
        return -EINVAL;
    }
    if (p.in_shape.d[0] != p.out_shape.d[0]) {
        return kv4_fail(env, 48, "output batch %d differs from input batch %d", (int)p.out_shape.d[0], (int)p.in_shape.d[0]);
    }
    if (p.groups < 1 || p.in_shape.d[1] % p.groups || p.out_shape.d[1] % p.groups) {
        return kv4_fail(env, 64, "groups %d do not divide %d input / %d output channels", (int)p.groups,
            (int)p.in_shape.d[1], (int)p.out_shape.d[1]);
    }
    if (p.filter_h < 1 || p.filter_w < 1 || p.filter_h > 64 || p.filter_w > 64 || p.stride_h < 1 || p.stride_w < 1
        || p.stride_h > 64 || p.stride_w > 64 || p.dilation_h < 1 || p.dilation_w < 1 || p.dilation_h > 64 || p.dilation_w > 64) {
        return kv4_fail(env, 84, "filter/stride/dilation out of range");
    }
    int32_t lim = 1 << 16;
    if (p.pad_h.before < -lim || p.pad_h.before > lim || p.pad_w.before < -lim || p.pad_w.before > lim) {
        return kv4_fail(env, 68, "padding out of range");
    }
    uint64_t wn = (uint64_t)p.out_shape.d[1] * (p.in_shape.d[1] / p.groups) * p.filter_h * p.filter_w;
    if (kv4_need_body(env, size, 116 + 4 * (wn + (uint64_t)p.out_shape.d[1]), "conv2d_transpose weights and bias")
        || kv4_check_f32_ptr(env, body + 116, 116, "conv2d_transpose weights")) {
        return -EINVAL;
    }
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_F32, 4ull * kernel_count(&p.in_shape), 0)
        || kv4_check_mr(env, &o, 16, "output", KV4_DT_F32, 4ull * kernel_count(&p.out_shape), 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_conv2d_transpose((const float *)kv4_env_at(env, &in), (float *)kv4_env_at(env, &o), (const float *)(body + 116), &p);
    }
    return 0;
}
