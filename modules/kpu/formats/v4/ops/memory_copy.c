// memory_copy (0x09): copies floor(input size / 4) 4-byte words (the runtime views both ranges
// as float, so a u8 range whose size is not a multiple of 4 loses its tail).
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_memory_copy(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 32, "memory_copy")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    if (kv4_check_mr(env, &in, 0, "input", -1, 0, 0) || kv4_check_mr(env, &o, 16, "output", -1, in.size / 4 * 4ull, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_memory_copy(kv4_env_at(env, &in), kv4_env_at(env, &o), in.size / 4);
    }
    return 0;
}
