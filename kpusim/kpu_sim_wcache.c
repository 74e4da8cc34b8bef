// The per-layer cache of rearranged weights (kpu_sim_fast.h). Keyed by the weights' address
// and the layer geometry; an entry is valid only while the bytes at that address equal the
// copy taken when it was built (one memcmp per layer run), so freeing a model and loading
// another at the same address rebuilds it instead of reusing stale weights. Host memory,
// bounded: least recently used entries go first when the cache passes its byte budget.
#include <stdlib.h>
#include <string.h>

#include "kpu_sim_fast.h"

#if KPU_SIM_FAST

#define CACHE_ENTRIES 512
#define CACHE_BUDGET  ((size_t)256 << 20)   // bytes of packed weights + copies kept at most

typedef struct {
    const uint8_t *src;
    size_t src_bytes;
    int ic, oc, k, depthwise, weight_bytes;
    uint8_t *copy;
    size_t bytes;            // everything this entry holds
    uint64_t used;
    kpu_sim_wpack_t pack;
} entry_t;

static entry_t cache[CACHE_ENTRIES];
static size_t cache_bytes;
static uint64_t clock_now;

static void drop(entry_t *e) {
    free(e->copy);
    free((void *)e->pack.w);
    free((void *)e->pack.ones);
    free((void *)e->pack.sw);
    free((void *)e->pack.wq);
    free((void *)e->pack.ones_q);
    cache_bytes -= e->bytes;
    memset(e, 0, sizeof(*e));
}

static entry_t *oldest(void) {
    entry_t *o = NULL;
    for (int i = 0; i < CACHE_ENTRIES; i++) {
        if (cache[i].src != NULL && (o == NULL || cache[i].used < o->used)) {
            o = &cache[i];
        }
    }
    return o;
}

static uint16_t weight_at(const kpu_sim_layer_t *L, size_t idx, int plane) {
    // plane 0: the whole u8 weight, or the low byte of a u16; plane 1: the high byte
    return L->weight_bytes == 1 ? L->weights[idx] : L->weights[2 * idx + (size_t)plane];
}

// The quad form (kpu_sim_fast.h) of a normal 8-bit layer; -1 (no quad form) without memory.
static int build_quads(kpu_sim_wpack_t *pk, const kpu_sim_layer_t *L) {
    int kk = L->k * L->k, ic = L->in.c, oc = L->out.c, nq = (ic + 3) / 4;
    size_t per = (size_t)nq * (size_t)kk;
    uint32_t *wq = malloc((size_t)oc * per * sizeof(uint32_t));
    uint32_t *ones = malloc(per * sizeof(uint32_t));
    if (wq == NULL || ones == NULL) {
        free(wq);
        free(ones);
        return -1;
    }
    for (int o = 0; o < oc; o++) {
        const uint8_t *src = L->weights + (size_t)o * (size_t)ic * (size_t)kk;
        for (int q = 0; q < nq; q++) {
            for (int t = 0; t < kk; t++) {
                uint32_t word = 0;
                for (int b = 0; b < 4 && 4 * q + b < ic; b++) {
                    uint8_t w = src[(size_t)(4 * q + b) * (size_t)kk + (size_t)t];
                    word |= (uint32_t)(uint8_t)(w - 128) << (8 * b);
                }
                wq[(size_t)o * per + (size_t)q * (size_t)kk + (size_t)t] = word;
            }
        }
    }
    for (size_t j = 0; j < per; j++) {
        ones[j] = 0x01010101u;
    }
    pk->nquads = nq;
    pk->wq = (const int32_t *)wq;
    pk->ones_q = (const int32_t *)ones;
    return 0;
}

