// kpu.LedgerBuf: a GC object that owns one ledger block (a frame, an image, a model input/output
// copy). The bytes live in the ledger pool, never on the GC heap; the GC object itself is small.
// Buffer protocol (read/write), len(), indexing and step-1 slices, .release(), repr shows owner
// tag and size. A new block is zeroed, like bytearray(n).
// The block is freed by release(), by the object's finaliser when it is collected, or by soft
// reset (kpu_ledger_free_all); a released/stale object raises ValueError naming its tag when used.
// Blocks belong to KPU_LEDGER_OWNER_BUFFERS and show in kpu.mem_info() as 'buffers'.
#ifndef KPU_LEDGER_BUF_H
#define KPU_LEDGER_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "py/obj.h"

// tag e.g. "image 320x240 rgb565" (cut to KPU_LEDGER_TAG_LEN - 1 characters); the block is
// zeroed. MemoryError with
// the figures (asked, free, largest free) when the pool has no gap after one gc.collect retry.
mp_obj_t ledger_buf_new(size_t n, const char *tag);
// The block and its size; raises ValueError if released or stale (a soft reset freed it).
void *ledger_buf_data(mp_obj_t o, size_t *len);
// Frees the block now; idempotent (a stale object's block is already gone).
void ledger_buf_release(mp_obj_t o);
bool ledger_buf_is(mp_obj_t o);
extern const mp_obj_type_t kpu_ledger_buf_type;   // kpu.LedgerBuf(n, tag='buffer')

#endif
