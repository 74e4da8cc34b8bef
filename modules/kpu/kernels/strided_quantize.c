// strided_quantize (kernels.h): nncase 1.x quantize. The RISC-V build of its runtime rounds a
// contiguous tensor with a vector loop (half to even) and an odd last element with roundf.
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

static uint8_t saturate(float q, bool is_signed) {
    float lo = is_signed ? -128.0f : 0.0f, hi = is_signed ? 127.0f : 255.0f;
    q = q < lo ? lo : q > hi ? hi : q;
    return is_signed ? (uint8_t)(int8_t)q : (uint8_t)q;
}

static bool contiguous(const kernel_nd_t *nd) {
    int64_t want = 1;
    for (int32_t i = (int32_t)nd->rank - 1; i >= 0; i--) {
        if (nd->shape[i] != 1 && (nd->in_stride[i] != want || nd->out_stride[i] != want)) {
            return false;
        }
        want *= nd->shape[i];
    }
    return true;
}

void kernel_strided_quantize(const float *in, uint8_t *out, bool out_signed, float scale, float bias,
    kernel_rounding_t rounding, const kernel_nd_t *nd) {
    size_t count = kernel_nd_count(nd);
    if (count == 0) {
        return;
    }
    // the element that rounds half away: the odd tail of a contiguous run, or every one
    size_t away_from = rounding == KERNEL_ROUND_HALF_AWAY ? 0
        : contiguous(nd) && (count & 1) ? count - 1 : count;
    uint32_t idx[KERNEL_ND_MAX] = { 0 };
    int64_t i = 0, o = 0;
    size_t k = 0;
    do {
        float t = in[i] * scale;
        t = t + bias;
        // NaN: the conversion instruction saturates it to the top of the range
        out[o] = t != t ? saturate(INFINITY, out_signed) : saturate(k >= away_from ? roundf(t) : round_even(t), out_signed);
        k++;
    } while (kernel_nd_next(nd, idx, &i, &o));
}
