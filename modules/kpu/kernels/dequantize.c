// dequantize (kernels.h).
#include "kernels.h"

void kernel_dequantize(const uint8_t *in, float *out, size_t count, float scale, float bias) {
    for (size_t i = 0; i < count; i++) {
        float t = (float)in[i] * scale;
        out[i] = t + bias;
    }
}
