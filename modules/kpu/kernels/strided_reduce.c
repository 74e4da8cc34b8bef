// strided_reduce (kernels.h): one pass over the input in index order. An output element is
// first touched by the input whose reduced coordinates are all 0 (it starts from init there)
// and last by the one whose reduced coordinates are all at their end (a mean divides there).
#include "kernels.h"

void kernel_strided_reduce(const float *in, float *out, const kernel_strided_reduce_params_t *p) {
    const kernel_nd_t *nd = &p->nd;
    if (kernel_nd_count(nd) == 0) {
        return;
    }
    uint32_t idx[KERNEL_ND_MAX] = { 0 };
    int64_t i = 0, o = 0;
    do {
        bool first = true, last = true;
        for (uint32_t d = 0; d < nd->rank; d++) {
            if (p->reduced >> d & 1) {
                first = first && idx[d] == 0;
                last = last && idx[d] + 1 == nd->shape[d];
            }
        }
        float v = kernel_reduce_fold(p->op, first ? p->init : out[o], in[i]);
        if (last && p->op == KERNEL_REDUCE_MEAN) {
            v = v / p->mean_count;
        }
        out[o] = v;
    } while (kernel_nd_next(nd, idx, &i, &o));
}
