// strided_pad (kernels.h): each output element reads the input coordinate its mode maps it
// to, or (constant mode, outside the input) the pad value. A negative padding crops first; the
// modes then mirror about the cropped edges (numpy.pad of the cropped array).
#include <string.h>

#include "kernels.h"

// Coordinate j (relative to the kept part of n elements) -> the one read, or -1 for the value.
// The caller keeps paddings within one reflection (kernels.h).
static int64_t source(kernel_pad_mode_t mode, int64_t j, int64_t n) {
    if (j >= 0 && j < n) {
        return j;
    }
    switch (mode) {
        case KERNEL_PAD_REFLECT: return j < 0 ? -j : 2 * (n - 1) - j;
        case KERNEL_PAD_SYMMETRIC: return j < 0 ? -j - 1 : 2 * n - 1 - j;
        case KERNEL_PAD_EDGE: return j < 0 ? 0 : n - 1;
        default: return -1;
    }
}

void kernel_strided_pad(const uint8_t *in, uint8_t *out, const kernel_strided_pad_params_t *p) {
    kernel_nd_t nd;
    memset(&nd, 0, sizeof(nd));
    nd.rank = p->rank;
    for (uint32_t d = 0; d < p->rank; d++) {
        nd.shape[d] = p->out_shape[d];
        nd.out_stride[d] = p->out_stride[d];
    }
    if (kernel_nd_count(&nd) == 0) {
        return;
    }
    uint32_t idx[KERNEL_ND_MAX] = { 0 };
    int64_t unused = 0, o = 0;
    do {
        int64_t i = 0;
        for (uint32_t d = 0; d < p->rank && i >= 0; d++) {
            int64_t s = source(p->mode, (int64_t)idx[d] - p->before[d], p->keep[d]);
            i = s < 0 ? -1 : i + (p->first[d] + s) * p->in_stride[d];
        }
        memcpy(out + o * p->elem, i < 0 ? p->value : in + i * p->elem, p->elem);
    } while (kernel_nd_next(&nd, idx, &unused, &o));
}
