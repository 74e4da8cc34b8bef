// Batch-norm entries and the 16-segment activation (docs/kpu.md, "Batch norm" and "Activation"),
// with both segment rules: nncase 0.2 (strict v > x_start, banker carry) and nncase 0.1
// (v >= x_start, the SDK's half-up carry; docs/kpu.md, "Rounding").
// Signed right shifts of negative values are arithmetic (floor) on every compiler we build
// with (GCC/Clang define it so); shifts of 63 or more are handled explicitly, because C leaves
// them undefined while the 8-bit shift_number field allows up to 255.
#include "kpu_sim.h"

static uint64_t rd_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

static int64_t sext(uint64_t v, unsigned bits) {
    uint64_t m = (uint64_t)1 << (bits - 1);
    v &= ((uint64_t)1 << bits) - 1;
    return (int64_t)((v ^ m) - m);
}

kpu_sim_bn_t kpu_sim_bn_decode(const uint8_t entry[8]) {
    uint64_t e = rd_u64(entry);
    kpu_sim_bn_t bn = {
        .mul = (int32_t)sext(e, 24),
        .add = (int32_t)sext(e >> 24, 32),
        .shift = (unsigned)((e >> 56) & 0xF),
    };
    return bn;
}

static int act_monotone(const kpu_sim_act_t *a);

void kpu_sim_act_decode(kpu_sim_act_t *a, const uint8_t table[144], kpu_act_rule_t rule) {
    a->ascending = 1;
    for (int j = 0; j < 16; j++) {
        uint64_t s = rd_u64(table + 8 * j);
        a->shift[j] = (uint8_t)(s & 0xFF);
        a->y_mul[j] = (int32_t)sext(s >> 8, 16);
        // bits 60-63 are reserved and ignored: nncase 0.2 files carry 0xC there (MSVC's 0xCC
        // fill of uninitialised memory) and run on boards
        a->x_start[j] = sext(s >> 24, 36);
        a->bias[j] = table[128 + j];
        if (j > 0 && a->x_start[j] < a->x_start[j - 1]) {
            a->ascending = 0;
        }
        int64_t x = a->x_start[j];
        a->xs32[j] = (int32_t)(x < INT32_MIN ? INT32_MIN : x > INT32_MAX ? INT32_MAX : x);
        // (d * y) >> s with the powers of two common to y and 2^s taken out: the same quotient
        // and the same fraction against one half (both scaled by 2^k), so both rounding rules
        // give the same result, and d * y then fits 32 bits for far wider d (ReLU-like segments
        // are y = 1024, s = 20: d >> 10)
        int32_t ym = a->y_mul[j];
        int sh = a->shift[j];
        while (ym != 0 && (ym & 1) == 0 && sh > 0) {
            ym /= 2;
            sh--;
        }
        a->seg32[j] = (int32_t)(((uint32_t)(uint16_t)ym << 16) | ((uint32_t)sh << 8) | a->bias[j]);
    }
    a->rule = rule;
    a->monotone = act_monotone(a);
}

int kpu_sim_bn_act_fits32(const kpu_sim_act_t *a, kpu_sim_bn_t bn, int64_t acc_min, int64_t acc_max,
    int64_t *vmin_out, int64_t *vmax_out) {
    const int64_t lim = ((int64_t)1 << 31) - 256;
    if (acc_min <= INT32_MIN || acc_max >= INT32_MAX) {
        return 0;
    }
    // BN is monotone in acc, so the ends of the acc range give the ends of the v range
    int64_t va = (((acc_min * (int64_t)bn.mul)) >> bn.shift) + bn.add;
    int64_t vz = (((acc_max * (int64_t)bn.mul)) >> bn.shift) + bn.add;
    int64_t vmin = va < vz ? va : vz, vmax = va < vz ? vz : va;
    if (!a->ascending || vmin <= -lim || vmax >= lim) {
        return 0;
    }
    for (int j = 0; j < 16; j++) {
        int64_t x = a->x_start[j];
        int32_t ym = a->seg32[j] >> 16;        // reduced y_mul and shift (kpu_sim_act_decode)
        int sh = (a->seg32[j] >> 8) & 0xFF;
        // the values of v that pick segment j, and what they need
        int64_t lo_v = j == 0 || x < vmin ? vmin : x;
        int64_t hi_v = j < 15 && a->x_start[j + 1] < vmax ? a->x_start[j + 1] : vmax;
        if (hi_v < lo_v) {
            continue;                                   // no v in range picks it
        }
        if (sh > 30) {
            return 0;
        }
        if (ym != 0) {
            int64_t d1 = lo_v - x, d2 = hi_v - x;
            int64_t d = (d1 < 0 ? -d1 : d1) > (d2 < 0 ? -d2 : d2) ? (d1 < 0 ? -d1 : d1) : (d2 < 0 ? -d2 : d2);
            int64_t y = ym < 0 ? -(int64_t)ym : ym;
            if (x < INT32_MIN || x > INT32_MAX || d >= lim || d * y >= lim) {
                return 0;
            }
        }
    }
    *vmin_out = vmin;
    *vmax_out = vmax;
    return 1;
}

