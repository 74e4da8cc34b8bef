// The board's SRAM split, as the port laid it out at boot. The kpu ledger reads it to account
// for all 8 MiB (6 MiB general SRAM + 2 MiB AI SRAM) and to hand out the model pool.
#ifndef K210_MEM_BUDGET_H
#define K210_MEM_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#define K210_SRAM_BYTES     (6u * 1024 * 1024)   // 0x80000000-0x805FFFFF
#define K210_AI_SRAM_BYTES  (2u * 1024 * 1024)   // 0x80600000-0x807FFFFF
#define K210_SRAM_BASE      (0x80000000u)
#define K210_AI_SRAM_BASE   (0x80600000u)

typedef struct {
    size_t image_bytes;      // firmware .text/.rodata/.data/.bss (the sim charges its board's figure)
    size_t stack_bytes;      // C stacks of both harts + IRQ stack
    size_t gc_heap_bytes;    // MicroPython GC heap
    uint8_t *pool;           // model pool: everything left of the 6 MiB
    size_t pool_bytes;
    uint8_t *ai_sram;        // CPU view of the 2 MiB AI SRAM
    size_t ai_sram_bytes;
} mem_budget_t;

// Valid after the port's boot code ran; the figures add up to 6 MiB + 2 MiB exactly.
const mem_budget_t *mem_budget(void);

// The bus address a KPU or DMA master sees for a CPU pointer into general SRAM (the sim maps
// its arena to 0x80000000 so layer arguments carry the same 32-bit addresses as on a board).
uint32_t mem_bus_addr(const void *p);
// The reverse: a CPU pointer for a bus address, or NULL when [addr, addr+n) is outside SRAM.
void *mem_cpu_ptr(uint32_t addr, size_t n);

#endif
