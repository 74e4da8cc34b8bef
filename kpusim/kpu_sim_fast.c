// The fast engine's layer loop (kpu_sim_fast.h): per band of conv rows, the input packed once
// into padded planes, the input-sum term, then per output channel S, BN + activation, pooling
// and write-back. Same order of results and same integers as kpu_sim_exec.c's reference path.
#include <stdlib.h>
#include <string.h>

#include "kpu_sim_fast.h"

#if KPU_SIM_FAST

#define BAND_TARGET 4096        // conv outputs per band (the accumulators stay in L1)
#define PLANES_TARGET 131072    // packed input words per band (they stay in L2)

// Scratch buffers, grown on demand and kept (host memory of the simulator).
static void *grow(void **buf, size_t *cap, size_t bytes) {
    if (bytes > *cap) {
        void *p = realloc(*buf, bytes);
        if (p == NULL) {
            return NULL;
        }
        *buf = p;
        *cap = bytes;
    }
    return *buf;
}

static void *b_planes, *b_lo, *b_hi, *b_sx, *b_tx, *b_u8, *b_pool;
static size_t c_planes, c_lo, c_hi, c_sx, c_tx, c_u8, c_pool;

static size_t round_up(size_t v, size_t m) {
    return (v + m - 1) / m * m;
}

// Packs channels a and b (b < 0: none, high halves 0) of input rows y0 - halo .. into one plane
// of prow rows x Wp words, padding with pad outside the map; the tail up to stride is zeroed.
static void pack_pair(const kpu_sim_map_t *in, int a, int b, int y_first, int prow, int Wp,
    int halo, uint8_t pad, int32_t *dst, size_t stride) {
    int W = in->w, H = in->h;
    uint32_t padw = (uint32_t)pad | (b >= 0 ? (uint32_t)pad << 16 : 0);
    for (int r = 0; r < prow; r++) {
        int y = y_first + r;
        uint32_t *d = (uint32_t *)dst + (size_t)r * (size_t)Wp;
        if (y < 0 || y >= H) {
            for (int x = 0; x < Wp; x++) {
                d[x] = padw;
            }
            continue;
        }
        const uint8_t *pa = kpu_sim_map_row(in, a, y);
        if (halo) {
            d[0] = padw;
            d[W + 1] = padw;
            d++;
        }
        if (b >= 0) {
            const uint8_t *pb = kpu_sim_map_row(in, b, y);
            for (int x = 0; x < W; x++) {
                d[x] = (uint32_t)pa[x] | ((uint32_t)pb[x] << 16);
            }
        } else {
            for (int x = 0; x < W; x++) {
                d[x] = pa[x];
            }
        }
    }
    memset(dst + (size_t)prow * (size_t)Wp, 0, (stride - (size_t)prow * (size_t)Wp) * sizeof(int32_t));
}

// Depthwise: channel c as horizontal pairs (x, x+1) of its padded rows (see the 6-tap offsets).
static void pack_dw(const kpu_sim_map_t *in, int c, int y_first, int prow, int Wp, int halo,
    uint8_t pad, int32_t *dst, size_t stride) {
    pack_pair(in, c, -1, y_first, prow, Wp, halo, pad, dst, stride);
    uint32_t *d = (uint32_t *)dst;
    size_t n = (size_t)prow * (size_t)Wp;
    for (size_t i = 0; i < n; i++) {
        d[i] |= d[i + 1] << 16;    // d[n] is the zeroed tail
    }
}

// tx[i] = (arg_x * Sx[i]) >> shr_x, as kpu_sim_exec.c; its range into *mn, *mx.
static void input_term(const kpu_sim_layer_t *L, const int32_t *sx, int64_t *tx, size_t n,
    int64_t *mn, int64_t *mx) {
    int64_t a = INT64_MAX, b = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        int64_t t = ((int64_t)L->arg_x * sx[i]) >> L->shr_x;
        tx[i] = t;
        a = t < a ? t : a;
        b = t > b ? t : b;
    }
    *mn = a;
    *mx = b;
}

// The range of n sums (the bound the BN + activation loop may use to narrow its arithmetic).
static void range32(const int32_t *v, size_t n, int64_t *mn, int64_t *mx) {
    int32_t a = INT32_MAX, b = INT32_MIN;
    for (size_t i = 0; i < n; i++) {
        a = v[i] < a ? v[i] : a;
        b = v[i] > b ? v[i] : b;
    }
    *mn = a;
    *mx = b;
}

