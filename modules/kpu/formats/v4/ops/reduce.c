// reduce (0x07): body -> kernel_reduce; a mean scales by out/in element counts taken from the
// ranges' sizes, as the nncase 0.2 runtime does.
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_reduce(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 72, "reduce")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    uint32_t op = kv4_rd_u32(body + 32);
    if (op > 3) {
        return kv4_fail(env, 32, "reduce op %u is not one of 0..3 (mean min max sum)", (unsigned)op);
    }
    kernel_reduce_params_t p = { (kernel_reduce_op_t)op, kv4_rd_shape(body + 36), kv4_rd_shape(body + 52),
        kv4_rd_f32(body + 68), KERNEL_MEAN_SCALE, in.size / 4, o.size / 4 };
    if (kv4_check_shape(env, &p.in_shape, 36, "input shape") || kv4_check_shape(env, &p.out_shape, 52, "output shape")) {
        return -EINVAL;
    }
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_F32, 4ull * kernel_count(&p.in_shape), 0)
        || kv4_check_mr(env, &o, 16, "output", KV4_DT_F32, 4ull * kernel_count(&p.out_shape), 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_reduce((const float *)kv4_env_at(env, &in), (float *)kv4_env_at(env, &o), &p);
    }
    return 0;
}
