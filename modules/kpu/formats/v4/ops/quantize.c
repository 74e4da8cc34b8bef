// quantize (0x06): f32 -> u8 as the board build does it: t = x*scale + zp (zp as float),
// rounded half-to-even (fcvt.w.s rne) for element pairs, roundf (half away from zero) for an odd
// last element, saturated to i32 like fcvt (NaN -> max), then clamped to 0..255: kernel_quantize.
#include "kernels.h"
#include "ops_v4.h"

int kv4_node_quantize(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 40, "quantize")) {
        return -EINVAL;
    }
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    kv4_quant_t q = kv4_rd_quant(body + 32);
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_F32, 0, 0)
        || kv4_check_mr(env, &o, 16, "output", KV4_DT_U8, in.size / 4, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kernel_quantize_params_t p = { .sub = 0.0f, .mul = q.scale, .add = (float)q.zero_point,
                                       .rounding = KERNEL_ROUND_PAIRS_EVEN, .nan_value = 255 };
        kernel_quantize((const float *)kv4_env_at(env, &in), kv4_env_at(env, &o), in.size / 4, &p);
    }
    return 0;
}
