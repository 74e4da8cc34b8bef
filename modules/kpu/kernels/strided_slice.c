// strided_slice (kernels.h).
#include <string.h>

#include "kernels.h"

int32_t kernel_strided_slice_count(int32_t b, int32_t e, int32_t s) {
    if (s > 0) {
        return b < e ? (int32_t)(((int64_t)e - b + s - 1) / s) : 0;
    }
    return b > e ? (int32_t)(((int64_t)b - e + (-(int64_t)s) - 1) / -(int64_t)s) : 0;
}

void kernel_strided_slice(const uint8_t *in, uint8_t *out, const kernel_strided_slice_params_t *p) {
    const kernel_shape_t *s = &p->in_shape;
    int32_t n[4];
    for (int i = 0; i < 4; i++) {
        n[i] = kernel_strided_slice_count(p->begin.d[i], p->end.d[i], p->strides.d[i]);
    }
    size_t e = p->elem;
    for (int32_t i0 = 0; i0 < n[0]; i0++) {
        int32_t d0 = p->begin.d[0] + i0 * p->strides.d[0];
        for (int32_t i1 = 0; i1 < n[1]; i1++) {
            int32_t d1 = p->begin.d[1] + i1 * p->strides.d[1];
            for (int32_t i2 = 0; i2 < n[2]; i2++) {
                int32_t d2 = p->begin.d[2] + i2 * p->strides.d[2];
                for (int32_t i3 = 0; i3 < n[3]; i3++, out += e) {
                    memcpy(out, in + kernel_offset(s, d0, d1, d2, p->begin.d[3] + i3 * p->strides.d[3]) * e, e);
                }
            }
        }
    }
}
