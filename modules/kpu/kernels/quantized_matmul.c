// quantized_matmul (kernels.h).
#include "kernels.h"

void kernel_quantized_matmul(const uint8_t *a, const uint8_t *b, uint8_t *out, const uint8_t *bias_le,
    int32_t a_rows, int32_t a_cols, int32_t b_cols, const kernel_qargs_t *q) {
    for (int32_t r = 0; r < a_rows; r++) {
        for (int32_t c = 0; c < b_cols; c++) {
            uint32_t acc = kernel_le_u32(bias_le + 4 * (size_t)c);
            for (int32_t i = 0; i < a_cols; i++) {
                acc += ((uint32_t)a[(size_t)r * a_cols + i] + (uint32_t)q->in_offset)
                    * ((uint32_t)b[(size_t)i * b_cols + c] + (uint32_t)q->filter_offset);
            }
            int32_t v = (int32_t)((uint32_t)kernel_mul_carry_shift((int32_t)acc, q->out_mul, (uint32_t)q->out_shift) + (uint32_t)q->out_offset);
            out[(size_t)r * b_cols + c] = (uint8_t)(v < 0 ? 0 : (v > 255 ? 255 : v));
        }
    }
}
