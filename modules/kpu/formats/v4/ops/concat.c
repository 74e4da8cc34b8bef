// concat (0x01): for each outer index, the inputs' blocks of inner_bytes * dims[i] one after
// another (a byte copy, so any datatype): kernel_concat.
#include "kernels.h"
#include "ops_v4.h"

#define KV4_CONCAT_MAX 64

int kv4_node_concat(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 28, "concat")) {
        return -EINVAL;
    }
    kv4_mr_t o = kv4_rd_mr(body);
    uint32_t inner = kv4_rd_u32(body + 16), outer = kv4_rd_u32(body + 20), n = kv4_rd_u32(body + 24);
    if (n == 0 || n > KV4_CONCAT_MAX) {
        return kv4_fail(env, 24, "concat of %u inputs (supported 1..%d)", (unsigned)n, KV4_CONCAT_MAX);
    }
    if (kv4_need_body(env, size, 28 + 20ull * n, "concat inputs and dims")) {
        return -EINVAL;
    }
    if (28 + 20 * n > env->visible) {
        return kv4_fail(env, 24, "concat tables of %u bytes exceed the %u bytes the loader reads", (unsigned)(28 + 20 * n), (unsigned)env->visible);
    }
    const uint8_t *ptrs[KV4_CONCAT_MAX];
    size_t sizes[KV4_CONCAT_MAX];
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        kv4_mr_t in = kv4_rd_mr(body + 28 + 16 * i);
        uint32_t at = 28 + 16 * n + 4 * i;
        int32_t dim = kv4_rd_i32(body + at);
        if (dim < 0) {
            return kv4_fail(env, at, "concat dim %u is %d", (unsigned)i, (int)dim);
        }
        sizes[i] = (size_t)inner * (uint32_t)dim;
        uint64_t bytes = (uint64_t)outer * inner * (uint32_t)dim;
        if (kv4_check_mr(env, &in, 28 + 16 * i, "concat input", -1, bytes, 0)) {
            return -EINVAL;
        }
        total += bytes;
        ptrs[i] = env->run ? kv4_env_at(env, &in) : NULL;
    }
    if (kv4_check_mr(env, &o, 0, "output", -1, total, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_concat(kv4_env_at(env, &o), ptrs, sizes, n, outer);
    }
    return 0;
}
