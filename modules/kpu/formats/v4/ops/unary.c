// unary (0x0E): f32 elementwise abs ceil cos exp floor log neg rsqrt(1/sqrtf) sin square,
// one element per 4 bytes of the input range.
#include <math.h>

#include "ops_v4.h"

void kv4_unary(const float *in, float *out, size_t count, uint32_t op) {
    for (size_t i = 0; i < count; i++) {
        float a = in[i], r;
        switch (op) {
            case 0: r = fabsf(a); break;
            case 1: r = ceilf(a); break;
            case 2: r = cosf(a); break;
            case 3: r = expf(a); break;
            case 4: r = floorf(a); break;
            case 5: r = logf(a); break;
            case 6: r = -a; break;
            case 7: r = 1.0f / sqrtf(a); break;
            case 8: r = sinf(a); break;
            default: r = a * a; break;
        }
        out[i] = r;
    }
}

int kv4_node_unary(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 36, "unary"))
        return -1;
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    uint32_t op = kv4_rd_u32(body + 32);
    if (op > 9)
        return kv4_fail(env, 32, "unary op %u is not one of 0..9", (unsigned)op);
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_F32, 0, 0) || kv4_check_mr(env, &o, 16, "output", KV4_DT_F32, in.size / 4 * 4ull, 1))
        return -1;
    if (env->run)
        kv4_unary((const float *)kv4_env_at(env, &in), (float *)kv4_env_at(env, &o), in.size / 4, op);
    return 0;
}
