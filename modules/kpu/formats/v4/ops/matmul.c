// matmul (0x04): out[r][c] = bias[c] + sum_i a[r][i] * b[i][c] (f32, i ascending), then clamp.
#include "ops_v4.h"

void kv4_matmul(const float *a, const float *b, float *out, const float *bias, const kv4_matmul_params_t *p) {
    for (int32_t r = 0; r < p->a_rows; r++)
        for (int32_t c = 0; c < p->b_cols; c++) {
            float v = bias[c];
            for (int32_t i = 0; i < p->a_cols; i++)
                v += a[(size_t)r * p->a_cols + i] * b[(size_t)i * p->b_cols + c];
            out[(size_t)r * p->b_cols + c] = kv4_clampf(v, p->act);
        }
}

int kv4_node_matmul(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 68, "matmul"))
        return -1;
    kv4_mr_t a = kv4_rd_mr(body), b = kv4_rd_mr(body + 16), o = kv4_rd_mr(body + 32);
    kv4_matmul_params_t p = { kv4_rd_i32(body + 48), kv4_rd_i32(body + 52), kv4_rd_i32(body + 56), kv4_rd_vrange(body + 60) };
    if (p.a_rows < 1 || p.a_cols < 1 || p.b_cols < 1 || p.a_rows > (1 << 24) || p.a_cols > (1 << 24) || p.b_cols > (1 << 24))
        return kv4_fail(env, 48, "matmul %d x %d by %d x %d", (int)p.a_rows, (int)p.a_cols, (int)p.a_cols, (int)p.b_cols);
    if (kv4_need_body(env, size, 68 + 4ull * p.b_cols, "matmul bias") || kv4_check_f32_ptr(env, body + 68, 68, "matmul bias"))
        return -1;
    if (kv4_check_mr(env, &a, 0, "input a", KV4_DT_F32, 4ull * p.a_rows * p.a_cols, 0)
        || kv4_check_mr(env, &b, 16, "input b", KV4_DT_F32, 4ull * p.a_cols * p.b_cols, 0)
        || kv4_check_mr(env, &o, 32, "output", KV4_DT_F32, 4ull * p.a_rows * p.b_cols, 1))
        return -1;
    if (env->run)
        kv4_matmul((const float *)kv4_env_at(env, &a), (const float *)kv4_env_at(env, &b), (float *)kv4_env_at(env, &o),
            (const float *)(body + 68), &p);
    return 0;
}
