// The multiply-add kernels of the fast engine (see kpu_sim_fast.h): the sum S over planes of
// u16 pairs. Inputs and weights are u8 (or one byte plane of u16 weights), so every pairwise
// product fits a signed 16x16->32 multiply-add without saturation, and the int32 sum of at most
// 1024 x 9 products of 255 x 255 cannot overflow (kpu_sim_conv.c gives the bound). Integer sums
// do not depend on their order, so both kernels give the same bits as the reference path.
// The AVX2 kernel is compiled with a per-function target attribute and picked at run time, so
// the build flags stay those of every other file.
#include <stdint.h>
#include <stdlib.h>

#include "kpu_sim_fast.h"

#if KPU_SIM_FAST

// acc[i] += pairwise product of q[i] with (wl, wh), over fixed chunks of KPU_SIM_STRIP with
// restrict pointers: a trip count the compiler knows lets -O2 vectorise it without checks.
static void madd_row(int32_t *restrict acc, const uint32_t *restrict q, int32_t wl, int32_t wh, size_t n) {
    for (size_t i = 0; i < n; i += KPU_SIM_STRIP) {
        for (size_t j = 0; j < KPU_SIM_STRIP; j++) {
            acc[i + j] += (int32_t)(q[i + j] & 0xFFFF) * wl + (int32_t)(q[i + j] >> 16) * wh;
        }
    }
}

static void kernel_portable(int32_t *acc, const int32_t *planes, size_t plane_stride,
    int nplanes, const int32_t *toff, int ntaps, const int32_t *w, size_t n) {
    for (size_t i = 0; i < n; i++) {
        acc[i] = 0;
    }
    for (int p = 0; p < nplanes; p++) {
        const int32_t *base = planes + (size_t)p * plane_stride;
        for (int t = 0; t < ntaps; t++) {
            uint32_t wv = (uint32_t)w[p * ntaps + t];
            int32_t wl = (int32_t)(wv & 0xFFFF), wh = (int32_t)(wv >> 16);
            if (wv == 0) {
                continue;
            }
            madd_row(acc, (const uint32_t *)(base + toff[t]), wl, wh, n);
        }
    }
}

