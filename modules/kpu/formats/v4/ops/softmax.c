// softmax (0x0B): per row of inner elements: e = exp((x - max) * beta), out = e / sum(e)
// (sum in element order, max = first largest).
#include <math.h>

#include "ops_v4.h"

void kv4_softmax(const float *in, float *out, int32_t inner, int32_t outer, float beta) {
    for (int32_t r = 0; r < outer; r++) {
        const float *src = in + (size_t)r * inner;
        float *dst = out + (size_t)r * inner;
        float mx = src[0];
        for (int32_t i = 1; i < inner; i++)
            if (mx < src[i])
                mx = src[i];
        float sum = 0;
        for (int32_t i = 0; i < inner; i++) {
            float e = expf((src[i] - mx) * beta);
            sum += e;
            dst[i] = e;
        }
        for (int32_t i = 0; i < inner; i++)
            dst[i] /= sum;
    }
}

int kv4_node_softmax(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 44, "softmax"))
        return -1;
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    int32_t inner = kv4_rd_i32(body + 32), outer = kv4_rd_i32(body + 36);
    if (inner < 1 || outer < 1 || (uint64_t)inner * (uint32_t)outer >= (1ull << 29))
        return kv4_fail(env, 32, "softmax of %d rows x %d", (int)outer, (int)inner);
    uint64_t bytes = 4ull * inner * outer;
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_F32, bytes, 0) || kv4_check_mr(env, &o, 16, "output", KV4_DT_F32, bytes, 1))
        return -1;
    if (env->run)
        kv4_softmax((const float *)kv4_env_at(env, &in), (float *)kv4_env_at(env, &o), inner, outer, kv4_rd_f32(body + 40));
    return 0;
}
