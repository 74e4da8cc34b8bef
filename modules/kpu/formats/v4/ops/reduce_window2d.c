// reduce_window2d (0x08): body -> kernel_reduce_window2d (f32), the output sized by
// kernel_windowed.
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_reduce_window2d(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 104, "reduce_window2d")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    uint32_t op = kv4_rd_u32(body + 32);
    if (op > 3) {
        return kv4_fail(env, 32, "reduce op %u is not one of 0..3 (mean min max sum)", (unsigned)op);
    }
    kernel_reduce_window2d_params_t p = { (kernel_reduce_op_t)op, KERNEL_F32, kv4_rd_shape(body + 36), 0, 0,
        kv4_rd_padding(body + 52), kv4_rd_padding(body + 60), kv4_rd_i32(body + 68), kv4_rd_i32(body + 72),
        kv4_rd_i32(body + 76), kv4_rd_i32(body + 80), kv4_rd_i32(body + 84), kv4_rd_i32(body + 88),
        kv4_rd_f32(body + 92), kv4_rd_vrange(body + 96) };
    if (kv4_check_shape(env, &p.in_shape, 36, "input shape")) {
        return -EINVAL;
    }
    if (p.filter_h < 1 || p.filter_w < 1 || p.filter_h > 256 || p.filter_w > 256 || p.stride_h < 1 || p.stride_w < 1
        || p.dilation_h < 1 || p.dilation_w < 1 || p.dilation_h > 64 || p.dilation_w > 64) {
        return kv4_fail(env, 68, "window %dx%d, stride %dx%d, dilation %dx%d out of range",
            (int)p.filter_h, (int)p.filter_w, (int)p.stride_h, (int)p.stride_w, (int)p.dilation_h, (int)p.dilation_w);
    }
    int32_t lim = 1 << 16;
    if (p.pad_h.before < -lim || p.pad_h.before > lim || p.pad_h.after < -lim || p.pad_h.after > lim
        || p.pad_w.before < -lim || p.pad_w.before > lim || p.pad_w.after < -lim || p.pad_w.after > lim) {
        return kv4_fail(env, 52, "padding out of range");
    }
    p.out_h = kernel_windowed(p.in_shape.d[2], p.filter_h, p.stride_h, p.dilation_h, p.pad_h);
    p.out_w = kernel_windowed(p.in_shape.d[3], p.filter_w, p.stride_w, p.dilation_w, p.pad_w);
    if (p.out_h < 1 || p.out_w < 1) {
        return kv4_fail(env, 36, "output would be %dx%d", (int)p.out_h, (int)p.out_w);
    }
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_F32, 4ull * kernel_count(&p.in_shape), 0)
        || kv4_check_mr(env, &o, 16, "output", KV4_DT_F32, 4ull * p.in_shape.d[0] * p.in_shape.d[1] * p.out_h * p.out_w, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_reduce_window2d(kv4_env_at(env, &in), kv4_env_at(env, &o), &p);
    }
    return 0;
}
