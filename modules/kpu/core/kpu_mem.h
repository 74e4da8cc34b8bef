// The memory-region interface of the kpu core, supplied by the port: how the board split the
// K210's 8 MiB of SRAM at boot, and the mapping between CPU pointers and the bus addresses the
// KPU and DMA see. firmware/k210/mem_k210.c implements it on a board (and QEMU), and
// kpusim/kpu_sim_sram.c on a host (the simulated board, the fuzzer, the native tests).
// The ledger (kpu_ledger.c) hands out the pool; docs/memory.md, "Regions".
#ifndef KPU_MEM_H
#define KPU_MEM_H

#include <stddef.h>
#include <stdint.h>

#define K210_SRAM_BYTES     (6u * 1024 * 1024)   // 0x80000000-0x805FFFFF
#define K210_AI_SRAM_BYTES  (2u * 1024 * 1024)   // 0x80600000-0x807FFFFF
#define K210_SRAM_BASE      (0x80000000u)
#define K210_AI_SRAM_BASE   (0x80600000u)
#define K210_UNCACHED_DELTA (0x40000000u)        // 0x4xxxxxxx views of both SRAMs bypass the cache

typedef struct {
    size_t image_bytes;      // firmware .text/.rodata/.data/.bss (the sim charges its board's figure)
    size_t stack_bytes;      // C stacks of both harts + IRQ stack
    size_t gc_heap_bytes;    // MicroPython GC heap
    uint8_t *pool;           // model pool: everything left of the 6 MiB
    size_t pool_bytes;
    uint8_t *ai_sram;        // CPU view of the 2 MiB AI SRAM
    size_t ai_sram_bytes;
} kpu_mem_t;

// Valid after the port's boot code ran; the figures add up to 6 MiB + 2 MiB exactly.
const kpu_mem_t *kpu_mem(void);

// The bus address a KPU or DMA master sees for a CPU pointer into SRAM, or 0 when p is not in
// SRAM (a host port maps its arena to 0x80000000 so layer arguments carry a board's addresses).
uint32_t kpu_mem_bus_addr(const void *p);
// The reverse: a CPU pointer for a bus address (cached or uncached alias), or NULL when
// [addr, addr+n) is outside SRAM.
void *kpu_mem_cpu_ptr(uint32_t addr, size_t n);

#endif
