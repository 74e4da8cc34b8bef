// QUANTIZE: q = roundf((x - bias) * (1 / scale)), clamped to 0..255 (NaN gives 0).
#include <math.h>

#include "ops_v3.h"

void v3_quantize(const float *in, uint8_t *out, size_t count, float scale, float bias) {
    float r = 1.0f / scale;
    for (size_t i = 0; i < count; i++) {
        float q = roundf((in[i] - bias) * r);
        out[i] = q > 255.0f ? 255 : q > 0.0f ? (uint8_t)q : 0;
    }
}
