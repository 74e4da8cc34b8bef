// pad (kernels.h).
#include <string.h>

#include "kernels.h"

void kernel_pad(const uint8_t *in, uint8_t *out, const kernel_pad_params_t *p) {
    const kernel_shape_t *s = &p->in_shape;
    int32_t od[4];
    for (int i = 0; i < 4; i++) {
        od[i] = s->d[i] + p->pad[i].before + p->pad[i].after;
    }
    size_t e = p->elem;
    for (int32_t d0 = 0; d0 < od[0]; d0++) {
        for (int32_t d1 = 0; d1 < od[1]; d1++) {
            for (int32_t d2 = 0; d2 < od[2]; d2++) {
                for (int32_t d3 = 0; d3 < od[3]; d3++, out += e) {
                    int32_t i0 = d0 - p->pad[0].before, i1 = d1 - p->pad[1].before;
                    int32_t i2 = d2 - p->pad[2].before, i3 = d3 - p->pad[3].before;
                    if (i0 < 0 || i0 >= s->d[0] || i1 < 0 || i1 >= s->d[1] || i2 < 0 || i2 >= s->d[2] || i3 < 0 || i3 >= s->d[3]) {
                        memcpy(out, p->value, e);
                    } else {
                        memcpy(out, in + kernel_offset(s, i0, i1, i2, i3) * e, e);
                    }
                }
            }
        }
    }
}