static void kernel4_portable(int32_t *acc, size_t acc_stride, const int32_t *planes,
    size_t plane_stride, int nplanes, const int32_t *toff, int ntaps, const int32_t *w,
    size_t wstride, size_t n) {
    for (int j = 0; j < KPU_SIM_VBLOCK; j++) {
        kernel_portable(acc + (size_t)j * acc_stride, planes, plane_stride, nplanes, toff, ntaps,
            w + (size_t)j * wstride, n);
    }
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

// 32 outputs per pass in four registers, all planes and taps summed before one store. NT is the
// tap count known at compile time (1, 6 or 9) so the tap loop unrolls.
// acc += the pairwise products of x and b: vpmaddwd + vpaddd; with AVX-VNNI one vpdpwssd,
// the same wrapping int32 sum (no saturation; no pair of u8-range products comes near it).
#define MADD_ACC(a, x, b) a = _mm256_add_epi32(a, _mm256_madd_epi16(x, b))
#define VNNI_ACC(a, x, b) a = _mm256_dpwssd_avx_epi32(a, x, b)

#define AVX2_BODY(NT, ACC)                                                                     \
    for (size_t i = 0; i < n; i += KPU_SIM_STRIP) {                                            \
        __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;                       \
        const int32_t *wp = w;                                                                 \
        for (int p = 0; p < nplanes; p++) {                                                    \
            const int32_t *base = planes + (size_t)p * plane_stride + i;                       \
            for (int t = 0; t < (NT); t++) {                                                   \
                __m256i wv = _mm256_set1_epi32(wp[t]);                                         \
                const __m256i *q = (const __m256i *)(base + toff[t]);                          \
                ACC(a0, _mm256_loadu_si256(q), wv);                                            \
                ACC(a1, _mm256_loadu_si256(q + 1), wv);                                        \
                ACC(a2, _mm256_loadu_si256(q + 2), wv);                                        \
                ACC(a3, _mm256_loadu_si256(q + 3), wv);                                        \
            }                                                                                  \
            wp += (NT);                                                                        \
        }                                                                                      \
        _mm256_storeu_si256((__m256i *)(acc + i), a0);                                         \
        _mm256_storeu_si256((__m256i *)(acc + i + 8), a1);                                     \
        _mm256_storeu_si256((__m256i *)(acc + i + 16), a2);                                    \
        _mm256_storeu_si256((__m256i *)(acc + i + 24), a3);                                    \
    }

__attribute__((target("avx2")))
static void kernel_avx2(int32_t *acc, const int32_t *planes, size_t plane_stride,
    int nplanes, const int32_t *toff, int ntaps, const int32_t *w, size_t n) {
    switch (ntaps) {
        case 1: AVX2_BODY(1, MADD_ACC) break;
        case 6: AVX2_BODY(6, MADD_ACC) break;
        case 9: AVX2_BODY(9, MADD_ACC) break;
        default: AVX2_BODY(ntaps, MADD_ACC) break;
    }
}

__attribute__((target("avx2,avxvnni")))
static void kernel_vnni(int32_t *acc, const int32_t *planes, size_t plane_stride,
    int nplanes, const int32_t *toff, int ntaps, const int32_t *w, size_t n) {
    switch (ntaps) {
        case 1: AVX2_BODY(1, VNNI_ACC) break;
        case 6: AVX2_BODY(6, VNNI_ACC) break;
        case 9: AVX2_BODY(9, VNNI_ACC) break;
        default: AVX2_BODY(ntaps, VNNI_ACC) break;
    }
}

// Four channels x 16 outputs per pass: eight accumulators, two input loads and four weight
// broadcasts per tap for eight multiply-adds (the one-channel body above needs a load per
// multiply-add, and its input stream comes from L2 once per channel instead of once per four).
#define AVX2_BODY4(NT, MADD_ACC)                                                               \
    for (size_t i = 0; i < n; i += 16) {                                                       \
        __m256i c00 = _mm256_setzero_si256(), c01 = c00, c10 = c00, c11 = c00;                \
        __m256i c20 = c00, c21 = c00, c30 = c00, c31 = c00;                                    \
        const int32_t *wp = w;                                                                 \
        for (int p = 0; p < nplanes; p++) {                                                    \
            const int32_t *base = planes + (size_t)p * plane_stride + i;                       \
            for (int t = 0; t < (NT); t++) {                                                   \
                const __m256i *q = (const __m256i *)(base + toff[t]);                          \
                __m256i x0 = _mm256_loadu_si256(q), x1 = _mm256_loadu_si256(q + 1);            \
                __m256i b = _mm256_set1_epi32(wp[t]);                                          \
                MADD_ACC(c00, x0, b);                                                          \
                MADD_ACC(c01, x1, b);                                                          \
                b = _mm256_set1_epi32(wp[wstride + t]);                                        \
                MADD_ACC(c10, x0, b);                                                          \
                MADD_ACC(c11, x1, b);                                                          \
                b = _mm256_set1_epi32(wp[2 * wstride + t]);                                    \
                MADD_ACC(c20, x0, b);                                                          \
                MADD_ACC(c21, x1, b);                                                          \
                b = _mm256_set1_epi32(wp[3 * wstride + t]);                                    \
                MADD_ACC(c30, x0, b);                                                          \
                MADD_ACC(c31, x1, b);                                                          \
            }                                                                                  \
            wp += (NT);                                                                        \
        }                                                                                      \
        int32_t *o = acc + i;                                                                  \
        _mm256_storeu_si256((__m256i *)o, c00);                                                \
        _mm256_storeu_si256((__m256i *)(o + 8), c01);                                          \
        o += acc_stride;                                                                       \
        _mm256_storeu_si256((__m256i *)o, c10);                                                \
        _mm256_storeu_si256((__m256i *)(o + 8), c11);                                          \
        o += acc_stride;                                                                       \
        _mm256_storeu_si256((__m256i *)o, c20);                                                \
        _mm256_storeu_si256((__m256i *)(o + 8), c21);                                          \
        o += acc_stride;                                                                       \
        _mm256_storeu_si256((__m256i *)o, c30);                                                \
        _mm256_storeu_si256((__m256i *)(o + 8), c31);                                          \
    }

__attribute__((target("avx2")))
static void kernel4_avx2(int32_t *acc, size_t acc_stride, const int32_t *planes,
    size_t plane_stride, int nplanes, const int32_t *toff, int ntaps, const int32_t *w,
    size_t wstride, size_t n) {
    switch (ntaps) {
        case 1: AVX2_BODY4(1, MADD_ACC) break;
        case 9: AVX2_BODY4(9, MADD_ACC) break;
        default: AVX2_BODY4(ntaps, MADD_ACC) break;
    }
}

__attribute__((target("avx2,avxvnni")))
static void kernel4_vnni(int32_t *acc, size_t acc_stride, const int32_t *planes,
    size_t plane_stride, int nplanes, const int32_t *toff, int ntaps, const int32_t *w,
    size_t wstride, size_t n) {
    switch (ntaps) {
        case 1: AVX2_BODY4(1, VNNI_ACC) break;
        case 9: AVX2_BODY4(9, VNNI_ACC) break;
        default: AVX2_BODY4(ntaps, VNNI_ACC) break;
    }
}

// The same sums on 16 lanes with AVX-512 VNNI (vpdpwssd on zmm): twice the outputs per
// instruction of the AVX-VNNI kernels, the same pairwise products and wrapping int32 sums.
// n is a multiple of KPU_SIM_STRIP (32), so 32 outputs per pass need no tail.
#define AVX512_BODY(NT)                                                                        \
    for (size_t i = 0; i < n; i += 32) {                                                       \
        __m512i a0 = _mm512_setzero_si512(), a1 = a0;                                          \
        const int32_t *wp = w;                                                                 \
        for (int p = 0; p < nplanes; p++) {                                                    \
            const int32_t *base = planes + (size_t)p * plane_stride + i;                       \
            for (int t = 0; t < (NT); t++) {                                                   \
                __m512i wv = _mm512_set1_epi32(wp[t]);                                         \
                const int32_t *q = base + toff[t];                                             \
                a0 = _mm512_dpwssd_epi32(a0, _mm512_loadu_si512(q), wv);                       \
                a1 = _mm512_dpwssd_epi32(a1, _mm512_loadu_si512(q + 16), wv);                  \
            }                                                                                  \
            wp += (NT);                                                                        \
        }                                                                                      \
        _mm512_storeu_si512(acc + i, a0);                                                      \
        _mm512_storeu_si512(acc + i + 16, a1);                                                 \
    }

#define AVX512_TARGET __attribute__((target("avx512f,avx512vnni")))

AVX512_TARGET
static void kernel_512(int32_t *acc, const int32_t *planes, size_t plane_stride,
    int nplanes, const int32_t *toff, int ntaps, const int32_t *w, size_t n) {
    switch (ntaps) {
        case 1: AVX512_BODY(1) break;
        case 6: AVX512_BODY(6) break;
        case 9: AVX512_BODY(9) break;
        default: AVX512_BODY(ntaps) break;
    }
}

// Four channels x 32 outputs per pass (as AVX2_BODY4, on zmm registers).
#define AVX512_BODY4(NT)                                                                       \
    for (size_t i = 0; i < n; i += 32) {                                                       \
        __m512i c00 = _mm512_setzero_si512(), c01 = c00, c10 = c00, c11 = c00;                \
        __m512i c20 = c00, c21 = c00, c30 = c00, c31 = c00;                                    \
        const int32_t *wp = w;                                                                 \
        for (int p = 0; p < nplanes; p++) {                                                    \
            const int32_t *base = planes + (size_t)p * plane_stride + i;                       \
            for (int t = 0; t < (NT); t++) {                                                   \
                const int32_t *q = base + toff[t];                                             \
                __m512i x0 = _mm512_loadu_si512(q), x1 = _mm512_loadu_si512(q + 16);           \
                __m512i b = _mm512_set1_epi32(wp[t]);                                          \
                c00 = _mm512_dpwssd_epi32(c00, x0, b);                                         \
                c01 = _mm512_dpwssd_epi32(c01, x1, b);                                         \
                b = _mm512_set1_epi32(wp[wstride + t]);                                        \
                c10 = _mm512_dpwssd_epi32(c10, x0, b);                                         \
                c11 = _mm512_dpwssd_epi32(c11, x1, b);                                         \
                b = _mm512_set1_epi32(wp[2 * wstride + t]);                                    \
                c20 = _mm512_dpwssd_epi32(c20, x0, b);                                         \
                c21 = _mm512_dpwssd_epi32(c21, x1, b);                                         \
                b = _mm512_set1_epi32(wp[3 * wstride + t]);                                    \
                c30 = _mm512_dpwssd_epi32(c30, x0, b);                                         \
                c31 = _mm512_dpwssd_epi32(c31, x1, b);                                         \
            }                                                                                  \
            wp += (NT);                                                                        \
        }                                                                                      \
        int32_t *o = acc + i;                                                                  \
        _mm512_storeu_si512(o, c00);                                                           \
        _mm512_storeu_si512(o + 16, c01);                                                      \
        o += acc_stride;                                                                       \
        _mm512_storeu_si512(o, c10);                                                           \
        _mm512_storeu_si512(o + 16, c11);                                                      \
        o += acc_stride;                                                                       \
        _mm512_storeu_si512(o, c20);                                                           \
        _mm512_storeu_si512(o + 16, c21);                                                      \
        o += acc_stride;                                                                       \
        _mm512_storeu_si512(o, c30);                                                           \
        _mm512_storeu_si512(o + 16, c31);                                                      \
    }

AVX512_TARGET
static void kernel4_512(int32_t *acc, size_t acc_stride, const int32_t *planes,
    size_t plane_stride, int nplanes, const int32_t *toff, int ntaps, const int32_t *w,
    size_t wstride, size_t n) {
    switch (ntaps) {
        case 1: AVX512_BODY4(1) break;
        case 9: AVX512_BODY4(9) break;
        default: AVX512_BODY4(ntaps) break;
    }
}

// u8 x s8 byte products (vpdpbusd: four per lane, summed into the int32 lane without
// saturation): twice the products per instruction of vpdpwssd. The weights are w - 128, so
// 128 * Sx (init) is added back: the same S. |partial sums| < 255 * 128 * 9 * 1024 < 2^31.
#define Q_INIT(k) (init != NULL ? _mm512_slli_epi32(_mm512_loadu_si512(init + i + (k)), 7) : _mm512_setzero_si512())

AVX512_TARGET
static void kernelq_512(int32_t *acc, const int32_t *planes, size_t plane_stride,
    int nplanes, const int32_t *toff, int ntaps, const int32_t *w, const int32_t *init, size_t n) {
    for (size_t i = 0; i < n; i += 32) {
        __m512i a0 = Q_INIT(0), a1 = Q_INIT(16);
        const int32_t *wp = w;
        for (int p = 0; p < nplanes; p++) {
            const int32_t *base = planes + (size_t)p * plane_stride + i;
            for (int t = 0; t < ntaps; t++) {
                __m512i wv = _mm512_set1_epi32(wp[t]);
                const int32_t *q = base + toff[t];
                a0 = _mm512_dpbusd_epi32(a0, _mm512_loadu_si512(q), wv);
                a1 = _mm512_dpbusd_epi32(a1, _mm512_loadu_si512(q + 16), wv);
            }
            wp += ntaps;
        }
        _mm512_storeu_si512(acc + i, a0);
        _mm512_storeu_si512(acc + i + 16, a1);
    }
}

#define AVX512_BODY4Q(NT)                                                                      \
    for (size_t i = 0; i < n; i += 32) {                                                       \
        __m512i c00 = Q_INIT(0), c01 = Q_INIT(16);                                             \
        __m512i c10 = c00, c11 = c01, c20 = c00, c21 = c01, c30 = c00, c31 = c01;              \
        const int32_t *wp = w;                                                                 \
        for (int p = 0; p < nplanes; p++) {                                                    \
            const int32_t *base = planes + (size_t)p * plane_stride + i;                       \
            for (int t = 0; t < (NT); t++) {                                                   \
                const int32_t *q = base + toff[t];                                             \
                __m512i x0 = _mm512_loadu_si512(q), x1 = _mm512_loadu_si512(q + 16);           \
                __m512i b = _mm512_set1_epi32(wp[t]);                                          \
                c00 = _mm512_dpbusd_epi32(c00, x0, b);                                         \
                c01 = _mm512_dpbusd_epi32(c01, x1, b);                                         \
                b = _mm512_set1_epi32(wp[wstride + t]);                                        \
                c10 = _mm512_dpbusd_epi32(c10, x0, b);                                         \
                c11 = _mm512_dpbusd_epi32(c11, x1, b);                                         \
                b = _mm512_set1_epi32(wp[2 * wstride + t]);                                    \
                c20 = _mm512_dpbusd_epi32(c20, x0, b);                                         \
                c21 = _mm512_dpbusd_epi32(c21, x1, b);                                         \
                b = _mm512_set1_epi32(wp[3 * wstride + t]);                                    \
                c30 = _mm512_dpbusd_epi32(c30, x0, b);                                         \
                c31 = _mm512_dpbusd_epi32(c31, x1, b);                                         \
            }                                                                                  \
            wp += (NT);                                                                        \
        }                                                                                      \
        int32_t *o = acc + i;                                                                  \
        _mm512_storeu_si512(o, c00);                                                           \
        _mm512_storeu_si512(o + 16, c01);                                                      \
        o += acc_stride;                                                                       \
        _mm512_storeu_si512(o, c10);                                                           \
        _mm512_storeu_si512(o + 16, c11);                                                      \
        o += acc_stride;                                                                       \
        _mm512_storeu_si512(o, c20);                                                           \
        _mm512_storeu_si512(o + 16, c21);                                                      \
        o += acc_stride;                                                                       \
        _mm512_storeu_si512(o, c30);                                                           \
        _mm512_storeu_si512(o + 16, c31);                                                      \
    }

AVX512_TARGET
static void kernel4q_512(int32_t *acc, size_t acc_stride, const int32_t *planes,
    size_t plane_stride, int nplanes, const int32_t *toff, int ntaps, const int32_t *w,
    size_t wstride, const int32_t *init, size_t n) {
    switch (ntaps) {
        case 1: AVX512_BODY4Q(1) break;
        case 9: AVX512_BODY4Q(9) break;
        default: AVX512_BODY4Q(ntaps) break;
    }
}

// The two per-band reductions around the sums, in AVX2 (n a multiple of KPU_SIM_STRIP):
// the range of n int32 sums, and the input term tx[i] = (arg_x * sx[i]) >> shr_x (arg_x 24-bit
// signed, sx < 2^22: the product is one signed 32x32->64 multiply) with its range. The
// arithmetic shift is the logical shift of the value xor its sign mask, as in kpu_sim_bnact.c.
__attribute__((target("avx2")))
static void range32_avx2(const int32_t *v, size_t n, int64_t *mn, int64_t *mx) {
    __m256i lo = _mm256_set1_epi32(INT32_MAX), hi = _mm256_set1_epi32(INT32_MIN);
    for (size_t i = 0; i < n; i += 8) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(v + i));
        lo = _mm256_min_epi32(lo, x);
        hi = _mm256_max_epi32(hi, x);
    }
    int32_t l[8], h[8];
    _mm256_storeu_si256((__m256i *)l, lo);
    _mm256_storeu_si256((__m256i *)h, hi);
    int32_t a = l[0], b = h[0];
    for (int k = 1; k < 8; k++) {
        a = l[k] < a ? l[k] : a;
        b = h[k] > b ? h[k] : b;
    }
    *mn = a;
    *mx = b;
}

