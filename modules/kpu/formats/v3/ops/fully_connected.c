// FULLY_CONNECTED: out[o] = sum_i in[i] * W[o][i] (i ascending) + bias[o], then the activation
// (the SDK since V0.5.7 applies it; iris_nncase01_v3's published outputs need it).
#include "ops_v3.h"

void kv3_fully_connected(const float *in, float *out, size_t in_channels, size_t out_channels,
    const float *weights, const float *bias, uint32_t act) {
    for (size_t o = 0; o < out_channels; o++) {
        const float *row = weights + o * in_channels;
        float sum = 0;
        for (size_t i = 0; i < in_channels; i++) {
            sum += in[i] * row[i];
        }
        float v = sum + bias[o];
        if (act == 1) {
            v = v < 0 ? 0 : v;
        } else if (act == 2) {
            v = v < 0 ? 0 : v > 6 ? 6 : v;
        }
        out[o] = v;
    }
}
