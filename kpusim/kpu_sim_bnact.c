// BN + activation of four conv outputs per step in AVX2 (the fast engine's hot loop after the
// multiply-adds). Every step is the 64-bit integer expression of the scalar path
// (kpu_sim_act.c): products are the low 64 bits built from 32x32->64 multiplies (so they wrap
// exactly like the scalar uint64 arithmetic), arithmetic shifts are logical shifts of the value
// xor its sign mask, and the segment is the count of x_start[1..15] the value passes, which for
// an ascending table is the end of the prefix the scalar bisection finds. Tables this cannot
// take (not ascending, a segment shift past 62) stay on the scalar path.
#include <string.h>

#include "kpu_sim_fast.h"

#if KPU_SIM_FAST && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

// Low 64 bits of a * b for b a sign-extended 32-bit value in every lane.
static inline AVX2 __m256i mul64_s32(__m256i a, __m256i b) {
    __m256i a_hi = _mm256_srli_epi64(a, 32), b_hi = _mm256_srli_epi64(b, 32);
    __m256i lo = _mm256_mul_epu32(a, b);
    __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(a_hi, b), _mm256_mul_epu32(a, b_hi));
    return _mm256_add_epi64(lo, _mm256_slli_epi64(cross, 32));
}

static inline AVX2 __m256i sra64_var(__m256i x, __m256i n) {
    __m256i m = _mm256_cmpgt_epi64(_mm256_setzero_si256(), x);
    return _mm256_xor_si256(_mm256_srlv_epi64(_mm256_xor_si256(x, m), n), m);
}


// The 8-lane path: when the caller's bound on |acc| shows that the BN output v, the segment
// products and the rounded values all fit int32 (checked segment by segment below), the
// activation runs on eight 32-bit lanes with native variable shifts and min/max. The answer is
// the same integers: the bounds guarantee none of the 32-bit steps wraps.
static inline AVX2 __m256i pack_lo_dwords(__m256i a, __m256i b) {
    const __m256i idx = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    __m256i pa = _mm256_permutevar8x32_epi32(a, idx), pb = _mm256_permutevar8x32_epi32(b, idx);
    return _mm256_permute2x128_si256(pa, pb, 0x20);
}

static inline AVX2 __m256i lookup16(__m256i lo8, __m256i hi8, __m256i j) {
    __m256i upper = _mm256_cmpgt_epi32(j, _mm256_set1_epi32(7));
    return _mm256_blendv_epi8(_mm256_permutevar8x32_epi32(lo8, j), _mm256_permutevar8x32_epi32(hi8, j), upper);
}

static inline AVX2 __m256i bn4(const int32_t *lo, const int64_t *tx, __m256i vtw, __m256i vmul,
    __m128i bshift, __m256i vadd) {
    __m256i acc = _mm256_cvtepi32_epi64(_mm_loadu_si128((const __m128i *)lo));
    acc = _mm256_add_epi64(_mm256_add_epi64(acc, _mm256_loadu_si256((const __m256i *)tx)), vtw);
    __m256i prod = _mm256_mul_epi32(acc, vmul);
    __m256i m = _mm256_cmpgt_epi64(_mm256_setzero_si256(), prod);
    __m256i v = _mm256_xor_si256(_mm256_srl_epi64(_mm256_xor_si256(prod, m), bshift), m);
    return _mm256_add_epi64(v, vadd);
}

