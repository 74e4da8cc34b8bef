// dequantize (0x03): u8 -> f32 as the board (RISC-V) build of the nncase 0.2 runtime computes
// it: s = 1/scale, z = -zp*s, x = q*s + z (two roundings; a host build of nncase differs in
// the last ulp). One element per input byte of the range.
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_dequantize(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 40, "dequantize")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    kv4_quant_t q = kv4_rd_quant(body + 32);
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_U8, 0, 0)
        || kv4_check_mr(env, &o, 16, "output", KV4_DT_F32, 4ull * in.size, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        float scale = 1.0f / q.scale;
        kernel_dequantize(kv4_env_at(env, &in), (float *)kv4_env_at(env, &o), in.size, scale,
            (float)(-q.zero_point) * scale);
    }
    return 0;
}
