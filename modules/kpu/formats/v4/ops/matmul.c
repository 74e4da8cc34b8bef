// matmul (0x04): body -> kernel_matmul (b stored [a_cols][b_cols], the sum starts at the bias);
// the f32 bias follows the fixed fields in the body.
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_matmul(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 68, "matmul")) {
        return -EINVAL;
    }
    kv4_mr_t a = kv4_rd_mr(body), b = kv4_rd_mr(body + 16), o = kv4_rd_mr(body + 32);
    kernel_matmul_params_t p = { kv4_rd_i32(body + 48), kv4_rd_i32(body + 52), kv4_rd_i32(body + 56), false,
        KERNEL_BIAS_FIRST, kv4_rd_vrange(body + 60) };
    if (p.a_rows < 1 || p.a_cols < 1 || p.b_cols < 1 || p.a_rows > (1 << 24) || p.a_cols > (1 << 24) || p.b_cols > (1 << 24)) {
        return kv4_fail(env, 48, "matmul %d x %d by %d x %d", (int)p.a_rows, (int)p.a_cols, (int)p.a_cols, (int)p.b_cols);
    }
    if (kv4_need_body(env, size, 68 + 4ull * p.b_cols, "matmul bias") || kv4_check_f32_ptr(env, body + 68, 68, "matmul bias")) {
        return -EINVAL;
    }
    if (kv4_check_mr(env, &a, 0, "input a", KV4_DT_F32, 4ull * p.a_rows * p.a_cols, 0)
        || kv4_check_mr(env, &b, 16, "input b", KV4_DT_F32, 4ull * p.a_cols * p.b_cols, 0)
        || kv4_check_mr(env, &o, 32, "output", KV4_DT_F32, 4ull * p.a_rows * p.b_cols, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_matmul((const float *)kv4_env_at(env, &a), (const float *)kv4_env_at(env, &b), (float *)kv4_env_at(env, &o),
            (const float *)(body + 68), &p);
    }
    return 0;
}