// BN of eight outputs on 32-bit lanes, for when tx and acc fit int32 and shift <= 62: the sums
// lo + tx + tw wrap mod 2^32 to acc itself; acc * mul is exact in 64 bits (|.| < 2^62), and
// adding 2^62 makes it non-negative, so a logical shift gives floor(acc * mul / 2^shift) +
// 2^(62 - shift); vadd32 holds add minus that constant mod 2^32, and v fits int32 (the caller
// checked), so the low 32 bits of the sum are v exactly.
static inline AVX2 __m256i bn8(const int32_t *lo, const int32_t *tx32, __m256i vtw32, __m256i vmul,
    __m256i vbias, __m128i bshift, __m256i vadd32) {
    __m256i acc = _mm256_add_epi32(_mm256_add_epi32(_mm256_loadu_si256((const __m256i *)lo),
        _mm256_loadu_si256((const __m256i *)tx32)), vtw32);
    __m256i pe = _mm256_add_epi64(_mm256_mul_epi32(acc, vmul), vbias);
    __m256i po = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(acc, 32), vmul), vbias);
    pe = _mm256_srl_epi64(pe, bshift);
    po = _mm256_slli_epi64(_mm256_srl_epi64(po, bshift), 32);
    return _mm256_add_epi32(_mm256_blend_epi32(pe, po, 0xAA), vadd32);
}

// The segment search as a bisection over the sorted starts T[1..15] (T[i] = the i-th start
// inside the value range, INT32_MAX past the last): the largest i whose start v passes
// (v > T[i] for nncase 0.2, T[i] <= v for the SDK rule), i.e. the count the linear loop makes
// when the starts ascend. Four steps of 8, 4, 2, 1 (three when fewer than 8 starts count).
typedef struct {
    __m256i t8, t4, t12, t2, t1;   // T[8], T[4], T[12], {T[2], T[6], T[10], T[14]}, {T[1], T[3], ..}
    int wide;                       // more than 7 starts: the step of 8 is needed
} bsearch_t;

static inline AVX2 __m256i passes(__m256i v, __m256i t, int banker) {
    // all ones where v passes start t
    return banker ? _mm256_cmpgt_epi32(v, t) : _mm256_xor_si256(_mm256_cmpgt_epi32(t, v), _mm256_set1_epi32(-1));
}

static inline AVX2 __m256i bsearch8(const bsearch_t *b, __m256i v, int banker) {
    __m256i j = _mm256_setzero_si256(), t4 = b->t4;
    if (b->wide) {
        __m256i m = passes(v, b->t8, banker);
        j = _mm256_and_si256(m, _mm256_set1_epi32(8));
        t4 = _mm256_blendv_epi8(b->t4, b->t12, m);
    }
    j = _mm256_add_epi32(j, _mm256_and_si256(passes(v, t4, banker), _mm256_set1_epi32(4)));
    __m256i t2 = _mm256_permutevar8x32_epi32(b->t2, _mm256_srli_epi32(j, 2));
    j = _mm256_add_epi32(j, _mm256_and_si256(passes(v, t2, banker), _mm256_set1_epi32(2)));
    __m256i t1 = _mm256_permutevar8x32_epi32(b->t1, _mm256_srli_epi32(j, 1));
    return _mm256_add_epi32(j, _mm256_and_si256(passes(v, t1, banker), _mm256_set1_epi32(1)));
}

// The 32-bit-lane loop of bn_act_i32 on 16 lanes (AVX-512F), for the bn8 case: the same
// steps, with the 16-entry tables one permute each and the bisection over T[1..15] in
// `steps` halvings (T past the starts in range is INT32_MAX). Returns how many it did (a
// multiple of 16); bn_act_i32's 8-lane loop finishes the rest.
typedef struct {
    const int32_t *xs, *seg, *tt;   // 16 clamped starts, packed segments, T (relative to jlo)
    int jlo, steps, banker;
    int32_t tw32, mul, add32;       // low 32 bits of tw, BN multiplier, vadd32 of bn8
    unsigned shift;
} act512_t;

