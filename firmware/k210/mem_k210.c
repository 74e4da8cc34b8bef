// The 6 MiB + 2 MiB split of a real board, from the linker's symbols: image and stacks are what
// the link produced (k210.ld.in); the rest is the GC heap (board default or machine.heap_size)
// followed by the kpu model pool. The figures feed kpu_mem() exactly as sim_mem.c does.
#include <errno.h>

#include "board.h"
#include "board_hal.h"
#include "kpu_mem.h"

extern uint8_t __image_end[], __stacks_start[], __stacks_end[], __free_start[], __free_end[];

static kpu_mem_t budget;

// Read from the ELF by the build's memory report (never loaded: an INFO section).
typedef struct {
    uint32_t magic, gc_heap_default, gc_heap_min, pool_min;
    uint32_t irq_stack, hart1_stack, hart0_stack, pool_uncached;
} k210_meminfo_t;
__attribute__((used, section(".k210.meminfo"))) const k210_meminfo_t k210_meminfo = {
    0x4B4D454D, BOARD_GC_HEAP_DEFAULT, BOARD_GC_HEAP_MIN, BOARD_POOL_MIN_BYTES,
    BOARD_IRQ_STACK_BYTES, BOARD_HART1_STACK_BYTES, BOARD_HART0_STACK_BYTES, BOARD_POOL_UNCACHED,
};

size_t board_gc_heap_max(void) {
    return (size_t)(__free_end - __free_start);
}

// CPU pointer through which the pool is used: on a K210 the uncached alias, so that model data
// the CPU writes is in SRAM when the KPU and DMA read it (they do not see the D-cache).
static uint8_t *cpu_view(uint8_t *p) {
    return BOARD_POOL_UNCACHED ? p - K210_UNCACHED_DELTA : p;
}

int board_mem_layout(size_t gc_heap_bytes, void **gc_start, void **gc_end) {
    if (gc_heap_bytes < BOARD_GC_HEAP_MIN || gc_heap_bytes > board_gc_heap_max()) {
        return -ENOMEM;
    }
    uint8_t *heap = __free_start;
    budget = (kpu_mem_t) {
        .image_bytes = (size_t)(__image_end - (uint8_t *)(uintptr_t)K210_SRAM_BASE),
        .stack_bytes = (size_t)(__stacks_end - __stacks_start),
        .gc_heap_bytes = gc_heap_bytes,
        .pool = cpu_view(heap + gc_heap_bytes),
        .pool_bytes = board_gc_heap_max() - gc_heap_bytes,
        .ai_sram = cpu_view((uint8_t *)(uintptr_t)K210_AI_SRAM_BASE),
        .ai_sram_bytes = K210_AI_SRAM_BYTES,
    };
    *gc_start = heap;
    *gc_end = heap + gc_heap_bytes;
    return 0;
}

const kpu_mem_t *kpu_mem(void) {
    return &budget;
}

uint32_t kpu_mem_bus_addr(const void *p) {
    uintptr_t a = (uintptr_t)p;
    if (BOARD_POOL_UNCACHED && a >= K210_SRAM_BASE - K210_UNCACHED_DELTA && a < K210_SRAM_BASE) {
        a += K210_UNCACHED_DELTA;
    }
    if (a >= K210_SRAM_BASE && a < K210_AI_SRAM_BASE + K210_AI_SRAM_BYTES) {
        return (uint32_t)a;
    }
    return 0;   // not SRAM: no bus master could reach it
}

void *kpu_mem_cpu_ptr(uint32_t addr, size_t n) {
    if (addr < K210_SRAM_BASE) {
        addr += K210_UNCACHED_DELTA;
    }
    uint32_t end = K210_AI_SRAM_BASE + K210_AI_SRAM_BYTES;
    if (addr < K210_SRAM_BASE || addr >= end || n > end - addr) {
        return NULL;
    }
    return cpu_view((uint8_t *)(uintptr_t)addr);
}
