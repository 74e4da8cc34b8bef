// CHANNELWISE_DEQUANTIZE: channel c of [channels][channel_size] with its own scale and bias.
#include "ops_v3.h"

void v3_channelwise_dequantize(const uint8_t *in, float *out, size_t channels, size_t channel_size,
    const float *params) {
    for (size_t c = 0; c < channels; c++) {
        float scale = params[2 * c], bias = params[2 * c + 1];
        for (size_t i = 0; i < channel_size; i++) {
            out[c * channel_size + i] = in[c * channel_size + i] * scale + bias;
        }
    }
}
