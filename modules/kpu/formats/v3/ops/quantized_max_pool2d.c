// QUANTIZED_MAX_POOL2D: u8 max over each window clipped to the input, starting from 0.
#include "ops_v3.h"

void kv3_quantized_max_pool2d(const uint8_t *in, uint8_t *out, const kv3_pool_params_t *p) {
    for (uint32_t c = 0; c < p->out_c; c++) {
        const uint8_t *plane = in + (size_t)c * p->in_w * p->in_h;
        for (uint32_t oy = 0; oy < p->out_h; oy++) {
            for (uint32_t ox = 0; ox < p->out_w; ox++) {
                int64_t y0 = (int64_t)oy * p->stride_h - p->pad_h, x0 = (int64_t)ox * p->stride_w - p->pad_w;
                uint8_t m = 0;
                for (int64_t ky = y0 < 0 ? -y0 : 0; ky < p->kernel_h && y0 + ky < p->in_h; ky++) {
                    for (int64_t kx = x0 < 0 ? -x0 : 0; kx < p->kernel_w && x0 + kx < p->in_w; kx++) {
                        uint8_t v = plane[(y0 + ky) * p->in_w + (x0 + kx)];
                        m = v > m ? v : m;
                    }
                }
                *out++ = m;
            }
        }
    }
}
