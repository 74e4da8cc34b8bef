// binary (0x00): float elementwise a op b with broadcasting (an index past an operand's dim
// reads index 0), then the fused clamp.
#include "ops_v4.h"

static float apply(uint32_t op, float a, float b) {
    switch (op) {
        case 0: return a + b;
        case 1: return a - b;
        case 2: return a * b;
        case 3: return a / b;
        case 4: return b < a ? b : a;      // std::min(a, b)
        default: return a < b ? b : a;     // std::max(a, b)
    }
}

static int same_shape(const kv4_shape_t *a, const kv4_shape_t *b) {
    return memcmp(a->d, b->d, sizeof(a->d)) == 0;
}

void kv4_binary(const float *a, const float *b, float *out, const kv4_binary_params_t *p) {
    if (same_shape(&p->a_shape, &p->b_shape)) {
        size_t n = kv4_count(&p->a_shape);
        for (size_t i = 0; i < n; i++)
            out[i] = kv4_clampf(apply(p->op, a[i], b[i]), p->act);
        return;
    }
    const kv4_shape_t *as = &p->a_shape, *bs = &p->b_shape, *os = &p->out_shape;
    for (int32_t d0 = 0; d0 < os->d[0]; d0++)
        for (int32_t d1 = 0; d1 < os->d[1]; d1++)
            for (int32_t d2 = 0; d2 < os->d[2]; d2++)
                for (int32_t d3 = 0; d3 < os->d[3]; d3++) {
                    float va = a[kv4_offset(as, d0 < as->d[0] ? d0 : 0, d1 < as->d[1] ? d1 : 0, d2 < as->d[2] ? d2 : 0, d3 < as->d[3] ? d3 : 0)];
                    float vb = b[kv4_offset(bs, d0 < bs->d[0] ? d0 : 0, d1 < bs->d[1] ? d1 : 0, d2 < bs->d[2] ? d2 : 0, d3 < bs->d[3] ? d3 : 0)];
                    out[kv4_offset(os, d0, d1, d2, d3)] = kv4_clampf(apply(p->op, va, vb), p->act);
                }
}

int kv4_node_binary(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 108, "binary"))
        return -1;
    kv4_mr_t a = kv4_rd_mr(body), b = kv4_rd_mr(body + 16), o = kv4_rd_mr(body + 32);
    kv4_binary_params_t p = { kv4_rd_u32(body + 48), kv4_rd_shape(body + 52), kv4_rd_shape(body + 68),
        kv4_rd_shape(body + 84), kv4_rd_vrange(body + 100) };
    if (p.op > 5)
        return kv4_fail(env, 48, "binary op %u is not one of 0..5 (add sub mul div min max)", (unsigned)p.op);
    if (kv4_check_shape(env, &p.a_shape, 52, "a shape") || kv4_check_shape(env, &p.b_shape, 68, "b shape")
        || kv4_check_shape(env, &p.out_shape, 84, "out shape"))
        return -1;
    size_t out_n = same_shape(&p.a_shape, &p.b_shape) ? kv4_count(&p.a_shape) : kv4_count(&p.out_shape);
    if (kv4_check_mr(env, &a, 0, "input a", KV4_DT_F32, 4ull * kv4_count(&p.a_shape), 0)
        || kv4_check_mr(env, &b, 16, "input b", KV4_DT_F32, 4ull * kv4_count(&p.b_shape), 0)
        || kv4_check_mr(env, &o, 32, "output", KV4_DT_F32, 4ull * out_n, 1))
        return -1;
    if (env->run)
        kv4_binary((const float *)kv4_env_at(env, &a), (const float *)kv4_env_at(env, &b), (float *)kv4_env_at(env, &o), &p);
    return 0;
}
