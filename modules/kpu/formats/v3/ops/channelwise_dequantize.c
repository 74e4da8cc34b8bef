// CHANNELWISE_DEQUANTIZE: channel c of [channels][channel_size] dequantized with its own scale
// and bias (params: channels pairs {f32 scale, f32 bias}).
#include "kernels.h"
#include "ops_v3.h"

void kv3_channelwise_dequantize(const uint8_t *in, float *out, size_t channels, size_t channel_size,
    const float *params) {
    for (size_t c = 0; c < channels; c++) {
        kernel_dequantize(in + c * channel_size, out + c * channel_size, channel_size, params[2 * c], params[2 * c + 1]);
    }
}
