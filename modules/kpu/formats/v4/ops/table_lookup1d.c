// table_lookup1d (0x12): u8 only, out[i] = table[in[i]] for every byte of the input range.
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_table_lookup1d(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 48, "table_lookup1d")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), t = kv4_rd_mr(body + 16), o = kv4_rd_mr(body + 32);
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_U8, 0, 0) || kv4_check_mr(env, &t, 16, "table", -1, 256, 0)
        || kv4_check_mr(env, &o, 32, "output", -1, in.size, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_table_lookup(kv4_env_at(env, &in), kv4_env_at(env, &o), in.size, kv4_env_at(env, &t));
    }
    return 0;
}
