// RESIZE_NEAREST_NEIGHBOR (f32, elem 4) and QUANTIZED_RESIZE_NEAREST_NEIGHBOR (u8, elem 1): source
// index floor(o * in/out) in f32, clamped; align_corners ignored (as the SDK).
#include <math.h>
#include <string.h>

#include "ops_v3.h"

void kv3_resize_nearest_neighbor(const uint8_t *in, uint8_t *out, size_t elem, const kv3_resize_params_t *p) {
    float sy = (float)p->in_h / p->out_h, sx = (float)p->in_w / p->out_w;
    for (uint32_t c = 0; c < p->channels; c++) {
        const uint8_t *plane = in + (size_t)c * p->in_h * p->in_w * elem;
        for (uint32_t oy = 0; oy < p->out_h; oy++) {
            uint32_t iy = (uint32_t)floorf(oy * sy);
            iy = iy < p->in_h - 1 ? iy : p->in_h - 1;
            for (uint32_t ox = 0; ox < p->out_w; ox++) {
                uint32_t ix = (uint32_t)floorf(ox * sx);
                ix = ix < p->in_w - 1 ? ix : p->in_w - 1;
                memcpy(out, plane + ((size_t)iy * p->in_w + ix) * elem, elem);
                out += elem;
            }
        }
    }
}
