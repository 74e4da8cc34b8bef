// binary (0x00): body -> kernel_binary (the body's op codes are nncase's, the kernel's order).
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_binary(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 108, "binary")) {
        return -EINVAL;
    }
    kv4_mr_t a = kv4_rd_mr(body), b = kv4_rd_mr(body + 16), o = kv4_rd_mr(body + 32);
    uint32_t op = kv4_rd_u32(body + 48);
    if (op > 5) {
        return kv4_fail(env, 48, "binary op %u is not one of 0..5 (add sub mul div min max)", (unsigned)op);
    }
    kernel_binary_params_t p = { (kernel_binary_op_t)op, kv4_rd_shape(body + 52), kv4_rd_shape(body + 68),
        kv4_rd_shape(body + 84), kv4_rd_vrange(body + 100) };
    if (kv4_check_shape(env, &p.a_shape, 52, "a shape") || kv4_check_shape(env, &p.b_shape, 68, "b shape")
        || kv4_check_shape(env, &p.out_shape, 84, "out shape")) {
        return -EINVAL;
    }
    bool same = memcmp(p.a_shape.d, p.b_shape.d, sizeof(p.a_shape.d)) == 0;
    size_t out_n = same ? kernel_count(&p.a_shape) : kernel_count(&p.out_shape);
    if (kv4_check_mr(env, &a, 0, "input a", KV4_DT_F32, 4ull * kernel_count(&p.a_shape), 0)
        || kv4_check_mr(env, &b, 16, "input b", KV4_DT_F32, 4ull * kernel_count(&p.b_shape), 0)
        || kv4_check_mr(env, &o, 32, "output", KV4_DT_F32, 4ull * out_n, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_binary((const float *)kv4_env_at(env, &a), (const float *)kv4_env_at(env, &b), (float *)kv4_env_at(env, &o), &p);
    }
    return 0;
}