// One body per (steps, banker) pair, both compile-time constants: with them unknown the
// compiler kept the rule's choice inside the bisection (both compares, the masks through
// general registers and back), which cost about a third of this loop.
#define AVX512 __attribute__((target("avx512f")))
static inline AVX512 __attribute__((always_inline)) int bn_act_i32_512_body(const act512_t *c,
    const int32_t *lo, const int32_t *tx32, uint8_t *out, int n, const int steps, const int banker) {
    const __m512i xs = _mm512_loadu_si512(c->xs), sg = _mm512_loadu_si512(c->seg);
    const __m512i tt = _mm512_loadu_si512(c->tt), vjlo = _mm512_set1_epi32(c->jlo);
    const __m512i vtw = _mm512_set1_epi32(c->tw32), vmul = _mm512_set1_epi64((int64_t)c->mul);
    const __m512i vbias = _mm512_set1_epi64((int64_t)1 << 62), vadd = _mm512_set1_epi32(c->add32);
    const __m128i bshift = _mm_cvtsi32_si128((int)c->shift);
    const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
    const __m512i m8 = _mm512_set1_epi32(0xFF), v255 = _mm512_set1_epi32(255);
    int p = 0;
    for (; p + 16 <= n; p += 16) {
        __m512i acc = _mm512_add_epi32(_mm512_add_epi32(_mm512_loadu_si512(lo + p),
            _mm512_loadu_si512(tx32 + p)), vtw);
        __m512i pe = _mm512_add_epi64(_mm512_mul_epi32(acc, vmul), vbias);
        __m512i po = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(acc, 32), vmul), vbias);
        pe = _mm512_srl_epi64(pe, bshift);
        po = _mm512_slli_epi64(_mm512_srl_epi64(po, bshift), 32);
        __m512i v = _mm512_add_epi32(_mm512_mask_blend_epi32(0xAAAA, pe, po), vadd);
        __m512i jr = zero;     // the segment relative to jlo (tt's indexing)
        for (int k = steps - 1; k >= 0; k--) {
            __m512i cand = _mm512_add_epi32(jr, _mm512_set1_epi32(1 << k));
            __m512i t = _mm512_permutexvar_epi32(cand, tt);
            __mmask16 m = banker ? _mm512_cmpgt_epi32_mask(v, t) : _mm512_cmple_epi32_mask(t, v);
            jr = _mm512_mask_mov_epi32(jr, m, cand);
        }
        __m512i j = _mm512_add_epi32(jr, vjlo);
        __m512i xj = _mm512_permutexvar_epi32(j, xs), sgw = _mm512_permutexvar_epi32(j, sg);
        __m512i yj = _mm512_srai_epi32(sgw, 16);
        __m512i sj = _mm512_and_si512(_mm512_srli_epi32(sgw, 8), m8);
        __m512i bj = _mm512_and_si512(sgw, m8);
        __m512i t = _mm512_mullo_epi32(_mm512_sub_epi32(v, xj), yj);
        __m512i r;
        if (banker) {   // as the 8-lane loop
            __m512i mask = _mm512_sub_epi32(_mm512_sllv_epi32(one, sj), one);
            __m512i q = _mm512_srav_epi32(t, sj);
            __m512i odd = _mm512_and_si512(q, _mm512_and_si512(mask, one));
            __m512i f = _mm512_and_si512(t, mask);
            __m512i up = _mm512_srlv_epi32(_mm512_add_epi32(_mm512_add_epi32(f, _mm512_srli_epi32(mask, 1)), odd), sj);
            __m512i neg = _mm512_srai_epi32(t, 31);
            r = _mm512_add_epi32(q, _mm512_sub_epi32(_mm512_xor_si512(up, neg), neg));
        } else {
            __m512i sgn = _mm512_or_si512(_mm512_srai_epi32(t, 31), one);
            __m512i u = _mm512_srav_epi32(t, _mm512_sub_epi32(sj, one));
            __m512i q = _mm512_srai_epi32(u, 1);
            __mmask16 odd = _mm512_test_epi32_mask(u, one);
            r = _mm512_mask_add_epi32(q, odd, q, sgn);
            r = _mm512_mask_mov_epi32(r, _mm512_cmpeq_epi32_mask(sj, zero), t);   // shift 0: t
        }
        r = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(r, bj), zero), v255);
        _mm_storeu_si128((__m128i *)(out + p), _mm512_cvtepi32_epi8(r));
    }
    return p;
}

