// DEQUANTIZE: x = q * scale + bias.
#include "ops_v3.h"

void v3_dequantize(const uint8_t *in, float *out, size_t count, float scale, float bias) {
    for (size_t i = 0; i < count; i++) {
        out[i] = in[i] * scale + bias;
    }
}
