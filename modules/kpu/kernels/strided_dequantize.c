// strided_dequantize (kernels.h): nncase 1.x dequantize, f32 multiply then f32 add.
#include "kernels.h"

void kernel_strided_dequantize(const uint8_t *in, bool in_signed, float *out, float scale, float bias, const kernel_nd_t *nd) {
    if (kernel_nd_count(nd) == 0) {
        return;
    }
    uint32_t idx[KERNEL_ND_MAX] = { 0 };
    int64_t i = 0, o = 0;
    do {
        float x = in_signed ? (float)(int8_t)in[i] : (float)in[i];
        float t = x * scale;
        out[o] = t + bias;
    } while (kernel_nd_next(nd, idx, &i, &o));
}
