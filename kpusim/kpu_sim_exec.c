// Executes one decoded KPU layer (docs/kpu.md, "Arithmetic of a layer") in bands of conv rows so that the
// scratch memory stays small and fixed (no malloc: the QEMU board builds this file too):
// per band, the input-sum term once (normal conv), then per output channel its sum S, offset
// correction, BN, activation, pooling and write-back of the finished output rows.
//
// 64-bit bounds (u8 inputs, weights < 2^16, at most 1024 x 9 = 9216 taps per output):
//   S  <= 9216 * 255 * 65535 < 2^38        Sx <= 9216 * 255 < 2^22    Sw <= 9216 * 65535 < 2^30
//   |arg_x * Sx| < 2^23 * 2^22 = 2^45      |arg_w * Sw| < 2^23 * 2^30 = 2^53
//   |arg_add * g_ic| < 2^39 * 2^10 = 2^49  so acc < 2^54 always fits an int64.
// The BN product acc * norm_mul (< 2^54 * 2^23) can exceed 64 bits only for absurd parameters
// (nncase keeps acc within 36 bits); it wraps like the numpy reference's int64 arithmetic.
#include <string.h>

#include "kpu_sim.h"
#include "kpu_sim_fast.h"

#define BAND_ELEMS 4096   // conv outputs per band: >= 4 rows of the widest (960) map, the
                          // most a pool window (4) or a stride-1 pool (1 + 1) needs

static int32_t acc_lo[BAND_ELEMS];   // S, or its low-byte-weight half in 16-bit mode
static int32_t acc_hi[BAND_ELEMS];   // S of the high weight bytes (16-bit mode); before each
                                     // channel's S it briefly holds the input sums Sx
static int64_t tx[BAND_ELEMS];       // (arg_x * Sx) >> shr_x
static int64_t bn_out[BAND_ELEMS];   // BN outputs v of one channel
static uint8_t conv_u8[BAND_ELEMS];  // activated conv output of one channel
static uint8_t pooled[BAND_ELEMS];   // its pooled rows

static int64_t weight_terms[1024];  // per output channel, computed once per layer

static const uint8_t ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};

static void input_term(const kpu_sim_layer_t *L, int i0, int i1, int y0, int n) {
    int32_t *sx = acc_hi;   // free until conv_sum: Sx is consumed into tx right here
    kpu_sim_conv_band(&L->in, i0, i1, L->k, L->pad_value, ones, 1, 0, y0, n, sx);
    size_t cnt = (size_t)n * (size_t)L->in.w;
    for (size_t p = 0; p < cnt; p++) {
        tx[p] = ((int64_t)L->arg_x * sx[p]) >> L->shr_x;
    }
}

// S for output channel o over the band, into acc_lo (and acc_hi in 16-bit mode).
static void conv_sum(const kpu_sim_layer_t *L, int o, int y0, int n) {
    int kk = L->k * L->k;
    int i0 = L->depthwise ? o : 0, i1 = L->depthwise ? o + 1 : L->in.c;
    size_t taps = (size_t)(i1 - i0) * (size_t)kk;
    const uint8_t *w = L->weights + (size_t)o * taps * (size_t)L->weight_bytes;
    if (L->weight_bytes == 1) {
        kpu_sim_conv_band(&L->in, i0, i1, L->k, L->pad_value, w, 1, (size_t)kk, y0, n, acc_lo);
    } else {   // u16 LE weights: S = S(low bytes) + 256 * S(high bytes)
        kpu_sim_conv_band(&L->in, i0, i1, L->k, L->pad_value, w, 2, 2 * (size_t)kk, y0, n, acc_lo);
        kpu_sim_conv_band(&L->in, i0, i1, L->k, L->pad_value, w + 1, 2, 2 * (size_t)kk, y0, n, acc_hi);
    }
}

