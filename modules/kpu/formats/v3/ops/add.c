// ADD: element-wise f32 sum.
#include "ops_v3.h"

void kv3_add(const float *a, const float *b, float *out, size_t count) {
    for (size_t i = 0; i < count; i++) {
        out[i] = a[i] + b[i];
    }
}