// Builds the packed form (layout in kpu_sim_fast.h; tap order in kpu_sim_fast.c's offsets).
static int build(entry_t *e, const kpu_sim_layer_t *L) {
    int kk = L->k * L->k, ic = L->in.c, oc = L->out.c;
    kpu_sim_wpack_t *pk = &e->pack;
    pk->nvirt = oc * L->weight_bytes;
    if (L->depthwise) {
        pk->nplanes = 1;
        pk->ntaps = L->k == 3 ? 6 : 1;
    } else {
        pk->nplanes = (ic + 1) / 2;
        pk->ntaps = kk;
    }
    size_t per = (size_t)pk->nplanes * (size_t)pk->ntaps;
    int32_t *w = malloc((size_t)pk->nvirt * per * sizeof(int32_t));
    int32_t *ones = malloc(per * sizeof(int32_t));
    int64_t *sw = malloc((size_t)oc * sizeof(int64_t));
    uint8_t *copy = malloc(e->src_bytes);
    if (w == NULL || ones == NULL || sw == NULL || copy == NULL) {
        free(w); free(ones); free(sw); free(copy);
        return -1;
    }
    memcpy(copy, L->weights, e->src_bytes);
    for (int o = 0; o < oc; o++) {
        size_t taps = (size_t)(L->depthwise ? 1 : ic) * (size_t)kk;
        size_t first = (size_t)o * taps;
        int64_t s = 0;
        for (size_t t = 0; t < taps; t++) {
            s += L->weight_bytes == 1 ? L->weights[first + t]
                : (int64_t)(L->weights[2 * (first + t)] | (L->weights[2 * (first + t) + 1] << 8));
        }
        sw[o] = s;
        for (int plane = 0; plane < L->weight_bytes; plane++) {
            int32_t *dst = w + (size_t)(o * L->weight_bytes + plane) * per;
            if (L->depthwise && L->k == 3) {
                for (int dy = 0; dy < 3; dy++) {   // taps (dy,0)+(dy,1) paired, then (dy,2) alone
                    uint32_t a = weight_at(L, first + (size_t)dy * 3, plane);
                    uint32_t b = weight_at(L, first + (size_t)dy * 3 + 1, plane);
                    uint32_t c = weight_at(L, first + (size_t)dy * 3 + 2, plane);
                    dst[2 * dy] = (int32_t)(a | (b << 16));
                    dst[2 * dy + 1] = (int32_t)c;
                }
            } else if (L->depthwise) {
                dst[0] = weight_at(L, first, plane);
            } else {
                for (int p = 0; p < pk->nplanes; p++) {
                    for (int t = 0; t < kk; t++) {
                        uint32_t a = weight_at(L, first + (size_t)(2 * p) * (size_t)kk + (size_t)t, plane);
                        uint32_t b = 2 * p + 1 < ic
                            ? weight_at(L, first + (size_t)(2 * p + 1) * (size_t)kk + (size_t)t, plane) : 0;
                        dst[(size_t)p * (size_t)kk + (size_t)t] = (int32_t)(a | (b << 16));
                    }
                }
            }
        }
    }
    for (size_t j = 0; j < per; j++) {
        // depthwise 3x3: the single taps (odd j) have nothing in their high half
        ones[j] = (L->depthwise && L->k == 3 && (j & 1)) || (L->depthwise && L->k == 1)
            ? 1 : (int32_t)(1u | (1u << 16));
    }
    pk->w = w;
    pk->ones = ones;
    pk->sw = sw;
    e->copy = copy;
    e->bytes = e->src_bytes + ((size_t)pk->nvirt + 1) * per * sizeof(int32_t) + (size_t)oc * sizeof(int64_t);
    if (!L->depthwise && L->weight_bytes == 1 && build_quads(pk, L) == 0) {
        e->bytes += ((size_t)oc + 1) * (size_t)pk->nquads * (size_t)kk * sizeof(int32_t);
    }
    return 0;
}

const kpu_sim_wpack_t *kpu_sim_wcache_get(const kpu_sim_layer_t *L) {
    int kk = L->k * L->k;
    size_t src_bytes = (size_t)L->out.c * (size_t)(L->depthwise ? 1 : L->in.c) * (size_t)kk
        * (size_t)L->weight_bytes;
    entry_t *free_slot = NULL;
    clock_now++;
    for (int i = 0; i < CACHE_ENTRIES; i++) {
        entry_t *e = &cache[i];
        if (e->src == NULL) {
            free_slot = free_slot ? free_slot : e;
            continue;
        }
        if (e->src == L->weights && e->src_bytes == src_bytes && e->ic == L->in.c
            && e->oc == L->out.c && e->k == L->k && e->depthwise == L->depthwise
            && e->weight_bytes == L->weight_bytes) {
            if (memcmp(e->copy, L->weights, src_bytes) == 0) {
                e->used = clock_now;
                return &e->pack;
            }
            drop(e);   // same address, other bytes: another model now lives there
            free_slot = free_slot ? free_slot : e;
        }
    }
    while (cache_bytes > CACHE_BUDGET || free_slot == NULL) {
        entry_t *o = oldest();
        if (o == NULL) {
            break;
        }
        drop(o);
        free_slot = free_slot ? free_slot : o;
    }
    if (free_slot == NULL) {
        return NULL;
    }
    entry_t *e = free_slot;
    e->src = L->weights;
    e->src_bytes = src_bytes;
    e->ic = L->in.c;
    e->oc = L->out.c;
    e->k = L->k;
    e->depthwise = L->depthwise;
    e->weight_bytes = L->weight_bytes;
    if (build(e, L) != 0) {
        memset(e, 0, sizeof(*e));
        return NULL;
    }
    e->used = clock_now;
    cache_bytes += e->bytes;
    return &e->pack;
}

#endif
