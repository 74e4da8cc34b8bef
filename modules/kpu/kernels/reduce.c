// reduce (kernels.h).
#include "kernels.h"

void kernel_reduce(const float *in, float *out, const kernel_reduce_params_t *p) {
    const kernel_shape_t *is = &p->in_shape, *os = &p->out_shape;
    size_t on = kernel_count(os);
    for (size_t i = 0; i < on; i++) {
        out[i] = p->init;
    }
    for (int32_t d0 = 0; d0 < is->d[0]; d0++) {
        for (int32_t d1 = 0; d1 < is->d[1]; d1++) {
            for (int32_t d2 = 0; d2 < is->d[2]; d2++) {
                for (int32_t d3 = 0; d3 < is->d[3]; d3++) {
                    float *acc = &out[kernel_offset(os, d0 < os->d[0] ? d0 : 0, d1 < os->d[1] ? d1 : 0,
                        d2 < os->d[2] ? d2 : 0, d3 < os->d[3] ? d3 : 0)];
                    *acc = kernel_reduce_fold(p->op, *acc, in[kernel_offset(is, d0, d1, d2, d3)]);
                }
            }
        }
    }
    if (p->op != KERNEL_REDUCE_MEAN) {
        return;
    }
    if (p->mean == KERNEL_MEAN_DIVIDE) {
        float n = (float)(p->in_elems / p->out_elems);
        for (size_t i = 0; i < p->out_elems; i++) {
            out[i] = out[i] / n;
        }
    } else {
        float mul = (float)p->out_elems / (float)p->in_elems;
        for (size_t i = 0; i < p->out_elems; i++) {
            out[i] = out[i] * mul;
        }
    }
}
