// unary (kernels.h).
#include "kernels.h"

static float apply(kernel_unary_op_t op, float a) {
    switch (op) {
        case KERNEL_UNARY_ABS:
            return fabsf(a);
        case KERNEL_UNARY_CEIL:
            return ceilf(a);
        case KERNEL_UNARY_COS:
            return cosf(a);
        case KERNEL_UNARY_EXP:
            return expf(a);
        case KERNEL_UNARY_FLOOR:
            return floorf(a);
        case KERNEL_UNARY_LOG:
            return logf(a);
        case KERNEL_UNARY_NEG:
            return -a;
        case KERNEL_UNARY_RSQRT:
            return 1.0f / sqrtf(a);
        case KERNEL_UNARY_SIN:
            return sinf(a);
        case KERNEL_UNARY_SQUARE:
            return a * a;
        case KERNEL_UNARY_SQRT:
            return sqrtf(a);
        case KERNEL_UNARY_ROUND:
            return rintf(a);
        case KERNEL_UNARY_TANH:
            return tanhf(a);
        case KERNEL_UNARY_SIGN:
            return (float)((a > 0.0f) - (a < 0.0f));
        default:
            return 1.0f / (1.0f + expf(-a));
    }
}

void kernel_unary(const float *in, float *out, size_t count, kernel_unary_op_t op) {
    for (size_t i = 0; i < count; i++) {
        out[i] = apply(op, in[i]);
    }
}