#define BN512(S, B) \
    static AVX512 int bn512_##S##_##B(const act512_t *c, const int32_t *lo, const int32_t *tx32, \
        uint8_t *out, int n) { \
        return bn_act_i32_512_body(c, lo, tx32, out, n, S, B); \
    }
BN512(0, 0) BN512(1, 0) BN512(2, 0) BN512(3, 0) BN512(4, 0)
BN512(0, 1) BN512(1, 1) BN512(2, 1) BN512(3, 1) BN512(4, 1)

// The 32-bit-lane loop of bn_act_i32 on 16 lanes for the bn8 case (see act512_t).
static int bn_act_i32_512(const act512_t *c, const int32_t *lo, const int32_t *tx32, uint8_t *out, int n) {
    typedef int (*fn_t)(const act512_t *, const int32_t *, const int32_t *, uint8_t *, int);
    static const fn_t fns[2][5] = {
        { bn512_0_0, bn512_1_0, bn512_2_0, bn512_3_0, bn512_4_0 },
        { bn512_0_1, bn512_1_1, bn512_2_1, bn512_3_1, bn512_4_1 },
    };
    return fns[c->banker != 0][c->steps](c, lo, tx32, out, n);
}

static int use_avx512;

void kpu_sim_bn_act_use_avx512(int on) {
    use_avx512 = on;
}

