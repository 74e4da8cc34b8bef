// quantized_binary (kernels.h).
#include <string.h>

#include "kernels.h"

static int32_t div_rv(int32_t a, int32_t b) {
    if (b == 0) {
        return -1;      // x / 0 on RISC-V
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

static uint8_t one(const kernel_quantized_binary_params_t *p, uint8_t a, uint8_t b) {
    int32_t va = kernel_mul_carry_shift((int32_t)((uint32_t)a + (uint32_t)p->a_offset), p->a_mul, (uint32_t)p->a_shift);
    int32_t vb = kernel_mul_carry_shift((int32_t)((uint32_t)b + (uint32_t)p->b_offset), p->b_mul, (uint32_t)p->b_shift);
    int32_t v = (int32_t)((uint32_t)kernel_mul_carry_shift(apply(p->op, va, vb), p->out_mul, (uint32_t)p->out_shift) + (uint32_t)p->out_offset);
    return (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
}

void kernel_quantized_binary(const uint8_t *a, const uint8_t *b, uint8_t *out, const kernel_quantized_binary_params_t *p) {
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
