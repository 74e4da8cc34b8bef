// L2_NORMALIZATION: x / sqrt(max(sum x^2, 1e-10)), multiplying by the reciprocal as the SDK does.
#include <math.h>

#include "ops_v3.h"

void kv3_l2_normalization(const float *in, float *out, size_t channels) {
    float sum = 0;
    for (size_t i = 0; i < channels; i++) {
        sum += in[i] * in[i];
    }
    if (sum < 1e-10f) {
        sum = 1e-10f;
    }
    float r = 1.0f / sqrtf(sum);
    for (size_t i = 0; i < channels; i++) {
        out[i] = in[i] * r;
    }
}
