// The fast engine's layer loop (kpu_sim_fast.h): per band of conv rows, the input packed once
// into padded planes, the input-sum term, then per output channel S, BN + activation, pooling
// and write-back. Same order of results and same integers as kpu_sim_exec.c's reference path.
#include <stdlib.h>
#include <string.h>

#include "kpu_sim_fast.h"
#include "kpu_sim_threads.h"

#if KPU_SIM_FAST

#define BAND_TARGET 4096        // conv outputs per band (the accumulators stay in L1)
#define PLANES_TARGET 131072    // packed input words per band (they stay in L2)

// Scratch buffers of one thread, grown on demand and kept (host memory of the simulator).
typedef struct {
    void *planes, *acc, *sx, *tx, *tx32, *u8, *pool, *pacc, *z64, *z32, *zero_row;
    size_t c_planes, c_acc, c_sx, c_tx, c_tx32, c_u8, c_pool, c_pacc, c_z64, c_z32, c_zero_row;
} scratch_t;

static scratch_t scratch[KPU_SIM_MAX_THREADS];

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

static size_t round_up(size_t v, size_t m) {
    return (v + m - 1) / m * m;
}

// Row packing in fixed chunks with restrict pointers: a trip count -O2 knows, so these loops
// vectorise (they were a tenth of a face detector's forward as scalar loops).
#define PACK_CHUNK 32

static void pair_row(uint32_t *restrict d, const uint8_t *restrict pa, const uint8_t *restrict pb, int W) {
    int x = 0;
    for (; x + PACK_CHUNK <= W; x += PACK_CHUNK) {
        for (int k = 0; k < PACK_CHUNK; k++) {
            d[x + k] = (uint32_t)pa[x + k] | ((uint32_t)pb[x + k] << 16);
        }
    }
    for (; x < W; x++) {
        d[x] = (uint32_t)pa[x] | ((uint32_t)pb[x] << 16);
    }
}

static void single_row(uint32_t *restrict d, const uint8_t *restrict pa, int W) {
    int x = 0;
    for (; x + PACK_CHUNK <= W; x += PACK_CHUNK) {
        for (int k = 0; k < PACK_CHUNK; k++) {
            d[x + k] = pa[x + k];
        }
    }
    for (; x < W; x++) {
        d[x] = pa[x];
    }
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
            pair_row(d, pa, kpu_sim_map_row(in, b, y), W);
        } else {
            single_row(d, pa, W);
        }
    }
    memset(dst + (size_t)prow * (size_t)Wp, 0, (stride - (size_t)prow * (size_t)Wp) * sizeof(int32_t));
}

static void quad_row(uint32_t *restrict d, const uint8_t *restrict pa, const uint8_t *restrict pb,
    const uint8_t *restrict pc, const uint8_t *restrict pd, int W) {
    int x = 0;
    for (; x + PACK_CHUNK <= W; x += PACK_CHUNK) {
        for (int k = 0; k < PACK_CHUNK; k++) {
            d[x + k] = (uint32_t)pa[x + k] | ((uint32_t)pb[x + k] << 8) | ((uint32_t)pc[x + k] << 16)
                | ((uint32_t)pd[x + k] << 24);
        }
    }
    for (; x < W; x++) {
        d[x] = (uint32_t)pa[x] | ((uint32_t)pb[x] << 8) | ((uint32_t)pc[x] << 16) | ((uint32_t)pd[x] << 24);
    }
}

