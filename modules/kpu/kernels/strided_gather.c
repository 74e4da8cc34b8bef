// strided_gather (kernels.h): every index is checked before anything is written.
#include <string.h>

#include "kernels.h"

int64_t kernel_strided_gather(const uint8_t *in, uint8_t *out, const int32_t *indices, const kernel_strided_gather_params_t *p) {
    const kernel_nd_t *nd = &p->nd;
    for (uint32_t k = 0; k < p->index_count; k++) {
        if (indices[k] < 0 || (uint32_t)indices[k] >= p->axis_dim) {
            return k;
        }
    }
    if (kernel_nd_count(nd) == 0) {
        return -1;
    }
    uint32_t idx[KERNEL_ND_MAX] = { 0 };
    int64_t i = 0, o = 0;
    do {
        // the index axes' coordinates, row-major, pick the index (indices are contiguous)
        uint32_t k = 0;
        for (uint32_t d = p->axis; d < p->axis + p->index_rank; d++) {
            k = k * nd->shape[d] + idx[d];
        }
        memcpy(out + o * p->elem, in + (i + indices[k] * p->axis_stride) * p->elem, p->elem);
    } while (kernel_nd_next(nd, idx, &i, &o));
    return -1;
}
