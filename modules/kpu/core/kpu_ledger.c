// The SRAM ledger over the model pool: a static, address-ordered table of live blocks; free space
// is the gaps between them, so free bytes and the largest block are exact at every moment.
#include <stdio.h>
#include <string.h>

#include "kpu_ledger.h"
#include "kpu_mem.h"

typedef struct {
    size_t off;             // from the pool's first aligned byte
    size_t bytes;           // charged bytes (multiple of KPU_LEDGER_ALIGN)
    uint32_t owner;
    char tag[KPU_LEDGER_TAG_LEN];
} block_t;

static struct {
    uint8_t *pool;          // the pool this table describes (the board may change it at reset)
    size_t pool_bytes;
    uint8_t *base;          // first 128-B aligned byte of the pool
    size_t usable;          // aligned bytes from base
    unsigned n;
    block_t blk[KPU_LEDGER_BLOCKS];
    uint32_t epoch;
} L;

// The pool moves only across a reset (a new GC heap size), when no block can be alive.
static void sync_pool(void) {
    const kpu_mem_t *mb = kpu_mem();
    if (L.pool == mb->pool && L.pool_bytes == mb->pool_bytes) {
        return;
    }
    L.pool = mb->pool;
    L.pool_bytes = mb->pool_bytes;
    uintptr_t start = ((uintptr_t)mb->pool + KPU_LEDGER_ALIGN - 1) & ~(uintptr_t)(KPU_LEDGER_ALIGN - 1);
    uintptr_t end = ((uintptr_t)mb->pool + mb->pool_bytes) & ~(uintptr_t)(KPU_LEDGER_ALIGN - 1);
    L.base = (uint8_t *)start;
    L.usable = end > start ? end - start : 0;
    L.n = 0;
}

void *kpu_ledger_alloc(size_t n, uint32_t owner, const char *tag) {
    sync_pool();
    if (n == 0 || n > L.usable || L.n == KPU_LEDGER_BLOCKS) {
        return NULL;
    }
    size_t need = KPU_LEDGER_ROUND(n);
    size_t at = 0;
    unsigned i;
    for (i = 0; i <= L.n; i++) {
        size_t gap_end = i < L.n ? L.blk[i].off : L.usable;
        if (gap_end - at >= need) {
            break;
        }
        if (i < L.n) {
            at = L.blk[i].off + L.blk[i].bytes;
        }
    }
    if (i > L.n) {
        return NULL;
    }
    memmove(&L.blk[i + 1], &L.blk[i], (L.n - i) * sizeof(block_t));
    block_t *b = &L.blk[i];
    b->off = at;
    b->bytes = need;
    b->owner = owner;
    strncpy(b->tag, tag ? tag : "", KPU_LEDGER_TAG_LEN - 1);
    b->tag[KPU_LEDGER_TAG_LEN - 1] = '\0';
    L.n++;
    return L.base + at;
}

bool kpu_ledger_free(void *p) {
    for (unsigned i = 0; i < L.n; i++) {
        if (L.base + L.blk[i].off == (uint8_t *)p) {
            memmove(&L.blk[i], &L.blk[i + 1], (L.n - i - 1) * sizeof(block_t));
            L.n--;
            return true;
        }
    }
    return false;
}

void kpu_ledger_free_all(void) {
    L.n = 0;
    L.epoch++;
}

uint32_t kpu_ledger_epoch(void) {
    return L.epoch;
}

void kpu_ledger_stats(kpu_ledger_stats_t *st) {
    sync_pool();
    size_t used = 0, largest = 0, at = 0;
    for (unsigned i = 0; i <= L.n; i++) {
        size_t gap_end = i < L.n ? L.blk[i].off : L.usable;
        if (gap_end - at > largest) {
            largest = gap_end - at;
        }
        if (i < L.n) {
            used += L.blk[i].bytes;
            at = L.blk[i].off + L.blk[i].bytes;
        }
    }
    st->pool_bytes = L.pool_bytes;
    st->align_loss = L.pool_bytes - L.usable;
    st->used_bytes = used;
    st->free_bytes = L.usable - used;
    st->largest_free = largest;
    st->blocks = L.n;
}

size_t kpu_ledger_owner_bytes(uint32_t owner) {
    size_t sum = 0;
    for (unsigned i = 0; i < L.n; i++) {
        if (L.blk[i].owner == owner) {
            sum += L.blk[i].bytes;
        }
    }
    return sum;
}

bool kpu_ledger_block(unsigned i, kpu_ledger_block_t *out) {
    if (i >= L.n) {
        return false;
    }
    out->owner = L.blk[i].owner;
    memcpy(out->tag, L.blk[i].tag, KPU_LEDGER_TAG_LEN);
    out->bytes = L.blk[i].bytes;
    out->ptr = L.base + L.blk[i].off;
    return true;
}

const char *kpu_ledger_grouped(char *buf, size_t v) {
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%lu", (unsigned long)v);
    char *o = buf;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            *o++ = ',';
        }
        *o++ = tmp[i];
    }
    *o = '\0';
    return buf;
}