static AVX2 int bn_act_i32(const kpu_sim_act_t *a, kpu_sim_bn_t bn, const int32_t *lo,
    const int64_t *tx, const int32_t *tx32, int64_t tw, int64_t acc_min, int64_t acc_max,
    uint8_t *out, int n) {
    int64_t vmin, vmax;
    if (!kpu_sim_bn_act_fits32(a, bn, acc_min, acc_max, &vmin, &vmax)) {
        return 0;
    }
    int banker = a->rule == KPU_ACT_RULE_NNCASE02;
    const int32_t *xs = a->xs32, *seg = a->seg32;
    const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1), m8 = _mm256_set1_epi32(0xFF);
    const __m256i vtw = _mm256_set1_epi64x(tw), vmul = _mm256_set1_epi64x((int64_t)bn.mul);
    const __m256i vadd = _mm256_set1_epi64x((int64_t)bn.add), v255 = _mm256_set1_epi32(255);
    const __m128i bshift = _mm_cvtsi32_si128((int)bn.shift);
    int narrow = tx32 != NULL && bn.shift <= 62;      // bn8 applies
    const __m256i vtw32 = _mm256_set1_epi32((int32_t)(uint32_t)(uint64_t)tw);
    const __m256i vbias = _mm256_set1_epi64x((int64_t)1 << 62);
    const __m256i vadd32 = _mm256_set1_epi32((int32_t)((uint32_t)bn.add
        - (uint32_t)((uint64_t)1 << (narrow ? 62 - bn.shift : 0))));
    // Pruned segment search: an ascending start that every v in [vmin, vmax] passes, or none
    // does, adds a constant to the segment index; only the starts inside the range are compared.
    // (A start outside int32 is outside the range, so the clamped xs[] are exact where compared.)
    __m256i xk[15];
    int nk = 0, base = banker ? 0 : 15;
    for (int k = 1; k < 16; k++) {
        int64_t x = a->x_start[k];
        if (banker ? x < vmin : x > vmax) {
            base += banker ? 1 : -1;       // strict v > x always (nncase 0.2), x > v always (0.1)
        } else if (banker ? x < vmax : x > vmin) {
            xk[nk++] = _mm256_set1_epi32(xs[k]);
        }
    }
    // The segment index lies in [jlo, jlo + nk]; the loop counts it relative to jlo. When that
    // span fits 8 entries, one permute per table finds a segment instead of two and a blend.
    int jlo = banker ? base : base - nk;
    const __m256i vrel = _mm256_set1_epi32(banker ? 0 : nk), vjlo = _mm256_set1_epi32(jlo);
    int compact = nk < 8;
    int32_t xs8[8], sg8[8];
    for (int i = 0; i < 8; i++) {
        int idx = jlo + i > 15 ? 15 : jlo + i;
        xs8[i] = xs[idx];
        sg8[i] = seg[idx];
    }
    // many starts inside the range (e.g. a leaky ReLU drawn in 14 segments): bisect instead
    int bisect = nk >= 6;
    int32_t tt[16], t2a[8], t1a[8];
    for (int i = 0; i < 16; i++) {
        tt[i] = i >= 1 && i <= nk ? xs[jlo + i] : INT32_MAX;
    }
    for (int i = 0; i < 8; i++) {
        t2a[i] = tt[(4 * i + 2) & 15];   // entries 4..7 are never indexed
        t1a[i] = tt[2 * i + 1];
    }
    bsearch_t bs = { _mm256_set1_epi32(tt[8]), _mm256_set1_epi32(tt[4]), _mm256_set1_epi32(tt[12]),
        _mm256_loadu_si256((const __m256i *)t2a), _mm256_loadu_si256((const __m256i *)t1a), nk >= 8 };
    const __m256i xs_c = _mm256_loadu_si256((const __m256i *)xs8), sg_c = _mm256_loadu_si256((const __m256i *)sg8);
    const __m256i xs_lo = _mm256_loadu_si256((const __m256i *)xs), xs_hi = _mm256_loadu_si256((const __m256i *)(xs + 8));
    const __m256i sg_lo = _mm256_loadu_si256((const __m256i *)seg), sg_hi = _mm256_loadu_si256((const __m256i *)(seg + 8));
    int p = 0;
    if (use_avx512 && narrow) {
        int steps = 0;
        while (steps < 4 && (1 << steps) <= nk) {
            steps++;                                   // halvings that cover 0..nk
        }
        act512_t c = { xs, seg, tt, jlo, steps, banker, (int32_t)(uint32_t)(uint64_t)tw, bn.mul,
            (int32_t)((uint32_t)bn.add - (uint32_t)((uint64_t)1 << (62 - bn.shift))), bn.shift };
        p = bn_act_i32_512(&c, lo, tx32, out, n);
    }
    for (; p + 8 <= n; p += 8) {
        __m256i v = narrow ? bn8(lo + p, tx32 + p, vtw32, vmul, vbias, bshift, vadd32)
            : pack_lo_dwords(bn4(lo + p, tx + p, vtw, vmul, bshift, vadd),
                bn4(lo + p + 4, tx + p + 4, vtw, vmul, bshift, vadd));
        __m256i j = vrel;
        if (bisect) {
            j = bsearch8(&bs, v, banker);
        } else if (banker) {
            for (int k = 0; k < nk; k++) {
                j = _mm256_sub_epi32(j, _mm256_cmpgt_epi32(v, xk[k]));
            }
        } else {
            for (int k = 0; k < nk; k++) {
                j = _mm256_add_epi32(j, _mm256_cmpgt_epi32(xk[k], v));
            }
        }
        __m256i xj, sgw;
        if (compact) {
            xj = _mm256_permutevar8x32_epi32(xs_c, j);
            sgw = _mm256_permutevar8x32_epi32(sg_c, j);
        } else {
            j = _mm256_add_epi32(j, vjlo);
            xj = lookup16(xs_lo, xs_hi, j);
            sgw = lookup16(sg_lo, sg_hi, j);
        }
        __m256i yj = _mm256_srai_epi32(sgw, 16);
        __m256i sj = _mm256_and_si256(_mm256_srli_epi32(sgw, 8), m8);
        __m256i bj = _mm256_and_si256(sgw, m8);
        __m256i t = _mm256_mullo_epi32(_mm256_sub_epi32(v, xj), yj);
        __m256i r;
        if (banker) {
            // q = floor(t / 2^s), f = the bits shifted out; the carry (f > 2^(s-1), or equal
            // and q odd) is bit s of f + (2^(s-1) - 1) + (q & 1), and goes away from zero
            // (q - 1 for t < 0, as the scalar q + sign). s = 0: mask 0, no carry, r = t.
            __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, sj), one);
            __m256i q = _mm256_srav_epi32(t, sj);
            __m256i odd = _mm256_and_si256(q, _mm256_and_si256(mask, one));
            __m256i f = _mm256_and_si256(t, mask);
            __m256i up = _mm256_srlv_epi32(_mm256_add_epi32(_mm256_add_epi32(f, _mm256_srli_epi32(mask, 1)), odd), sj);
            __m256i neg = _mm256_srai_epi32(t, 31);
            r = _mm256_add_epi32(q, _mm256_sub_epi32(_mm256_xor_si256(up, neg), neg));
        } else {
            __m256i sgn = _mm256_or_si256(_mm256_srai_epi32(t, 31), one);   // -1 or +1
            __m256i u = _mm256_srav_epi32(t, _mm256_sub_epi32(sj, one));
            __m256i q = _mm256_srai_epi32(u, 1);
            __m256i odd = _mm256_cmpeq_epi32(_mm256_and_si256(u, one), one);
            r = _mm256_add_epi32(q, _mm256_and_si256(odd, sgn));
            r = _mm256_blendv_epi8(r, t, _mm256_cmpeq_epi32(sj, zero));   // shift 0: t itself
        }
        r = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(r, bj), zero), v255);
        __m256i w = _mm256_packus_epi32(r, r);                         // per 128-bit lane
        w = _mm256_packus_epi16(w, w);
        uint32_t a4 = (uint32_t)_mm256_extract_epi32(w, 0), b4 = (uint32_t)_mm256_extract_epi32(w, 4);
        memcpy(out + p, &a4, 4);
        memcpy(out + p + 4, &b4, 4);
    }
    return p;
}

