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

AVX2 int kpu_sim_bn_act_avx2(const kpu_sim_act_t *a, kpu_sim_bn_t bn, const int32_t *lo,
    const int32_t *hi, const int64_t *tx, int64_t tw, int acc32, uint8_t *out, int n) {
    int banker = a->rule == KPU_ACT_RULE_NNCASE02;
    if (!a->ascending) {
        return 0;
    }
    int32_t ymul[16], sh[16], bias[16];
    for (int j = 0; j < 16; j++) {
        if (a->shift[j] > 62) {
            return 0;
        }
        ymul[j] = a->y_mul[j];
        sh[j] = a->shift[j];
        bias[j] = a->bias[j];
    }
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
        // acc32: the caller proved |acc| < 2^31, so one signed 32x32->64 multiply is exact
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
        __m256i yj = _mm256_cvtepi32_epi64(_mm256_i64gather_epi32(ymul, j, 4));
        __m256i sj = _mm256_cvtepi32_epi64(_mm256_i64gather_epi32(sh, j, 4));
        __m256i bj = _mm256_cvtepi32_epi64(_mm256_i64gather_epi32(bias, j, 4));
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