// floor(t / 2^s) for any s.
static int64_t floor_shr(int64_t t, unsigned s) {
    return s >= 63 ? (t < 0 ? -1 : 0) : t >> s;
}

// Compares f = t mod 2^s (the bits shifted out) with h = 2^(s-1): -1, 0 or +1. s >= 1.
static int frac_vs_half(int64_t t, unsigned s) {
    if (s <= 62) {
        uint64_t f = (uint64_t)t & (((uint64_t)1 << s) - 1);
        uint64_t h = (uint64_t)1 << (s - 1);
        return f < h ? -1 : (f > h ? 1 : 0);
    }
    // s >= 63: for t >= 0, f = t; for t < 0, f = t + 2^s, so f ? h  <=>  t ? -2^(s-1).
    if (t >= 0) {
        if (s > 63) {
            return -1;                              // t < 2^63 <= h
        }
        uint64_t h = (uint64_t)1 << 62;
        return (uint64_t)t < h ? -1 : ((uint64_t)t > h ? 1 : 0);
    }
    if (s == 63) {
        int64_t m = -((int64_t)1 << 62);
        return t < m ? -1 : (t > m ? 1 : 0);
    }
    if (s == 64) {
        return t == INT64_MIN ? 0 : 1;              // -2^63 is the only t not above -2^63
    }
    return 1;
}

int64_t kpu_sim_round_banker(int64_t t, unsigned s) {
    if (s == 0) {
        return t;
    }
    int64_t q = floor_shr(t, s);
    int64_t sg = t < 0 ? -1 : 1;
    int c = frac_vs_half(t, s);
    if (c < 0) {
        return q;
    }
    if (c > 0) {
        return q + sg;
    }
    return (q & 1) ? q + sg : q;
}

int64_t kpu_sim_round_sdk(int64_t t, unsigned s) {
    if (s == 0) {
        return t;
    }
    int64_t u = floor_shr(t, s - 1);
    if ((u & 1) == 0) {
        return u >> 1;
    }
    return u >= 0 ? (u >> 1) + 1 : (u >> 1) - 1;
}

// For an ascending table the predicate holds on a prefix of the segments: a branch-free
// bisection finds its end (0 also when not even segment 0 holds). Callers pass a constant
// rule, so this small function is inlined and specialised.
static inline int seg_asc(const int64_t *xs, int64_t v, int strict) {
    int j = 0;
    j += (strict ? v > xs[j + 8] : v >= xs[j + 8]) ? 8 : 0;
    j += (strict ? v > xs[j + 4] : v >= xs[j + 4]) ? 4 : 0;
    j += (strict ? v > xs[j + 2] : v >= xs[j + 2]) ? 2 : 0;
    j += (strict ? v > xs[j + 1] : v >= xs[j + 1]) ? 1 : 0;
    return j;
}

// Highest j with v > x_start[j] (strict) or v >= x_start[j]; 0 when there is none (nncase
// leaves that case undefined; real tables start segment 0 at -2^35, below any value).
static int segment(const kpu_sim_act_t *a, int64_t v) {
    int strict = a->rule == KPU_ACT_RULE_NNCASE02;
    if (a->ascending) {
        return seg_asc(a->x_start, v, strict);
    }
    for (int j = 15; j >= 0; j--) {
        if (strict ? v > a->x_start[j] : v >= a->x_start[j]) {
            return j;
        }
    }
    return 0;
}

static inline int64_t round_banker_inl(int64_t t, unsigned s) {
    if (s == 0 || s > 62) {
        return kpu_sim_round_banker(t, s);
    }
    int64_t q = t >> s;
    uint64_t f = (uint64_t)t & (((uint64_t)1 << s) - 1);
    uint64_t h = (uint64_t)1 << (s - 1);
    int64_t sg = t < 0 ? -1 : 1;
    if (f > h || (f == h && (q & 1))) {
        return q + sg;
    }
    return q;
}

static inline int64_t round_sdk_inl(int64_t t, unsigned s) {
    if (s == 0 || s > 63) {
        return kpu_sim_round_sdk(t, s);
    }
    int64_t u = t >> (s - 1);
    return (u & 1) == 0 ? u >> 1 : (u >= 0 ? (u >> 1) + 1 : (u >> 1) - 1);
}

static inline uint8_t finish(const kpu_sim_act_t *a, int j, int64_t r) {
    if (r > 255 - (int64_t)a->bias[j]) {
        return 255;
    }
    r += a->bias[j];
    return r < 0 ? 0 : (uint8_t)r;
}