// Packs channels c0 .. c0 + 3 as the bytes of one plane of words (the u8 x s8 kernels): as
// pack_pair, a channel past the last one reads as 0 everywhere, the padding included.
static void pack_quad(const kpu_sim_map_t *in, int c0, int y_first, int prow, int Wp, int halo,
    uint8_t pad, int32_t *dst, size_t stride, const uint8_t *zero_row) {
    int W = in->w, H = in->h;
    uint32_t padw = 0;
    for (int b = 0; b < 4 && c0 + b < in->c; b++) {
        padw |= (uint32_t)pad << (8 * b);
    }
    for (int r = 0; r < prow; r++) {
        int y = y_first + r;
        uint32_t *d = (uint32_t *)dst + (size_t)r * (size_t)Wp;
        if (y < 0 || y >= H) {
            for (int x = 0; x < Wp; x++) {
                d[x] = padw;
            }
            continue;
        }
        const uint8_t *src[4];
        for (int b = 0; b < 4; b++) {
            src[b] = c0 + b < in->c ? kpu_sim_map_row(in, c0 + b, y) : zero_row;
        }
        if (halo) {
            d[0] = padw;
            d[W + 1] = padw;
            d++;
        }
        quad_row(d, src[0], src[1], src[2], src[3], W);
    }
    memset(dst + (size_t)prow * (size_t)Wp, 0, (stride - (size_t)prow * (size_t)Wp) * sizeof(int32_t));
}

// Depthwise: channel c as horizontal pairs (x, x+1) of its padded rows (see the 6-tap offsets).
static void pack_dw(const kpu_sim_map_t *in, int c, int y_first, int prow, int Wp, int halo,
    uint8_t pad, int32_t *dst, size_t stride) {
    pack_pair(in, c, -1, y_first, prow, Wp, halo, pad, dst, stride);
    uint32_t *d = (uint32_t *)dst;
    size_t n = (size_t)prow * (size_t)Wp, i = 0;
    uint32_t next[PACK_CHUNK];
    for (; i + PACK_CHUNK <= n; i += PACK_CHUNK) {   // the chunk's right neighbours, read first
        for (int k = 0; k < PACK_CHUNK; k++) {
            next[k] = d[i + k + 1];
        }
        for (int k = 0; k < PACK_CHUNK; k++) {
            d[i + k] |= next[k] << 16;
        }
    }
    for (; i < n; i++) {
        d[i] |= d[i + 1] << 16;    // d[n] is the zeroed tail
    }
}

// Pooling before BN + activation, on the sums acc = S + tx + tw themselves: a quarter (2x2)
// or a sixteenth (4x4) of the outputs then goes through BN and the activation. Pick pooling
// (types 5-7) keeps the same element either way. Max pooling (types 1, 3) commutes with a
// monotone function: f = activation(BN(acc)) is non-decreasing in acc when the table is
// monotone (kpu_sim_act_t.monotone) and the BN multiplier >= 0, so max f = f(max acc); with a
// negative multiplier it is non-increasing, so max f = f(min acc). Only where every acc of the
// band fits int32 and BN + activation are exact there (kpu_sim_bn_act_fits32), so the order
// the pooling sees is that of the true values. Mean pooling does not commute: it stays after.
enum { PF_NONE, PF_PICK, PF_MAX, PF_MIN };

static int pool_first_mode(const kpu_sim_layer_t *L, kpu_sim_bn_t bn, int64_t acc_min, int64_t acc_max) {
    int64_t vmin, vmax;
    if (acc_min <= INT32_MIN || acc_max >= INT32_MAX) {
        return PF_NONE;
    }
    switch (L->pool) {
        case 5: case 6: case 7:
            return PF_PICK;
        case 1: case 3:
            if (!L->act.monotone || !kpu_sim_bn_act_fits32(&L->act, bn, acc_min, acc_max, &vmin, &vmax)) {
                return PF_NONE;
            }
            return bn.mul >= 0 ? PF_MAX : PF_MIN;
        default:
            return PF_NONE;
    }
}

// acc at band index i as int32: lo + tx + tw wraps mod 2^32 to the true value, which fits.
static inline int32_t acc_at(const int32_t *lo, const int32_t *tx32, size_t i, uint32_t tw) {
    return (int32_t)((uint32_t)lo[i] + (uint32_t)tx32[i] + tw);
}

