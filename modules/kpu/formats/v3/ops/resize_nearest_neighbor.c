// RESIZE_NEAREST_NEIGHBOR (f32, elem 4) and QUANTIZED_RESIZE_NEAREST_NEIGHBOR (u8, elem 1):
// kernel_resize_image's nearest mode (align_corners ignored, as the SDK ignores it).
#include "kernels.h"
#include "ops_v3.h"

void kv3_resize_nearest_neighbor(const uint8_t *in, uint8_t *out, size_t elem, const kv3_resize_params_t *p) {
    kernel_resize_image_params_t k = {
        .mode = KERNEL_RESIZE_NEAREST,
        .dtype = elem == 4 ? KERNEL_F32 : KERNEL_U8,
        .in_shape = { { 1, (int32_t)p->channels, (int32_t)p->in_h, (int32_t)p->in_w } },
        .out_h = (int32_t)p->out_h, .out_w = (int32_t)p->out_w,
        .align_corners = false,
    };
    kernel_resize_image(in, out, &k);
}