static inline int64_t seg_product(const kpu_sim_act_t *a, int j, int64_t v) {
    // Wrapping 64-bit products, like the reference's int64 arithmetic (real tables stay far
    // below: |v| < 2^36 and |y_mul| < 2^15).
    uint64_t d = (uint64_t)v - (uint64_t)a->x_start[j];
    return (int64_t)(d * (uint64_t)(int64_t)a->y_mul[j]);
}

uint8_t kpu_sim_act_apply(const kpu_sim_act_t *a, int64_t v) {
    int j = segment(a, v);
    int64_t t = seg_product(a, j, v);
    int64_t r = a->rule == KPU_ACT_RULE_NNCASE02 ? round_banker_inl(t, a->shift[j])
                                                   : round_sdk_inl(t, a->shift[j]);
    return finish(a, j, r);
}

// Non-decreasing in v, computed exactly (no product wraps): every segment's slope >= 0 and
// no step down where the segment changes, which for either rule happens between x_k - 1 and
// x_k or between x_k and x_k + 1. At those points |v - x_j| < 2^37 and |y_mul| < 2^15, so
// kpu_sim_act_apply computes them exactly; the clamp to 0..255 keeps the order.
static int act_monotone(const kpu_sim_act_t *a) {
    if (!a->ascending) {
        return 0;
    }
    for (int j = 0; j < 16; j++) {
        if (a->y_mul[j] < 0) {
            return 0;
        }
    }
    for (int k = 1; k < 16; k++) {
        int64_t x = a->x_start[k];
        if (kpu_sim_act_apply(a, x - 1) > kpu_sim_act_apply(a, x)
            || kpu_sim_act_apply(a, x) > kpu_sim_act_apply(a, x + 1)) {
            return 0;
        }
    }
    return 1;
}

void kpu_sim_act_apply_n(const kpu_sim_act_t *a, const int64_t *v, uint8_t *out, size_t n) {
    const int64_t *xs = a->x_start;
    if (!a->ascending) {
        for (size_t p = 0; p < n; p++) {
            out[p] = kpu_sim_act_apply(a, v[p]);
        }
    } else if (a->rule == KPU_ACT_RULE_NNCASE02) {
        for (size_t p = 0; p < n; p++) {
            int j = seg_asc(xs, v[p], 1);
            out[p] = finish(a, j, round_banker_inl(seg_product(a, j, v[p]), a->shift[j]));
        }
    } else {
        for (size_t p = 0; p < n; p++) {
            int j = seg_asc(xs, v[p], 0);
            out[p] = finish(a, j, round_sdk_inl(seg_product(a, j, v[p]), a->shift[j]));
        }
    }
}

#include "kpu_sim_fast.h"

// BN then activation per element, without the intermediate arrays of the reference path
// (same expressions as kpu_sim_exec.c's post_process and kpu_sim_act_apply_n above).
static inline int64_t bn_apply(int64_t acc, uint64_t mul, unsigned shift, int64_t add) {
    return (int64_t)((uint64_t)((int64_t)((uint64_t)acc * mul) >> shift) + (uint64_t)add);
}

void kpu_sim_bn_act_row(const kpu_sim_act_t *a, kpu_sim_bn_t bn, const int32_t *lo,
    const int32_t *hi, const int64_t *tx, const int32_t *tx32, int64_t tw, int64_t acc_min,
    int64_t acc_max, uint8_t *out, int n) {
    (void)acc_min;
    (void)acc_max;
    (void)tx32;
    uint64_t mul = (uint64_t)(int64_t)bn.mul;
    unsigned shift = bn.shift;
    int64_t add = bn.add;
    const int64_t *xs = a->x_start;
#if defined(__x86_64__) || defined(__i386__)
    if (kpu_sim_use_avx2()) {
        int done = kpu_sim_bn_act_avx2(a, bn, lo, hi, tx, tx32, tw, acc_min, acc_max, out, n);
        lo += done;
        hi = hi != NULL ? hi + done : NULL;
        tx += done;
        out += done;
        n -= done;
    }
#endif
    if (hi != NULL || !a->ascending) {
        for (int p = 0; p < n; p++) {
            int64_t acc = (int64_t)lo[p] + (hi != NULL ? (int64_t)hi[p] * 256 : 0) + tx[p] + tw;
            out[p] = kpu_sim_act_apply(a, bn_apply(acc, mul, shift, add));
        }
    } else if (a->rule == KPU_ACT_RULE_NNCASE02) {
        for (int p = 0; p < n; p++) {
            int64_t v = bn_apply((int64_t)lo[p] + tx[p] + tw, mul, shift, add);
            int j = seg_asc(xs, v, 1);
            out[p] = finish(a, j, round_banker_inl(seg_product(a, j, v), a->shift[j]));
        }
    } else {
        for (int p = 0; p < n; p++) {
            int64_t v = bn_apply((int64_t)lo[p] + tx[p] + tw, mul, shift, add);
            int j = seg_asc(xs, v, 0);
            out[p] = finish(a, j, round_sdk_inl(seg_product(a, j, v), a->shift[j]));
        }
    }
}
