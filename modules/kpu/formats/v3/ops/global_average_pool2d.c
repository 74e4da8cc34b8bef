// GLOBAL_AVERAGE_POOL2D: mean of each channel's kernel_size consecutive f32 values.
#include "ops_v3.h"

void kv3_global_average_pool2d(const float *in, float *out, size_t kernel_size, size_t channels) {
    for (size_t c = 0; c < channels; c++) {
        float sum = 0;
        for (size_t i = 0; i < kernel_size; i++) {
            sum += in[c * kernel_size + i];
        }
        out[c] = sum / kernel_size;
    }
}