// The pooled sums of out_rows x ow outputs (rows of the band at stride Wp) into o.
static void pool_acc(int pool, int mode, int s, const int32_t *lo, const int32_t *tx32, uint32_t tw,
    int Wp, int out_rows, int ow, int32_t *o) {
    int sign = mode == PF_MIN ? -1 : 1;
    for (int r = 0; r < out_rows; r++) {
        size_t top = (size_t)(r * s) * (size_t)Wp;
        int32_t *d = o + (size_t)r * (size_t)ow;
        if (mode == PF_PICK) {
            size_t dx = pool == 6 ? 1 : 0;
            for (int x = 0; x < ow; x++) {
                d[x] = acc_at(lo, tx32, top + (size_t)(x * s) + dx, tw);
            }
        } else if (s == 2) {
            kpu_sim_pool2_acc(lo, tx32, top, top + (size_t)Wp, tw, d, ow, mode == PF_MIN);
        } else {
            for (int x = 0; x < ow; x++) {
                int32_t m = INT32_MIN + 1;
                for (int dy = 0; dy < s; dy++) {
                    for (int dx = 0; dx < s; dx++) {
                        int32_t v = sign * acc_at(lo, tx32, top + (size_t)dy * (size_t)Wp + (size_t)(x * s + dx), tw);
                        m = v > m ? v : m;
                    }
                }
                d[x] = sign * m;
            }
        }
    }
}

// One layer as the threads see it: its geometry, worked out once, and how it is split.
typedef struct {
    const kpu_sim_layer_t *L;
    const kpu_sim_wpack_t *pk;
    kpu_sim_kernel_t kernel;
    kpu_sim_kernel4_t kernel4;
    kpu_sim_kernelq_t kernelq;       // both set: this layer runs on channel quads (u8 x s8)
    kpu_sim_kernel4q_t kernel4q;
    size_t perq;                     // quad weight words per output channel
    uint8_t *dma_out;
    int W, H, Wp, halo, s, extra, rows_used, band, nbands, ow, wb;
    size_t stride, plane, per, nacc_cap;
    int32_t toff[9];
    int64_t g_ic;
    int nparts, by_band;     // parts cut the bands (by_band) or the output channels in ranges
} job_t;

