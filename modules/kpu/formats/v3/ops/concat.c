// CONCAT / QUANTIZED_CONCAT: the input byte ranges of the main buffer, one after another.
#include <string.h>

#include "ops_v3.h"

void v3_concat(uint8_t *main, uint32_t out, const uint8_t *ranges, size_t input_count) {
    uint8_t *dst = main + out;
    for (size_t i = 0; i < input_count; i++) {
        uint32_t start, size;
        memcpy(&start, ranges + 8 * i, 4);
        memcpy(&size, ranges + 8 * i + 4, 4);
        memmove(dst, main + start, size);
        dst += size;
    }
}
