// SOFTMAX: the running max starts at FLT_MIN (the SDK's quirk, not -inf), then exp / sum.
#include <float.h>
#include <math.h>

#include "ops_v3.h"

void v3_softmax(const float *in, float *out, size_t channels) {
    float max = FLT_MIN;
    for (size_t i = 0; i < channels; i++) {
        max = in[i] > max ? in[i] : max;
    }
    float sum = 0;
    for (size_t i = 0; i < channels; i++) {
        out[i] = expf(in[i] - max);
        sum += out[i];
    }
    for (size_t i = 0; i < channels; i++) {
        out[i] /= sum;
    }
}