// Bands [b0, b1) x output channels [o0, o1) with the scratch of one thread. Every output byte
// it writes (rows of channels o0..o1-1 in bands b0..b1-1, and their DMA copy) is its own.
static void run_range(const job_t *j, scratch_t *sc, int b0, int b1, int o0, int o1) {
    const kpu_sim_layer_t *L = j->L;
    const kpu_sim_wpack_t *pk = j->pk;
    int W = j->W, Wp = j->Wp, halo = j->halo, s = j->s, wb = j->wb, ow = j->ow;
    int nplanes = pk->nplanes, ntaps = pk->ntaps;
    int32_t *planes = sc->planes, *accs = sc->acc, *sx = sc->sx;
    int64_t *tx = sc->tx;
    int32_t *tx32 = sc->tx32;
    uint8_t *conv = sc->u8, *pooled = sc->pool;
    int64_t tx_min = 0, tx_max = 0;
    for (int b = b0; b < b1; b++) {
        int y0 = b * j->band;
        int n = j->rows_used - y0 < j->band ? j->rows_used - y0 : j->band;
        int rows = n + j->extra <= j->H - y0 ? n + j->extra : j->H - y0;
        int prow = rows + 2 * halo;
        size_t nacc = round_up((size_t)rows * (size_t)Wp, KPU_SIM_STRIP);
        int out_rows = n / s, oy0 = y0 / s;
        if (j->kernelq != NULL) {
            for (int q = 0; q < pk->nquads; q++) {
                pack_quad(&L->in, 4 * q, y0 - halo, prow, Wp, halo, L->pad_value,
                    planes + (size_t)q * j->stride, j->stride, sc->zero_row);
            }
            j->kernelq(sx, planes, j->stride, pk->nquads, j->toff, ntaps, pk->ones_q, NULL, nacc);
            kpu_sim_input_term(L->arg_x, L->shr_x, sx, tx, tx32, nacc, &tx_min, &tx_max);
        } else if (!L->depthwise) {
            for (int p = 0; p < nplanes; p++) {
                pack_pair(&L->in, 2 * p, 2 * p + 1 < L->in.c ? 2 * p + 1 : -1, y0 - halo, prow, Wp,
                    halo, L->pad_value, planes + (size_t)p * j->stride, j->stride);
            }
            j->kernel(sx, planes, j->stride, nplanes, j->toff, ntaps, pk->ones, nacc);
            kpu_sim_input_term(L->arg_x, L->shr_x, sx, tx, tx32, nacc, &tx_min, &tx_max);
        }
        // normal convolutions: the sums of KPU_SIM_VBLOCK virtual channels (output channels,
        // or the two byte planes of 16-bit weights) in one sweep of the input, then each
        // channel's post-processing; depthwise ones: one channel's own plane at a time
        int ob = L->depthwise ? 1 : KPU_SIM_VBLOCK / wb;
        for (int o = o0; o < o1; o++) {
            int k = (o - o0) % ob;               // o's place in its block
            size_t nacc_cap = j->nacc_cap;
            int32_t *lo = accs + (size_t)(k * wb) * nacc_cap, *hi = lo + nacc_cap;
            if (L->depthwise) {
                pack_dw(&L->in, o, y0 - halo, prow, Wp, halo, L->pad_value, planes, j->stride);
                j->kernel(sx, planes, j->stride, 1, j->toff, ntaps, pk->ones, nacc);
                kpu_sim_input_term(L->arg_x, L->shr_x, sx, tx, tx32, nacc, &tx_min, &tx_max);
                const int32_t *w = pk->w + (size_t)o * (size_t)wb * j->per;
                j->kernel(lo, planes, j->stride, nplanes, j->toff, ntaps, w, nacc);
                if (wb == 2) {
                    j->kernel(hi, planes, j->stride, nplanes, j->toff, ntaps, w + j->per, nacc);
                }
            } else if (k == 0 && j->kernelq != NULL) {
                int nv = o1 - o < ob ? o1 - o : ob;            // wb == 1: channels of this block
                const int32_t *w = pk->wq + (size_t)o * j->perq;
                if (nv == KPU_SIM_VBLOCK) {
                    j->kernel4q(accs, nacc_cap, planes, j->stride, pk->nquads, j->toff, ntaps, w, j->perq,
                        sx, nacc);
                } else {
                    for (int v = 0; v < nv; v++) {
                        j->kernelq(accs + (size_t)v * nacc_cap, planes, j->stride, pk->nquads, j->toff,
                            ntaps, w + (size_t)v * j->perq, sx, nacc);
                    }
                }
            } else if (k == 0) {
                int nv = (o1 - o < ob ? o1 - o : ob) * wb;   // virtual channels of this block
                const int32_t *w = pk->w + (size_t)o * (size_t)wb * j->per;
                if (nv == KPU_SIM_VBLOCK) {
                    j->kernel4(accs, nacc_cap, planes, j->stride, nplanes, j->toff, ntaps, w, j->per, nacc);
                } else {
                    for (int v = 0; v < nv; v++) {
                        j->kernel(accs + (size_t)v * nacc_cap, planes, j->stride, nplanes, j->toff,
                            ntaps, w + (size_t)v * j->per, nacc);
                    }
                }
            }
            int64_t tw = (((int64_t)L->arg_w * pk->sw[o]) >> L->shr_w) + L->arg_add * j->g_ic;
            kpu_sim_bn_t bn = kpu_sim_bn_decode(L->bn + 8 * (size_t)o);
            int64_t s_min = 0, s_max = 0, acc_min = INT64_MIN, acc_max = INT64_MAX;
            if (wb == 1) {   // 16-bit weights take the general path anyway
                kpu_sim_range32(lo, nacc, &s_min, &s_max);
                acc_min = s_min + tx_min + tw;
                acc_max = s_max + tx_max + tw;
            }
            int pf = wb == 1 ? pool_first_mode(L, bn, acc_min, acc_max) : PF_NONE;
            if (pf != PF_NONE) {
                int32_t *pacc = sc->pacc;
                pool_acc(L->pool, pf, s, lo, tx32, (uint32_t)(uint64_t)tw, Wp, out_rows, ow, pacc);
                kpu_sim_bn_act_row(&L->act, bn, pacc, NULL, sc->z64, sc->z32, 0, acc_min, acc_max,
                    pooled, out_rows * ow);
            } else {
                // the whole band in one call (narrow maps would leave short rows to the scalar
                // tail), the Wp - W padding columns included: they are sums of real bytes, inside
                // the range above; then the rows are closed up to W
                // (rounded up to the 8-lane step: the sums and input terms past it up to nacc are
                // real, inside the range, and the bytes they give are never read)
                int span = (int)round_up((size_t)(rows * Wp - (Wp - W)), 8);
                span = (size_t)span > nacc ? (int)nacc : span;
                const int32_t *t32 = tx_min >= INT32_MIN && tx_max <= INT32_MAX ? tx32 : NULL;
                kpu_sim_bn_act_row(&L->act, bn, lo, wb == 2 ? hi : NULL, tx, t32, tw, acc_min, acc_max,
                    conv, span);
                for (int r = 1; Wp != W && r < rows; r++) {
                    memmove(conv + (size_t)r * (size_t)W, conv + (size_t)r * (size_t)Wp, (size_t)W);
                }
                kpu_sim_pool_band(L->pool, conv, y0, rows, j->H, W, pooled, out_rows, ow);
            }
            for (int r = 0; r < out_rows; r++) {
                const uint8_t *src = pooled + (size_t)r * (size_t)ow;
                memcpy(kpu_sim_map_row(&L->out, o, oy0 + r), src, (size_t)ow);
                if (j->dma_out != NULL) {
                    memcpy(j->dma_out + (size_t)o * j->plane + (size_t)(oy0 + r) * (size_t)ow, src,
                        (size_t)ow);
                }
            }
        }
    }
}

