// The simulated board's 6 MiB general SRAM (one arena mapped at bus address 0x80000000) and
// 2 MiB AI SRAM, split exactly as a board's link and boot code split them.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "board_hal.h"
#include "mem_budget.h"
#include "board.h"

static uint8_t *sram, *ai_sram;
static mem_budget_t budget;

#define UNCACHED_ALIAS_DELTA (0x40000000u)   // 0x4xxxxxxx views of both SRAMs bypass the cache

static void ensure_arenas(void) {
    if (sram == NULL) {
        sram = aligned_alloc(4096, K210_SRAM_BYTES);
        ai_sram = aligned_alloc(4096, K210_AI_SRAM_BYTES);
        if (sram == NULL || ai_sram == NULL) {
            abort();
        }
        memset(ai_sram, 0, K210_AI_SRAM_BYTES);
    }
}

size_t board_gc_heap_max(void) {
    return K210_SRAM_BYTES - BOARD_IMAGE_BYTES - BOARD_STACK_BYTES;
}

int board_mem_layout(size_t gc_heap_bytes, void **gc_start, void **gc_end) {
    ensure_arenas();
    if (gc_heap_bytes < BOARD_GC_HEAP_MIN || gc_heap_bytes > board_gc_heap_max()) {
        return -ENOMEM;
    }
    uint8_t *heap = sram + BOARD_IMAGE_BYTES + BOARD_STACK_BYTES;
    budget = (mem_budget_t) {
        .image_bytes = BOARD_IMAGE_BYTES,
        .stack_bytes = BOARD_STACK_BYTES,
        .gc_heap_bytes = gc_heap_bytes,
        .pool = heap + gc_heap_bytes,
        .pool_bytes = board_gc_heap_max() - gc_heap_bytes,
        .ai_sram = ai_sram,
        .ai_sram_bytes = K210_AI_SRAM_BYTES,
    };
    *gc_start = heap;
    *gc_end = heap + gc_heap_bytes;
    return 0;
}

const mem_budget_t *mem_budget(void) {
    return &budget;
}

uint32_t mem_bus_addr(const void *p) {
    const uint8_t *b = p;
    if (b >= sram && b < sram + K210_SRAM_BYTES) {
        return K210_SRAM_BASE + (uint32_t)(b - sram);
    }
    if (b >= ai_sram && b < ai_sram + K210_AI_SRAM_BYTES) {
        return K210_AI_SRAM_BASE + (uint32_t)(b - ai_sram);
    }
    return 0;   // not SRAM: no bus master could reach it on a board either
}

void *mem_cpu_ptr(uint32_t addr, size_t n) {
    if (addr < K210_SRAM_BASE) {
        addr += UNCACHED_ALIAS_DELTA;
    }
    if (addr >= K210_SRAM_BASE && addr - K210_SRAM_BASE <= K210_SRAM_BYTES
        && n <= K210_SRAM_BYTES - (addr - K210_SRAM_BASE)) {
        return sram + (addr - K210_SRAM_BASE);
    }
    if (addr >= K210_AI_SRAM_BASE && addr - K210_AI_SRAM_BASE <= K210_AI_SRAM_BYTES
        && n <= K210_AI_SRAM_BYTES - (addr - K210_AI_SRAM_BASE)) {
        return ai_sram + (addr - K210_AI_SRAM_BASE);
    }
    return NULL;
}
