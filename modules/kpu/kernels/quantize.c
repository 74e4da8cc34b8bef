// quantize (kernels.h): the affine map, then the runtime's rounding and the clamp to u8.
#include <math.h>

#include "kernels.h"

// Half to even without depending on the FPU rounding mode.
static float round_even(float t) {
    float f = floorf(t), d = t - f;
    if (d > 0.5f || (d == 0.5f && fmodf(f, 2.0f) != 0.0f)) {
        return f + 1.0f;
    }
    return f;
}

// An integral (or infinite) float clamped to 0..255.
static uint8_t clamp_u8(float q) {
    return q > 255.0f ? 255 : q > 0.0f ? (uint8_t)q : 0;
}

void kernel_quantize(const float *in, uint8_t *out, size_t count, const kernel_quantize_params_t *p) {
    // pairs round to even under KERNEL_ROUND_PAIRS_EVEN (a vector loop), the rest half away
    size_t even = p->rounding == KERNEL_ROUND_PAIRS_EVEN ? count / 2 * 2 : 0;
    for (size_t i = 0; i < count; i++) {
        float t = (in[i] - p->sub) * p->mul;
        t = t + p->add;
        out[i] = t != t ? p->nan_value : clamp_u8(i < even ? round_even(t) : roundf(t));
    }
}