// The per-channel constant of the offset correction: ((arg_w * Sw) >> shr_w) + arg_add * g_ic.
static int64_t weight_term(const kpu_sim_layer_t *L, int o) {
    int kk = L->k * L->k;
    size_t taps = (size_t)(L->depthwise ? 1 : L->in.c) * (size_t)kk;
    const uint8_t *w = L->weights + (size_t)o * taps * (size_t)L->weight_bytes;
    int64_t sw = 0;
    for (size_t t = 0; t < taps; t++) {
        sw += L->weight_bytes == 1 ? w[t] : (int64_t)(w[2 * t] | (w[2 * t + 1] << 8));
    }
    int64_t g_ic = L->depthwise ? 1 : L->in.c;
    return (((int64_t)L->arg_w * sw) >> L->shr_w) + L->arg_add * g_ic;
}

static void post_process(const kpu_sim_layer_t *L, int o, size_t cnt) {
    kpu_sim_bn_t bn = kpu_sim_bn_decode(L->bn + 8 * (size_t)o);
    int64_t tw = weight_terms[o];
    uint64_t mul = (uint64_t)(int64_t)bn.mul;
    unsigned shift = bn.shift;
    int64_t add = bn.add;
    if (L->weight_bytes == 2) {
        for (size_t p = 0; p < cnt; p++) {
            int64_t acc = (int64_t)acc_lo[p] + (int64_t)acc_hi[p] * 256 + tx[p] + tw;
            bn_out[p] = (int64_t)((uint64_t)((int64_t)((uint64_t)acc * mul) >> shift) + (uint64_t)add);
        }
    } else {
        for (size_t p = 0; p < cnt; p++) {
            int64_t acc = (int64_t)acc_lo[p] + tx[p] + tw;
            bn_out[p] = (int64_t)((uint64_t)((int64_t)((uint64_t)acc * mul) >> shift) + (uint64_t)add);
        }
    }
    kpu_sim_act_apply_n(&L->act, bn_out, conv_u8, cnt);
}

void kpu_sim_exec(const kpu_sim_layer_t *L, uint8_t *dma_out) {
#if KPU_SIM_FAST
    if (kpu_sim_fast_exec(L, dma_out) == 0) {
        return;
    }
#endif
    int W = L->in.w, H = L->in.h;
    int s = (int)kpu_pool_stride((uint32_t)L->pool);
    int extra = (int)kpu_pool_extra_row((uint32_t)L->pool);
    int rows_used = L->out.h * s;                       // conv rows any output depends on
    int band = (BAND_ELEMS / W - extra) / s * s;        // output-producing conv rows per band
    int ow = L->out.w;
    size_t plane = (size_t)L->out.w * (size_t)L->out.h;
    for (int o = 0; o < L->out.c; o++) {
        weight_terms[o] = weight_term(L, o);
    }

    for (int y0 = 0; y0 < rows_used; y0 += band) {
        int n = rows_used - y0 < band ? rows_used - y0 : band;
        int rows = n + extra <= H - y0 ? n + extra : H - y0;   // conv rows to compute
        size_t cnt = (size_t)rows * (size_t)W;
        int out_rows = n / s, oy0 = y0 / s;
        if (!L->depthwise) {
            input_term(L, 0, L->in.c, y0, rows);
        }
        for (int o = 0; o < L->out.c; o++) {
            if (L->depthwise) {
                input_term(L, o, o + 1, y0, rows);
            }
            conv_sum(L, o, y0, rows);
            post_process(L, o, cnt);
            kpu_sim_pool_band(L->pool, conv_u8, y0, rows, H, W, pooled, out_rows, ow);
            for (int r = 0; r < out_rows; r++) {
                const uint8_t *src = pooled + (size_t)r * (size_t)ow;
                memcpy(kpu_sim_map_row(&L->out, o, oy0 + r), src, (size_t)ow);
                if (dma_out != NULL) {
                    memcpy(dma_out + (size_t)o * plane + (size_t)(oy0 + r) * (size_t)ow, src, (size_t)ow);
                }
            }
        }
    }
}
