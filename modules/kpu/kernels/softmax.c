// softmax (kernels.h).
#include <float.h>
#include <math.h>

#include "kernels.h"

void kernel_softmax(const float *in, float *out, size_t inner, size_t outer, const kernel_softmax_params_t *p) {
    for (size_t r = 0; r < outer; r++) {
        const float *src = in + r * inner;
        float *dst = out + r * inner;
        float max = p->sdk_max_floor ? FLT_MIN : src[0];
        for (size_t i = 0; i < inner; i++) {
            max = src[i] > max ? src[i] : max;
        }
        float sum = 0;
        for (size_t i = 0; i < inner; i++) {
            dst[i] = expf((src[i] - max) * p->beta);
            sum += dst[i];
        }
        for (size_t i = 0; i < inner; i++) {
            dst[i] /= sum;
        }
    }
}
