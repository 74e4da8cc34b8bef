// quantize (0x06): f32 -> u8 as the board build does it: t = x*scale + zp (zp as float),
// rounded half-to-even (fcvt.w.s rne) for element pairs, roundf (half away from zero) for an odd
// last element, saturated to i32 like fcvt (NaN -> max), then clamped to 0..255.
#include <math.h>

#include "ops_v4.h"

static uint8_t sat_u8(float r) {
    int32_t v;
    if (r != r || r >= 2147483648.0f)
        v = INT32_MAX;
    else if (r < -2147483648.0f)
        v = INT32_MIN;
    else
        v = (int32_t)r;
    return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// Round half to even without depending on the FPU rounding mode.
static float round_even(float t) {
    float f = floorf(t), d = t - f;
    if (d > 0.5f || (d == 0.5f && fmodf(f, 2.0f) != 0.0f))
        return f + 1.0f;
    return f;
}

void kv4_quantize(const float *in, uint8_t *out, size_t count, kv4_quant_t q) {
    float zero = (float)q.zero_point;
    size_t pairs = count / 2 * 2;
    for (size_t i = 0; i < pairs; i++) {
        float t = in[i] * q.scale;
        t = t + zero;
        out[i] = sat_u8(t != t ? t : round_even(t));
    }
    if (count & 1) {
        float t = in[count - 1] * q.scale;
        t = t + zero;
        out[count - 1] = sat_u8(t != t ? t : roundf(t));
    }
}

int kv4_node_quantize(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 40, "quantize"))
        return -1;
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    kv4_quant_t q = kv4_rd_quant(body + 32);
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_F32, 0, 0)
        || kv4_check_mr(env, &o, 16, "output", KV4_DT_U8, in.size / 4, 1))
        return -1;
    if (env->run)
        kv4_quantize((const float *)kv4_env_at(env, &in), kv4_env_at(env, &o), in.size / 4, q);
    return 0;
}
