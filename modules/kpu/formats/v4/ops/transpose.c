// transpose (0x0C): out_shape[i] = in_shape[perm[i]]; element size from the input datatype.
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_transpose(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 64, "transpose")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    kernel_transpose_params_t p = { kv4_rd_shape(body + 32), kv4_rd_shape(body + 48), 0 };
    if (kv4_check_shape(env, &p.in_shape, 32, "input shape")) {
        return -EINVAL;
    }
    unsigned seen = 0;
    for (int i = 0; i < 4; i++) {
        if (p.perm.d[i] < 0 || p.perm.d[i] > 3 || (seen & (1u << p.perm.d[i]))) {
            return kv4_fail(env, 48, "perm [%d,%d,%d,%d] is not a permutation of 0..3",
                (int)p.perm.d[0], (int)p.perm.d[1], (int)p.perm.d[2], (int)p.perm.d[3]);
        }
        seen |= 1u << p.perm.d[i];
    }
    if (in.dtype > KV4_DT_U8) {
        return kv4_check_mr(env, &in, 0, "input", -1, 0, 0);
    }
    p.elem = kv4_dt_bytes(in.dtype);
    uint64_t bytes = (uint64_t)p.elem * kernel_count(&p.in_shape);
    if (kv4_check_mr(env, &in, 0, "input", -1, bytes, 0) || kv4_check_mr(env, &o, 16, "output", (int)in.dtype, bytes, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_transpose(kv4_env_at(env, &in), kv4_env_at(env, &o), &p);
    }
    return 0;
}
