// K210_REMOVE_PADDING: pixel (0,0) of each channel of a planar C x 4 x 4 u8 map.
#include "ops_v3.h"

void kv3_k210_remove_padding(const uint8_t *in, uint8_t *out, size_t channels) {
    for (size_t c = 0; c < channels; c++) {
        out[c] = in[c * 16];
    }
}