__attribute__((target("avx2")))
static void input_term_avx2(int32_t arg_x, unsigned shr_x, const int32_t *sx, int64_t *tx,
    int32_t *tx32, size_t n, int64_t *mn, int64_t *mx) {
    const __m256i lanes = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);   // low dword of each lane
    const __m256i vx = _mm256_set1_epi64x(arg_x), zero = _mm256_setzero_si256();
    const __m128i sh = _mm_cvtsi32_si128((int)shr_x);
    __m256i lo = _mm256_set1_epi64x(INT64_MAX), hi = _mm256_set1_epi64x(INT64_MIN);
    for (size_t i = 0; i < n; i += 4) {
        __m256i p = _mm256_mul_epi32(_mm256_cvtepi32_epi64(_mm_loadu_si128((const __m128i *)(sx + i))), vx);
        __m256i m = _mm256_cmpgt_epi64(zero, p);
        __m256i t = _mm256_xor_si256(_mm256_srl_epi64(_mm256_xor_si256(p, m), sh), m);
        _mm256_storeu_si256((__m256i *)(tx + i), t);
        _mm_storeu_si128((__m128i *)(tx32 + i), _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(t, lanes)));
        lo = _mm256_blendv_epi8(lo, t, _mm256_cmpgt_epi64(lo, t));
        hi = _mm256_blendv_epi8(hi, t, _mm256_cmpgt_epi64(t, hi));
    }
    int64_t l[4], h[4];
    _mm256_storeu_si256((__m256i *)l, lo);
    _mm256_storeu_si256((__m256i *)h, hi);
    int64_t a = l[0], b = h[0];
    for (int k = 1; k < 4; k++) {
        a = l[k] < a ? l[k] : a;
        b = h[k] > b ? h[k] : b;
    }
    *mn = a;
    *mx = b;
}
#endif

