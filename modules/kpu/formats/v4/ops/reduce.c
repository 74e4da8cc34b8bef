// reduce (0x07): out (out_shape) filled with init, every input element folded into the out
// element whose reduced axes (out dim 1) are 0. mean = sum, then times out_elems / in_elems
// where both counts come from the ranges' sizes (as the runtime does).
#include "ops_v4.h"

static float fold(uint32_t op, float acc, float x) {
    switch (op) {
        case 1: return x < acc ? x : acc;     // std::min(acc, x)
        case 2: return acc < x ? x : acc;     // std::max(acc, x)
        default: return acc + x;              // mean, sum
    }
}

void kv4_reduce(const float *in, float *out, const kv4_reduce_params_t *p) {
    const kv4_shape_t *is = &p->in_shape, *os = &p->out_shape;
    size_t on = kv4_count(os);
    for (size_t i = 0; i < on; i++)
        out[i] = p->init;
    for (int32_t d0 = 0; d0 < is->d[0]; d0++)
        for (int32_t d1 = 0; d1 < is->d[1]; d1++)
            for (int32_t d2 = 0; d2 < is->d[2]; d2++)
                for (int32_t d3 = 0; d3 < is->d[3]; d3++) {
                    float *acc = &out[kv4_offset(os, d0 < os->d[0] ? d0 : 0, d1 < os->d[1] ? d1 : 0,
                        d2 < os->d[2] ? d2 : 0, d3 < os->d[3] ? d3 : 0)];
                    *acc = fold(p->op, *acc, in[kv4_offset(is, d0, d1, d2, d3)]);
                }
    if (p->op == 0) {
        float mul = (float)p->out_elems / (float)p->in_elems;
        for (size_t i = 0; i < p->out_elems; i++)
            out[i] = out[i] * mul;
    }
}

int kv4_node_reduce(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 72, "reduce"))
        return -1;
    kv4_mr_t in = kv4_rd_mr(body), o = kv4_rd_mr(body + 16);
    kv4_reduce_params_t p = { kv4_rd_u32(body + 32), kv4_rd_shape(body + 36), kv4_rd_shape(body + 52), kv4_rd_f32(body + 68), 0, 0 };
    if (p.op > 3)
        return kv4_fail(env, 32, "reduce op %u is not one of 0..3 (mean min max sum)", (unsigned)p.op);
    if (kv4_check_shape(env, &p.in_shape, 36, "input shape") || kv4_check_shape(env, &p.out_shape, 52, "output shape"))
        return -1;
    if (kv4_check_mr(env, &in, 0, "input", KV4_DT_F32, 4ull * kv4_count(&p.in_shape), 0)
        || kv4_check_mr(env, &o, 16, "output", KV4_DT_F32, 4ull * kv4_count(&p.out_shape), 1))
        return -1;
    p.in_elems = in.size / 4;
    p.out_elems = o.size / 4;
    if (env->run)
        kv4_reduce((const float *)kv4_env_at(env, &in), (float *)kv4_env_at(env, &o), &p);
    return 0;
}