int kpu_sim_fast_exec(const kpu_sim_layer_t *L, uint8_t *dma_out) {
    const kpu_sim_wpack_t *pk = kpu_sim_wcache_get(L);
    if (pk == NULL) {
        return -1;
    }
    kpu_sim_kernel_t kernel = kpu_sim_kernel();
    int W = L->in.w, H = L->in.h, k = L->k, halo = k == 3;
    int Wp = W + 2 * halo;
    int s = kpu_pool_stride(L->pool);
    int extra = kpu_pool_extra_row(L->pool);
    int rows_used = L->out.h * s;
    int nplanes = pk->nplanes, ntaps = pk->ntaps;
    size_t target = PLANES_TARGET / (size_t)nplanes;
    target = target < BAND_TARGET ? target : BAND_TARGET;
    int band = ((int)(target / (size_t)Wp) - extra) / s * s;
    band = band < s ? s : band;
    band = band > rows_used ? rows_used : band;
    int max_rows = band + extra;
    size_t stride = (size_t)(max_rows + 2 * halo) * (size_t)Wp + KPU_SIM_STRIP + 8;
    size_t nacc_max = round_up((size_t)max_rows * (size_t)Wp, KPU_SIM_STRIP);
    int ow = L->out.w;
    size_t plane = (size_t)L->out.w * (size_t)L->out.h;
    int wb = L->weight_bytes;

    int32_t *planes = grow(&b_planes, &c_planes, (size_t)nplanes * stride * sizeof(int32_t));
    int32_t *lo = grow(&b_lo, &c_lo, nacc_max * sizeof(int32_t));
    int32_t *hi = grow(&b_hi, &c_hi, nacc_max * sizeof(int32_t));
    int32_t *sx = grow(&b_sx, &c_sx, nacc_max * sizeof(int32_t));
    int64_t *tx = grow(&b_tx, &c_tx, nacc_max * sizeof(int64_t));
    uint8_t *conv = grow(&b_u8, &c_u8, nacc_max);
    uint8_t *pooled = grow(&b_pool, &c_pool, (size_t)max_rows * (size_t)W);
    if (!planes || !lo || !hi || !sx || !tx || !conv || !pooled) {
        return -1;
    }

    int32_t toff[9];
    for (int t = 0; t < ntaps; t++) {
        if (L->depthwise) {
            toff[t] = k == 3 ? (t / 2) * Wp + (t & 1) * 2 : 0;
        } else {
            toff[t] = k == 3 ? (t / 3) * Wp + t % 3 : 0;
        }
    }
    int64_t g_ic = L->depthwise ? 1 : L->in.c;
    size_t per = (size_t)nplanes * (size_t)ntaps;
    int64_t tx_min = 0, tx_max = 0;

    for (int y0 = 0; y0 < rows_used; y0 += band) {
        int n = rows_used - y0 < band ? rows_used - y0 : band;
        int rows = n + extra <= H - y0 ? n + extra : H - y0;
        int prow = rows + 2 * halo;
        size_t nacc = round_up((size_t)rows * (size_t)Wp, KPU_SIM_STRIP);
        int out_rows = n / s, oy0 = y0 / s;
        if (!L->depthwise) {
            for (int p = 0; p < nplanes; p++) {
                pack_pair(&L->in, 2 * p, 2 * p + 1 < L->in.c ? 2 * p + 1 : -1, y0 - halo, prow, Wp,
                    halo, L->pad_value, planes + (size_t)p * stride, stride);
            }
            kernel(sx, planes, stride, nplanes, toff, ntaps, pk->ones, nacc);
            input_term(L, sx, tx, nacc, &tx_min, &tx_max);
        }
        for (int o = 0; o < L->out.c; o++) {
            if (L->depthwise) {
                pack_dw(&L->in, o, y0 - halo, prow, Wp, halo, L->pad_value, planes, stride);
                kernel(sx, planes, stride, 1, toff, ntaps, pk->ones, nacc);
                input_term(L, sx, tx, nacc, &tx_min, &tx_max);
            }
            const int32_t *w = pk->w + (size_t)o * (size_t)wb * per;
            kernel(lo, planes, stride, nplanes, toff, ntaps, w, nacc);
            if (wb == 2) {
                kernel(hi, planes, stride, nplanes, toff, ntaps, w + per, nacc);
            }
            int64_t tw = (((int64_t)L->arg_w * pk->sw[o]) >> L->shr_w) + L->arg_add * g_ic;
            kpu_sim_bn_t bn = kpu_sim_bn_decode(L->bn + 8 * (size_t)o);
            int64_t s_min = 0, s_max = 0, acc_min = INT64_MIN, acc_max = INT64_MAX;
            if (wb == 1) {   // 16-bit weights take the general path anyway
                range32(lo, nacc, &s_min, &s_max);
                acc_min = s_min + tx_min + tw;
                acc_max = s_max + tx_max + tw;
            }
            // the whole band in one call (narrow maps would leave short rows to the scalar
            // tail), the Wp - W padding columns included: they are sums of real bytes, inside
            // the range above; then the rows are closed up to W
            int span = rows * Wp - (Wp - W);
            kpu_sim_bn_act_row(&L->act, bn, lo, wb == 2 ? hi : NULL, tx, tw, acc_min, acc_max, conv, span);
            for (int r = 1; Wp != W && r < rows; r++) {
                memmove(conv + (size_t)r * (size_t)W, conv + (size_t)r * (size_t)Wp, (size_t)W);
            }
            kpu_sim_pool_band(L->pool, conv, y0, rows, H, W, pooled, out_rows, ow);
            for (int r = 0; r < out_rows; r++) {
                const uint8_t *src = pooled + (size_t)r * (size_t)ow;
                memcpy(kpu_sim_map_row(&L->out, o, oy0 + r), src, (size_t)ow);
                if (dma_out != NULL) {
                    memcpy(dma_out + (size_t)o * plane + (size_t)(oy0 + r) * (size_t)ow, src, (size_t)ow);
                }
            }
        }
    }
    return 0;
}

#endif