void kpu_sim_range32(const int32_t *v, size_t n, int64_t *mn, int64_t *mx) {
#if defined(__x86_64__) || defined(__i386__)
    if (kpu_sim_use_avx2()) {
        range32_avx2(v, n, mn, mx);
        return;
    }
#endif
    int32_t a = INT32_MAX, b = INT32_MIN;
    for (size_t i = 0; i < n; i++) {
        a = v[i] < a ? v[i] : a;
        b = v[i] > b ? v[i] : b;
    }
    *mn = a;
    *mx = b;
}

void kpu_sim_input_term(int32_t arg_x, unsigned shr_x, const int32_t *sx, int64_t *tx,
    int32_t *tx32, size_t n, int64_t *mn, int64_t *mx) {
#if defined(__x86_64__) || defined(__i386__)
    if (kpu_sim_use_avx2()) {
        input_term_avx2(arg_x, shr_x, sx, tx, tx32, n, mn, mx);
        return;
    }
#endif
    int64_t a = INT64_MAX, b = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        int64_t t = ((int64_t)arg_x * sx[i]) >> shr_x;
        tx[i] = t;
        tx32[i] = (int32_t)(uint32_t)(uint64_t)t;
        a = t < a ? t : a;
        b = t > b ? t : b;
    }
    *mn = a;
    *mx = b;
}

