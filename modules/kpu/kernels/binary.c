// binary (kernels.h).
#include <string.h>

#include "kernels.h"

static float apply(kernel_binary_op_t op, float a, float b) {
    switch (op) {
        case KERNEL_BINARY_ADD:
            return a + b;
        case KERNEL_BINARY_SUB:
            return a - b;
        case KERNEL_BINARY_MUL:
            return a * b;
        case KERNEL_BINARY_DIV:
            return a / b;
        case KERNEL_BINARY_MIN:
            return b < a ? b : a;       // std::min(a, b)
        default:
            return a < b ? b : a;       // std::max(a, b)
    }
}

// An output index read from an operand: its own dims, or 0 where the operand's dim is smaller.
static size_t broadcast(const kernel_shape_t *s, int32_t d0, int32_t d1, int32_t d2, int32_t d3) {
    return kernel_offset(s, d0 < s->d[0] ? d0 : 0, d1 < s->d[1] ? d1 : 0, d2 < s->d[2] ? d2 : 0, d3 < s->d[3] ? d3 : 0);
}

void kernel_binary(const float *a, const float *b, float *out, const kernel_binary_params_t *p) {
    if (memcmp(p->a_shape.d, p->b_shape.d, sizeof(p->a_shape.d)) == 0) {
        size_t n = kernel_count(&p->a_shape);
        for (size_t i = 0; i < n; i++) {
            out[i] = kernel_clamp(apply(p->op, a[i], b[i]), p->act);
        }
        return;
    }
    const kernel_shape_t *os = &p->out_shape;
    for (int32_t d0 = 0; d0 < os->d[0]; d0++) {
        for (int32_t d1 = 0; d1 < os->d[1]; d1++) {
            for (int32_t d2 = 0; d2 < os->d[2]; d2++) {
                for (int32_t d3 = 0; d3 < os->d[3]; d3++) {
                    float va = a[broadcast(&p->a_shape, d0, d1, d2, d3)], vb = b[broadcast(&p->b_shape, d0, d1, d2, d3)];
                    out[kernel_offset(os, d0, d1, d2, d3)] = kernel_clamp(apply(p->op, va, vb), p->act);
                }
            }
        }
    }
}
