// matmul (kernels.h).
#include "kernels.h"

void kernel_matmul(const float *a, const float *b, float *out, const float *bias, const kernel_matmul_params_t *p) {
    // b[i][c] at i * row + c * col
    size_t row = p->b_transposed ? 1 : (size_t)p->b_cols, col = p->b_transposed ? (size_t)p->a_cols : 1;
    for (int32_t r = 0; r < p->a_rows; r++) {
        const float *ar = a + (size_t)r * p->a_cols;
        for (int32_t c = 0; c < p->b_cols; c++) {
            const float *bc = b + c * col;
            float v = p->bias_order == KERNEL_BIAS_FIRST ? bias[c] : 0.0f;
            for (int32_t i = 0; i < p->a_cols; i++) {
                v += ar[i] * bc[i * row];
            }
            if (p->bias_order == KERNEL_BIAS_LAST) {
                v = v + bias[c];
            }
            out[(size_t)r * p->b_cols + c] = kernel_clamp(v, p->act);
        }
    }
}