#if defined(__x86_64__) || defined(__i386__)
// Eight 2x2 windows per step: the two rows' sums (lo + tx + tw, wrapping int32) over 16
// columns, their vertical max (or min), then the max of each even/odd column pair: the even
// and odd lanes split by shuffle_ps, put back in order by a 64-bit permute.
__attribute__((target("avx2")))
static int pool2_avx2(const int32_t *lo, const int32_t *tx32, size_t a, size_t b, uint32_t tw,
    int32_t *o, int ow, int use_min) {
    const __m256i vtw = _mm256_set1_epi32((int32_t)tw);
    int x = 0;
    for (; x + 8 <= ow; x += 8) {
        size_t i = 2 * (size_t)x;
        __m256i a0 = _mm256_add_epi32(_mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(lo + a + i)),
            _mm256_loadu_si256((const __m256i *)(tx32 + a + i))), vtw);
        __m256i a1 = _mm256_add_epi32(_mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(lo + a + i + 8)),
            _mm256_loadu_si256((const __m256i *)(tx32 + a + i + 8))), vtw);
        __m256i b0 = _mm256_add_epi32(_mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(lo + b + i)),
            _mm256_loadu_si256((const __m256i *)(tx32 + b + i))), vtw);
        __m256i b1 = _mm256_add_epi32(_mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(lo + b + i + 8)),
            _mm256_loadu_si256((const __m256i *)(tx32 + b + i + 8))), vtw);
        __m256i v0 = use_min ? _mm256_min_epi32(a0, b0) : _mm256_max_epi32(a0, b0);
        __m256i v1 = use_min ? _mm256_min_epi32(a1, b1) : _mm256_max_epi32(a1, b1);
        __m256i ev = _mm256_castps_si256(_mm256_shuffle_ps(_mm256_castsi256_ps(v0), _mm256_castsi256_ps(v1), 0x88));
        __m256i od = _mm256_castps_si256(_mm256_shuffle_ps(_mm256_castsi256_ps(v0), _mm256_castsi256_ps(v1), 0xDD));
        __m256i m = use_min ? _mm256_min_epi32(ev, od) : _mm256_max_epi32(ev, od);
        _mm256_storeu_si256((__m256i *)(o + x), _mm256_permute4x64_epi64(m, 0xD8));
    }
    return x;
}
#endif