AVX2 int kpu_sim_bn_act_avx2(const kpu_sim_act_t *a, kpu_sim_bn_t bn, const int32_t *lo,
    const int32_t *hi, const int64_t *tx, const int32_t *tx32, int64_t tw, int64_t acc_min,
    int64_t acc_max, uint8_t *out, int n) {
    int acc32 = hi == NULL && acc_min > INT32_MIN && acc_max < INT32_MAX;
    if (acc32) {
        int done = bn_act_i32(a, bn, lo, tx, tx32, tw, acc_min, acc_max, out, n);
        if (done > 0) {
            return done;
        }
    }
    int banker = a->rule == KPU_ACT_RULE_NNCASE02;
    if (!a->ascending) {
        return 0;
    }
    // one gather fetches a segment's y_mul (high 16 bits), shift (bits 8-15) and bias (0-7)
    int32_t seg[16];
    for (int j = 0; j < 16; j++) {
        if (a->shift[j] > 62) {
            return 0;
        }
        seg[j] = (int32_t)(((uint32_t)(uint16_t)a->y_mul[j] << 16) | ((uint32_t)a->shift[j] << 8) | a->bias[j]);
    }
    const __m128i m8 = _mm_set1_epi32(0xFF);
    const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi64x(1);
    const __m256i vtw = _mm256_set1_epi64x(tw);
    const __m256i vmul = _mm256_set1_epi64x((int64_t)bn.mul);
    const __m256i vadd = _mm256_set1_epi64x((int64_t)bn.add);
    const __m128i bshift = _mm_cvtsi32_si128((int)bn.shift);
    const __m256i v255 = _mm256_set1_epi64x(255);
    const __m256i lanes = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);   // low dword of each lane
    __m256i xs[16];
    for (int j = 0; j < 16; j++) {
        xs[j] = _mm256_set1_epi64x(a->x_start[j]);
    }
    int p = 0;
    for (; p + 4 <= n; p += 4) {
        __m256i acc = _mm256_cvtepi32_epi64(_mm_loadu_si128((const __m128i *)(lo + p)));
        if (hi != NULL) {
            __m256i h = _mm256_cvtepi32_epi64(_mm_loadu_si128((const __m128i *)(hi + p)));
            acc = _mm256_add_epi64(acc, _mm256_slli_epi64(h, 8));
        }
        acc = _mm256_add_epi64(acc, _mm256_loadu_si256((const __m256i *)(tx + p)));
        acc = _mm256_add_epi64(acc, vtw);
        // v = ((acc * mul) >> shift) + add, arithmetic shift
        // acc32: |acc| < 2^31, so one signed 32x32->64 multiply is exact
        __m256i prod = acc32 ? _mm256_mul_epi32(acc, vmul) : mul64_s32(acc, vmul);
        __m256i m = _mm256_cmpgt_epi64(zero, prod);
        __m256i v = _mm256_xor_si256(_mm256_srl_epi64(_mm256_xor_si256(prod, m), bshift), m);
        v = _mm256_add_epi64(v, vadd);
        // segment: strict (v > x) counts passes, non-strict (v >= x) is 15 minus (x > v)
        __m256i j = zero;
        if (banker) {
            for (int k = 1; k < 16; k++) {
                j = _mm256_sub_epi64(j, _mm256_cmpgt_epi64(v, xs[k]));
            }
        } else {
            j = _mm256_set1_epi64x(15);
            for (int k = 1; k < 16; k++) {
                j = _mm256_add_epi64(j, _mm256_cmpgt_epi64(xs[k], v));
            }
        }
        __m256i xj = _mm256_i64gather_epi64((const long long *)a->x_start, j, 8);
        __m128i sg4 = _mm256_i64gather_epi32(seg, j, 4);
        __m256i yj = _mm256_cvtepi32_epi64(_mm_srai_epi32(sg4, 16));
        __m256i sj = _mm256_cvtepi32_epi64(_mm_and_si128(_mm_srli_epi32(sg4, 8), m8));
        __m256i bj = _mm256_cvtepi32_epi64(_mm_and_si128(sg4, m8));
        __m256i t = mul64_s32(_mm256_sub_epi64(v, xj), yj);
        __m256i neg = _mm256_cmpgt_epi64(zero, t);
        __m256i sg = _mm256_or_si256(neg, one);          // -1 or +1
        __m256i r;
        if (banker) {
            __m256i q = sra64_var(t, sj);
            __m256i h = _mm256_sllv_epi64(one, _mm256_sub_epi64(sj, one));
            __m256i f = _mm256_and_si256(t, _mm256_sub_epi64(_mm256_sllv_epi64(one, sj), one));
            __m256i up = _mm256_or_si256(_mm256_cmpgt_epi64(f, h),
                _mm256_and_si256(_mm256_cmpeq_epi64(f, h), _mm256_cmpeq_epi64(_mm256_and_si256(q, one), one)));
            r = _mm256_add_epi64(q, _mm256_and_si256(up, sg));
        } else {
            __m256i u = sra64_var(t, _mm256_sub_epi64(sj, one));
            __m256i q = sra64_var(u, one);
            __m256i odd = _mm256_cmpeq_epi64(_mm256_and_si256(u, one), one);
            r = _mm256_add_epi64(q, _mm256_and_si256(odd, sg));
        }
        r = _mm256_blendv_epi8(r, t, _mm256_cmpeq_epi64(sj, zero));   // shift 0: t itself
        // clamp(r + bias, 0, 255): |r| < 2^62, so the sum cannot wrap
        r = _mm256_add_epi64(r, bj);
        r = _mm256_blendv_epi8(r, v255, _mm256_cmpgt_epi64(r, v255));
        r = _mm256_andnot_si256(_mm256_cmpgt_epi64(zero, r), r);
        __m128i d = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(r, lanes));
        d = _mm_packus_epi16(_mm_packus_epi32(d, d), d);
        int32_t four = _mm_cvtsi128_si32(d);
        memcpy(out + p, &four, 4);
    }
    return p;
}

#endif
