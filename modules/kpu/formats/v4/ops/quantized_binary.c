// quantized_binary (0x11): a' = mcs(a + a_off, a_mul, a_shift), b' likewise, v = op(a', b')
// (i32; div = (a + b/2) / b), out = clamp(mcs(v, out_mul, out_shift) + out_offset, 0, 255).
// Broadcasting as binary. Integer overflow wraps and x/0 = -1, as on the K210 (RISC-V).
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_quantized_binary(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 136, "quantized_binary")) {
        return -EINVAL;
    }
    kv4_mr_t a = kv4_rd_mr(body), b = kv4_rd_mr(body + 16), o = kv4_rd_mr(body + 32);
    kernel_quantized_binary_params_t p = { kv4_rd_u32(body + 48), kv4_rd_shape(body + 52), kv4_rd_shape(body + 68), kv4_rd_shape(body + 84),
        kv4_rd_i32(body + 100), kv4_rd_i32(body + 104), kv4_rd_i32(body + 108), kv4_rd_i32(body + 112),
        kv4_rd_i32(body + 116), kv4_rd_i32(body + 120), kv4_rd_i32(body + 124), kv4_rd_i32(body + 128), kv4_rd_i32(body + 132) };
    if (p.op > 5) {
        return kv4_fail(env, 48, "binary op %u is not one of 0..5 (add sub mul div min max)", (unsigned)p.op);
    }
    if (p.a_shift < 0 || p.a_shift > 62 || p.b_shift < 0 || p.b_shift > 62 || p.out_shift < 0 || p.out_shift > 62) {
        return kv4_fail(env, 108, "shifts %d, %d, %d out of range 0..62", (int)p.a_shift, (int)p.b_shift, (int)p.out_shift);
    }
    if (kv4_check_shape(env, &p.a_shape, 52, "a shape") || kv4_check_shape(env, &p.b_shape, 68, "b shape")
        || kv4_check_shape(env, &p.out_shape, 84, "out shape")) {
        return -EINVAL;
    }
    size_t out_n = memcmp(p.a_shape.d, p.b_shape.d, sizeof(p.a_shape.d)) == 0 ? kernel_count(&p.a_shape) : kernel_count(&p.out_shape);
    if (kv4_check_mr(env, &a, 0, "input a", KV4_DT_U8, kernel_count(&p.a_shape), 0)
        || kv4_check_mr(env, &b, 16, "input b", KV4_DT_U8, kernel_count(&p.b_shape), 0)
        || kv4_check_mr(env, &o, 32, "output", KV4_DT_U8, out_n, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_quantized_binary(kv4_env_at(env, &a), kv4_env_at(env, &b), kv4_env_at(env, &o), &p);
    }
    return 0;
}
