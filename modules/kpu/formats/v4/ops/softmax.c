// softmax (0x0B): per row of inner elements, kernel_softmax with the body's beta (max = the
// row's largest element).
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_softmax(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 44, "softmax")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    int32_t inner = kv4_rd_i32(body + 32), outer = kv4_rd_i32(body + 36);
    if (inner < 1 || outer < 1 || (uint64_t)inner * (uint32_t)outer >= (1ull << 29)) {
        return kv4_fail(env, 32, "softmax of %d rows x %d", (int)outer, (int)inner);
    }
    uint64_t bytes = 4ull * inner * outer;
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_F32, bytes, 0) || kv4_check_mr(env, &o, 16, "output", KV4_DT_F32, bytes, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_softmax_params_t p = { .beta = kv4_rd_f32(body + 40), .sdk_max_floor = false };
        kernel_softmax((const float *)kv4_env_at(env, &in), (float *)kv4_env_at(env, &o), (size_t)inner, (size_t)outer, &p);
    }
    return 0;
}
