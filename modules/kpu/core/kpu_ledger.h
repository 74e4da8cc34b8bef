// The SRAM ledger: the only allocator of the kpu module. It hands out blocks of the model pool
// (kpu_mem()->pool, everything of the 6 MiB that is not image, stacks or GC heap) and knows
// the owner of every byte, so kpu.mem_info() adds up to 6 MiB + 2 MiB exactly.
//
// Blocks start and end on KPU_LEDGER_ALIGN (128 B) boundaries: weights, BN and activation tables
// keep the 128/256-B alignment their file offsets have (docs/memory.md, "The ledger"). Metadata lives
// in a static table outside the pool; allocation is first-fit over the gaps between blocks.
//
// THE CHARGE OF A MODEL (what `k210 model info` prints; a model fits iff charge <= largest free):
//   A(x)  = x rounded up to a multiple of 128
//   kmodel v3: image = 28 + 8*output_count + 8*layers_length + sum(body_size)
//                      (the header-declared end; a file up to 7 B shorter is zero-filled, bytes
//                      after this end are not loaded)
//              charge = A(image) + A(main_mem_usage)       -- one block: image, then main buffer
//   kmodel v4/v5: charge = pad + A(image) + A(main) + A(state), pad = header alignment - 128 when
//              it asks for more than 128 (v5 K210 files: 256) -- docs/memory.md, "The charge".
//   Example: yolo20class_nncase01_v3 (1,352,588 B file, declares 1,352,592, main_mem_usage 43,752)
//            charges A(1352592) + A(43752) = 1,352,704 + 43,776 = 1,396,480 B.
#ifndef KPU_LEDGER_H
#define KPU_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KPU_LEDGER_ALIGN   (128u)
#define KPU_LEDGER_BLOCKS  (64)      // blocks alive at once (a v3 model uses one)
#define KPU_LEDGER_TAG_LEN (24)

#define KPU_LEDGER_ROUND(x) (((size_t)(x) + KPU_LEDGER_ALIGN - 1) & ~(size_t)(KPU_LEDGER_ALIGN - 1))

// The owner of every kpu.LedgerBuf block (frames, images, buffers): not a model id (those count
// up from 1), so kpu.mem_info() lists these blocks as 'buffers', apart from the models.
#define KPU_LEDGER_OWNER_BUFFERS (0xFFFFFFFFu)

typedef struct {
    size_t pool_bytes;      // the pool as the board laid it out
    size_t align_loss;      // bytes before the first 128-B boundary of the pool (and after the last)
    size_t used_bytes;      // sum of live blocks
    size_t free_bytes;      // pool_bytes - align_loss - used_bytes
    size_t largest_free;    // the biggest block an allocation can get now
    unsigned blocks;
} kpu_ledger_stats_t;

typedef struct {
    uint32_t owner;         // who asked (a model id); 0 = nobody
    char tag[KPU_LEDGER_TAG_LEN];
    size_t bytes;
    void *ptr;
} kpu_ledger_block_t;

// Allocates n bytes (charged A(n)) for owner; NULL if no gap is large enough or the table is full.
// The block is not cleared.
void *kpu_ledger_alloc(size_t n, uint32_t owner, const char *tag);
// Frees a block returned by kpu_ledger_alloc; false if p is not a live block (nothing changes).
bool kpu_ledger_free(void *p);
// Frees every block (soft reset); bumps the epoch so stale handles can tell.
void kpu_ledger_free_all(void);
uint32_t kpu_ledger_epoch(void);

void kpu_ledger_stats(kpu_ledger_stats_t *st);
size_t kpu_ledger_owner_bytes(uint32_t owner);
// A byte figure of the ledger's messages with thousands separators: 1234567 -> "1,234,567" in buf
// (16 bytes hold any figure below 10^12); returns buf.
const char *kpu_ledger_grouped(char *buf, size_t v);
// The i-th live block in address order; false past the end.
bool kpu_ledger_block(unsigned i, kpu_ledger_block_t *out);

#endif
