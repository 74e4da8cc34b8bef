// unary (0x0E): body -> kernel_unary, one element per 4 bytes of the input range. nncase 0.2's
// op codes: abs ceil cos exp floor log neg rsqrt sin square.
#include "kernels.h"
#include "ops_v4.h"

static const kernel_unary_op_t ops[] = {
    KERNEL_UNARY_ABS, KERNEL_UNARY_CEIL, KERNEL_UNARY_COS, KERNEL_UNARY_EXP, KERNEL_UNARY_FLOOR, KERNEL_UNARY_LOG,
    KERNEL_UNARY_NEG, KERNEL_UNARY_RSQRT, KERNEL_UNARY_SIN, KERNEL_UNARY_SQUARE,
};

int kv4_node_unary(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 36, "unary")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    uint32_t op = kv4_rd_u32(body + 32);
    if (op >= sizeof(ops) / sizeof(ops[0])) {
        return kv4_fail(env, 32, "unary op %u is not one of 0..9", (unsigned)op);
    }
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_F32, 0, 0) || kv4_check_mr(env, &o, 16, "output", KV4_DT_F32, in.size / 4 * 4ull, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_unary((const float *)kv4_env_at(env, &in), (float *)kv4_env_at(env, &o), in.size / 4, ops[op]);
    }
    return 0;
}