// Part p of nparts: an even share of the bands, or of the output channels (in whole blocks of
// the four-channel kernel, so that no part is left with single channels it could have shared).
static void run_part(void *arg, int p) {
    const job_t *j = arg;
    int unit = j->by_band || j->L->depthwise ? 1 : KPU_SIM_VBLOCK / j->wb;
    int n = j->by_band ? j->nbands : (j->L->out.c + unit - 1) / unit;
    int a = (int)((int64_t)n * p / j->nparts), b = (int)((int64_t)n * (p + 1) / j->nparts);
    if (j->by_band) {
        run_range(j, &scratch[p], a, b, 0, j->L->out.c);
    } else {
        int oc = j->L->out.c;
        run_range(j, &scratch[p], 0, j->nbands, a * unit > oc ? oc : a * unit, b * unit > oc ? oc : b * unit);
    }
}

// Multiply-add pairs below which a layer stays on one thread (waking the workers costs more).
static int64_t min_parallel_work = (int64_t)1 << 18;

void kpu_sim_set_min_parallel_work(int64_t pairs) {
    min_parallel_work = pairs < 0 ? 0 : pairs;
}

int kpu_sim_fast_exec(const kpu_sim_layer_t *L, uint8_t *dma_out) {
    const kpu_sim_wpack_t *pk = kpu_sim_wcache_get(L);
    if (pk == NULL) {
        return -1;
    }
    job_t j = { .L = L, .pk = pk, .kernel = kpu_sim_kernel(), .kernel4 = kpu_sim_kernel4(),
        .dma_out = dma_out };
    int k = L->k;
    j.W = L->in.w;
    j.H = L->in.h;
    j.halo = k == 3;
    j.Wp = j.W + 2 * j.halo;
    j.s = kpu_pool_stride(L->pool);
    j.extra = kpu_pool_extra_row(L->pool);
    j.rows_used = L->out.h * j.s;
    int nplanes = pk->nplanes, ntaps = pk->ntaps;
    size_t target = PLANES_TARGET / (size_t)nplanes;
    target = target < BAND_TARGET ? target : BAND_TARGET;
    int band = ((int)(target / (size_t)j.Wp) - j.extra) / j.s * j.s;
    band = band < j.s ? j.s : band;
    band = band > j.rows_used ? j.rows_used : band;
    j.band = band;
    j.nbands = (j.rows_used + band - 1) / band;
    int max_rows = band + j.extra;
    j.stride = (size_t)(max_rows + 2 * j.halo) * (size_t)j.Wp + KPU_SIM_STRIP + 8;
    size_t nacc_max = round_up((size_t)max_rows * (size_t)j.Wp, KPU_SIM_STRIP);
    j.nacc_cap = nacc_max;
    j.ow = L->out.w;
    j.plane = (size_t)L->out.w * (size_t)L->out.h;
    j.wb = L->weight_bytes;
    for (int t = 0; t < ntaps; t++) {
        if (L->depthwise) {
            j.toff[t] = k == 3 ? (t / 2) * j.Wp + (t & 1) * 2 : 0;
        } else {
            j.toff[t] = k == 3 ? (t / 3) * j.Wp + t % 3 : 0;
        }
    }
    j.g_ic = L->depthwise ? 1 : L->in.c;
    j.per = (size_t)nplanes * (size_t)ntaps;
    if (pk->nquads > 0 && !L->depthwise && L->weight_bytes == 1) {
        j.kernelq = kpu_sim_kernelq();
        j.kernel4q = kpu_sim_kernel4q();
        j.kernelq = j.kernel4q != NULL ? j.kernelq : NULL;
        j.perq = (size_t)pk->nquads * (size_t)ntaps;
    }

    // Split: by bands when there are enough for an even share, else by output channels (each
    // part then packs the band's input itself: a small cost next to its channels' sums).
    int64_t work = (int64_t)L->out.c * j.wb * (int64_t)j.per * j.rows_used * j.Wp;
    int nt = kpu_sim_threads();
    int nparts = work < min_parallel_work ? 1 : nt;
    j.by_band = j.nbands >= 2 * nparts || j.nbands % nparts == 0;
    int unit = L->depthwise ? 1 : KPU_SIM_VBLOCK / j.wb;    // channels per block (run_part)
    int units = j.by_band ? j.nbands : (L->out.c + unit - 1) / unit;
    nparts = nparts > units ? units : nparts;
    j.nparts = nparts < 1 ? 1 : nparts;

    for (int p = 0; p < j.nparts; p++) {
        scratch_t *sc = &scratch[p];
        if (!grow(&sc->planes, &sc->c_planes, (size_t)nplanes * j.stride * sizeof(int32_t))
            || !grow(&sc->acc, &sc->c_acc, KPU_SIM_VBLOCK * nacc_max * sizeof(int32_t))
            || !grow(&sc->sx, &sc->c_sx, nacc_max * sizeof(int32_t))
            || !grow(&sc->tx, &sc->c_tx, nacc_max * sizeof(int64_t))
            || !grow(&sc->tx32, &sc->c_tx32, nacc_max * sizeof(int32_t))
            || !grow(&sc->u8, &sc->c_u8, nacc_max)
            || !grow(&sc->pool, &sc->c_pool, (size_t)max_rows * (size_t)j.W)
            || !grow(&sc->pacc, &sc->c_pacc, nacc_max * sizeof(int32_t))
            || !grow(&sc->z64, &sc->c_z64, nacc_max * sizeof(int64_t))
            || !grow(&sc->z32, &sc->c_z32, nacc_max * sizeof(int32_t))
            || !grow(&sc->zero_row, &sc->c_zero_row, (size_t)j.W)) {
            return -1;
        }
        // the input terms of pooled sums: tx and tw are in them already
        memset(sc->z64, 0, nacc_max * sizeof(int64_t));
        memset(sc->z32, 0, nacc_max * sizeof(int32_t));
        memset(sc->zero_row, 0, (size_t)j.W);
    }
    if (j.nparts == 1) {
        run_part(&j, 0);
    } else {
        kpu_sim_run_parts(run_part, &j, j.nparts);
    }
    return 0;
}

#endif
