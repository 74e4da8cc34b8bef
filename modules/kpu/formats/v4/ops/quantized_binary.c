// quantized_binary (0x11): a' = mcs(a + a_off, a_mul, a_shift), b' likewise, v = op(a', b')
// (i32; div = (a + b/2) / b), out = clamp(mcs(v, out_mul, out_shift) + out_offset, 0, 255).
// Broadcasting as binary. Integer overflow wraps and x/0 = -1, as on the K210 (RISC-V).
#include "ops_v4.h"

static int32_t div_rv(int32_t a, int32_t b) {
    if (b == 0) {
        return -EINVAL;
    }
    if (a == INT32_MIN && b == -1) {
        return INT32_MIN;
    }
    return a / b;
}

static int32_t apply(uint32_t op, int32_t a, int32_t b) {
    switch (op) {
        case 0:
            return (int32_t)((uint32_t)a + (uint32_t)b);
        case 1:
            return (int32_t)((uint32_t)a - (uint32_t)b);
        case 2:
            return (int32_t)((uint32_t)a * (uint32_t)b);
        case 3:
            return div_rv((int32_t)((uint32_t)a + (uint32_t)div_rv(b, 2)), b);
        case 4:
            return b < a ? b : a;
        default:
            return a < b ? b : a;
    }
}

static uint8_t one(const kv4_qbinary_params_t *p, uint8_t a, uint8_t b) {
    int32_t va = kv4_mcs((int32_t)((uint32_t)a + (uint32_t)p->a_offset), p->a_mul, (uint32_t)p->a_shift);
    int32_t vb = kv4_mcs((int32_t)((uint32_t)b + (uint32_t)p->b_offset), p->b_mul, (uint32_t)p->b_shift);
    int32_t v = (int32_t)((uint32_t)kv4_mcs(apply(p->op, va, vb), p->out_mul, (uint32_t)p->out_shift) + (uint32_t)p->out_offset);
    return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

void kv4_quantized_binary(const uint8_t *a, const uint8_t *b, uint8_t *out, const kv4_qbinary_params_t *p) {
    const kernel_shape_t *as = &p->a_shape, *bs = &p->b_shape, *os = &p->out_shape;
    if (memcmp(as->d, bs->d, sizeof(as->d)) == 0) {
        size_t n = kernel_count(as);
        for (size_t i = 0; i < n; i++) {
            out[i] = one(p, a[i], b[i]);
        }
        return;
    }
    for (int32_t d0 = 0; d0 < os->d[0]; d0++) {
        for (int32_t d1 = 0; d1 < os->d[1]; d1++) {
            for (int32_t d2 = 0; d2 < os->d[2]; d2++) {
                for (int32_t d3 = 0; d3 < os->d[3]; d3++) {
                    uint8_t va = a[kernel_offset(as, d0 < as->d[0] ? d0 : 0, d1 < as->d[1] ? d1 : 0, d2 < as->d[2] ? d2 : 0, d3 < as->d[3] ? d3 : 0)];
                    uint8_t vb = b[kernel_offset(bs, d0 < bs->d[0] ? d0 : 0, d1 < bs->d[1] ? d1 : 0, d2 < bs->d[2] ? d2 : 0, d3 < bs->d[3] ? d3 : 0)];
                    out[kernel_offset(os, d0, d1, d2, d3)] = one(p, va, vb);
                }
            }
        }
    }
}

int kv4_node_quantized_binary(const uint8_t *body, uint32_t size, kv4_env_t *env) {
    if (kv4_need_body(env, size, 136, "quantized_binary")) {
        return -EINVAL;
    }
    kv4_mr_t a = kv4_rd_mr(body), b = kv4_rd_mr(body + 16), o = kv4_rd_mr(body + 32);
    kv4_qbinary_params_t p = { kv4_rd_u32(body + 48), kv4_rd_shape(body + 52), kv4_rd_shape(body + 68), kv4_rd_shape(body + 84),
        kv4_rd_i32(body + 100), kv4_rd_i32(body + 104), kv4_rd_i32(body + 108), kv4_rd_i32(body + 112),
        kv4_rd_i32(body + 116), kv4_rd_i32(body + 120), kv4_rd_i32(body + 124), kv4_rd_i32(body + 128), kv4_rd_i32(body + 132) };
    if (p.op > 5) {
        return kv4_fail(env, 48, "binary op %u is not one of 0..5 (add sub mul div min max)", (unsigned)p.op);
    }
    if (p.a_shift < 0 || p.a_shift > 62 || p.b_shift < 0 || p.b_shift > 62 || p.out_shift < 0 || p.out_shift > 62) {
        return kv4_fail(env, 108, "shifts %d, %d, %d out of range 0..62", (int)p.a_shift, (int)p.b_shift, (int)p.out_shift);
    }
    if (kv4_check_shape(env, &p.a_shape, 52, "a shape") || kv4_check_shape(env, &p.b_shape, 68, "b shape")
        || kv4_check_shape(env, &p.out_shape, 84, "out shape")) {
        return -EINVAL;
    }
    size_t out_n = memcmp(p.a_shape.d, p.b_shape.d, sizeof(p.a_shape.d)) == 0 ? kernel_count(&p.a_shape) : kernel_count(&p.out_shape);
    if (kv4_check_mr(env, &a, 0, "input a", KV4_DT_U8, kernel_count(&p.a_shape), 0)
        || kv4_check_mr(env, &b, 16, "input b", KV4_DT_U8, kernel_count(&p.b_shape), 0)
        || kv4_check_mr(env, &o, 32, "output", KV4_DT_U8, out_n, 1)) {
        return -EINVAL;
    }
    if (env->run) {
        kv4_quantized_binary(kv4_env_at(env, &a), kv4_env_at(env, &b), kv4_env_at(env, &o), &p);
    }
    return 0;
}
