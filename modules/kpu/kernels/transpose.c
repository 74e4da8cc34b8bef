// transpose (kernels.h).
#include <string.h>

#include "kernels.h"

void kernel_transpose(const uint8_t *in, uint8_t *out, const kernel_transpose_params_t *p) {
    kernel_shape_t os;
    for (int i = 0; i < 4; i++) {
        os.d[i] = p->in_shape.d[p->perm.d[i]];
    }
    // stride of each output axis in the input
    size_t in_stride[4], st = 1;
    for (int i = 3; i >= 0; i--) {
        in_stride[i] = st;
        st *= (size_t)p->in_shape.d[i];
    }
    size_t s0 = in_stride[p->perm.d[0]], s1 = in_stride[p->perm.d[1]], s2 = in_stride[p->perm.d[2]], s3 = in_stride[p->perm.d[3]];
    size_t e = p->elem;
    for (int32_t a = 0; a < os.d[0]; a++) {
        for (int32_t b = 0; b < os.d[1]; b++) {
            for (int32_t c = 0; c < os.d[2]; c++) {
                for (int32_t d = 0; d < os.d[3]; d++, out += e) {
                    memcpy(out, in + (a * s0 + b * s1 + c * s2 + d * s3) * e, e);
                }
            }
        }
    }
}
