// LOGISTIC: 1 / (1 + exp(-x)).
#include <math.h>

#include "ops_v3.h"

void kv3_logistic(const float *in, float *out, size_t count) {
    for (size_t i = 0; i < count; i++) {
        out[i] = 1.0f / (1.0f + expf(-in[i]));
    }
}