static inline int32_t acc_at(const int32_t *lo, const int32_t *tx32, size_t i, uint32_t tw) {
    return (int32_t)((uint32_t)lo[i] + (uint32_t)tx32[i] + tw);
}

void kpu_sim_pool2_acc(const int32_t *lo, const int32_t *tx32, size_t a, size_t b, uint32_t tw,
    int32_t *o, int ow, int use_min) {
    int x = 0;
#if defined(__x86_64__) || defined(__i386__)
    if (kpu_sim_use_avx2()) {
        x = pool2_avx2(lo, tx32, a, b, tw, o, ow, use_min);
    }
#endif
    for (; x < ow; x++) {
        size_t i = 2 * (size_t)x;
        int32_t v[4] = { acc_at(lo, tx32, a + i, tw), acc_at(lo, tx32, a + i + 1, tw),
            acc_at(lo, tx32, b + i, tw), acc_at(lo, tx32, b + i + 1, tw) };
        int32_t m = v[0];
        for (int k = 1; k < 4; k++) {
            m = use_min ? (v[k] < m ? v[k] : m) : (v[k] > m ? v[k] : m);
        }
        o[x] = m;
    }
}

static kpu_sim_kernel_t chosen;
static kpu_sim_kernel4_t chosen4;
static kpu_sim_kernelq_t chosenq;
static kpu_sim_kernel4q_t chosen4q;
static const char *chosen_name;

