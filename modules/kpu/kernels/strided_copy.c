// strided_copy (kernels.h): one element at a time, any element size.
#include <string.h>

#include "kernels.h"

uint32_t kernel_dt_bytes(uint32_t dt) {
    static const uint8_t bytes[12] = { 1, 2, 4, 8, 1, 2, 4, 8, 2, 4, 8, 2 };
    return dt < 12 ? bytes[dt] : 0;
}

void kernel_strided_copy(const uint8_t *in, uint8_t *out, uint32_t elem, const kernel_nd_t *nd) {
    if (kernel_nd_count(nd) == 0) {
        return;
    }
    uint32_t idx[KERNEL_ND_MAX] = { 0 };
    int64_t i = 0, o = 0;
    do {
        memcpy(out + o * elem, in + i * elem, elem);
    } while (kernel_nd_next(nd, idx, &i, &o));
}
