// QUANTIZED_ADD: u8 + u8 in 64-bit integers with the SDK's shifts. Processes exactly `count`
// elements (the SDK's 8-way unrolled loop over-reads up to 7; the result is the same).
#include "ops_v3.h"

int64_t kv3_carry_shift(int64_t v, int32_t shift) {
    if (shift <= 0) {
        return v;
    }
    int64_t u = v >> (shift - 1);
    if ((u & 1) == 0) {
        return u >> 1;
    }
    return u >= 0 ? (u >> 1) + 1 : (u >> 1) - 1;
}

// Products and sums wrap in two's complement instead of being undefined on overflow (only
// absurd multipliers from a corrupt file get there; a compiler's never do), so every build of
// the firmware computes the same bytes.
static inline int64_t wmul(int64_t a, int64_t b) {
    return (int64_t)((uint64_t)a * (uint64_t)b);
}

static inline int64_t wadd(int64_t a, int64_t b) {
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

void kv3_quantized_add(const uint8_t *a, const uint8_t *b, uint8_t *out, size_t count, const kv3_qadd_params_t *p) {
    for (size_t i = 0; i < count; i++) {
        int64_t av = (int64_t)a[i] + p->a_offset, bv = (int64_t)b[i] + p->b_offset;
        int64_t v;
        if (p->a_shift == p->b_shift) {
            v = wadd(wmul(av, p->a_mul), wmul(bv, p->b_mul)) >> p->a_shift;
        } else {
            v = wadd(wmul(av, p->a_mul) >> p->a_shift, wmul(bv, p->b_mul) >> p->b_shift);
        }
        v = wadd(kv3_carry_shift(wmul(v, p->out_mul), p->out_shift), p->out_offset);
        out[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
}