static int env_set(const char *name) {
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' && v[0] != '0';
}

#if defined(__x86_64__) || defined(__i386__)
// AVX-VNNI (CPUID leaf 7 subleaf 1, EAX bit 4): asked of the CPU directly, since clang 14's
// __builtin_cpu_supports does not know the name (the fuzzer builds this file with clang).
static int has_avxvnni(void) {
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 1, &a, &b, &c, &d) && (a & (1u << 4));
}

// AVX-512 VNNI (leaf 7 subleaf 0, ECX bit 11), for the same reason.
static int has_avx512vnni(void) {
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (c & (1u << 11));
}
#endif

// The best kernels this CPU has, at most `level` (KPU_SIM_KERNELS_*).
static int set_kernels(int level) {
    chosen = kernel_portable;
    chosen4 = kernel4_portable;
    chosenq = NULL;
    chosen4q = NULL;
    chosen_name = "portable";
    int got = KPU_SIM_KERNELS_PORTABLE;
#if defined(__x86_64__) || defined(__i386__)
    kpu_sim_bn_act_use_avx512(0);
    __builtin_cpu_init();
    if (level >= KPU_SIM_KERNELS_AVX2 && __builtin_cpu_supports("avx2")) {
        chosen = kernel_avx2;
        chosen4 = kernel4_avx2;
        chosen_name = "avx2";
        got = KPU_SIM_KERNELS_AVX2;
        if (level >= KPU_SIM_KERNELS_VNNI && has_avxvnni()) {
            chosen = kernel_vnni;
            chosen4 = kernel4_vnni;
            chosen_name = "avx2+vnni";
            got = KPU_SIM_KERNELS_VNNI;
        }
        // AVX-512 does not need AVX-VNNI (Ice Lake servers have AVX-512 VNNI without it)
        if (level >= KPU_SIM_KERNELS_AVX512 && __builtin_cpu_supports("avx512f")) {
            kpu_sim_bn_act_use_avx512(1);
            chosen_name = got == KPU_SIM_KERNELS_VNNI ? "avx2+vnni+avx512 bn" : "avx2+avx512 bn";
            got = KPU_SIM_KERNELS_AVX512;
            if (has_avx512vnni()) {
                chosen = kernel_512;
                chosen4 = kernel4_512;
                chosenq = kernelq_512;
                chosen4q = kernel4q_512;
                chosen_name = "avx512-vnni";
            }
        }
    }
#else
    (void)level;
#endif
    return got;
}

