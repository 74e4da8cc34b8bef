// binary_nd (kernels.h): nncase 1.x binary over strided operands with broadcasting.
#include <math.h>

#include "kernels.h"

static float apply(kernel_binary_nd_op_t op, float a, float b) {
    switch (op) {
        case KERNEL_BINARY_ND_ADD: return a + b;
        case KERNEL_BINARY_ND_SUB: return a - b;
        case KERNEL_BINARY_ND_MUL: return a * b;
        case KERNEL_BINARY_ND_DIV: return a / b;
        case KERNEL_BINARY_ND_MIN: return a < b ? a : b;   // std::min(a, b)
        case KERNEL_BINARY_ND_MAX: return a < b ? b : a;   // std::max(a, b)
        default: return powf(a, b);
    }
}

void kernel_binary_nd(const float *a, const float *b, float *out, const kernel_binary_nd_params_t *p) {
    uint32_t idx[KERNEL_ND_MAX] = { 0 };
    for (uint32_t i = 0; i < p->rank; i++) {
        if (p->out_shape[i] == 0) {
            return;
        }
    }
    for (;;) {
        int64_t ao = 0, bo = 0, oo = 0;
        for (uint32_t i = 0; i < p->rank; i++) {
            ao += (idx[i] < p->a_shape[i] ? idx[i] : 0) * p->a_stride[i];
            bo += (idx[i] < p->b_shape[i] ? idx[i] : 0) * p->b_stride[i];
            oo += (int64_t)idx[i] * p->out_stride[i];
        }
        out[oo] = kernel_clamp(apply(p->op, a[ao], b[bo]), p->act);
        int32_t i = (int32_t)p->rank - 1;
        for (; i >= 0; i--) {
            if (++idx[i] < p->out_shape[i]) {
                break;
            }
            idx[i] = 0;
        }
        if (i < 0) {
            return;
        }
    }
}
