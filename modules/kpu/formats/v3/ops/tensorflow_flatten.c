// TENSORFLOW_FLATTEN: CHW -> HWC order.
#include "ops_v3.h"

void kv3_tensorflow_flatten(const float *in, float *out, size_t width, size_t height, size_t channels) {
    for (size_t y = 0; y < height; y++) {
        for (size_t x = 0; x < width; x++) {
            for (size_t c = 0; c < channels; c++) {
                *out++ = in[(c * height + y) * width + x];
            }
        }
    }
}