static void choose(void) {
    set_kernels(env_set("K210_KPUSIM_PORTABLE") ? KPU_SIM_KERNELS_PORTABLE
        : env_set("K210_KPUSIM_NO_VNNI") ? KPU_SIM_KERNELS_AVX2
        : env_set("K210_KPUSIM_NO_AVX512") ? KPU_SIM_KERNELS_VNNI : KPU_SIM_KERNELS_AVX512);
}

kpu_sim_kernel_t kpu_sim_kernel(void) {
    if (chosen == NULL) {
        choose();
    }
    return chosen;
}

kpu_sim_kernel4_t kpu_sim_kernel4(void) {
    kpu_sim_kernel();
    return chosen4;
}

kpu_sim_kernelq_t kpu_sim_kernelq(void) {
    kpu_sim_kernel();
    return chosenq;
}

kpu_sim_kernel4q_t kpu_sim_kernel4q(void) {
    kpu_sim_kernel();
    return chosen4q;
}

int kpu_sim_select_kernels(int level) {
    return set_kernels(level);
}

int kpu_sim_select_kernel(int portable) {
    int got = set_kernels(portable ? KPU_SIM_KERNELS_PORTABLE : KPU_SIM_KERNELS_AVX512);
    return portable || got > KPU_SIM_KERNELS_PORTABLE;
}

int kpu_sim_use_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
    kpu_sim_kernel_t k = kpu_sim_kernel();
    return k == kernel_avx2 || k == kernel_vnni || k == kernel_512;
#else
    return 0;
#endif
}

const char *kpu_sim_kernel_name(void) {
    kpu_sim_kernel();
    return chosen_name;
}

#endif
