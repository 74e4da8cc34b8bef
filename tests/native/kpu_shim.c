// Host test shim for the behavioural KPU (kpusim/kpu_sim*.c) without the firmware:
// the memory seam of firmware/mem_budget.h over two test arenas, general SRAM at bus address
// 0x80000000 (uncached alias 0x40000000) and the 2 MiB AI SRAM at 0x80600000, exactly as
// firmware/sim/sim_mem.c maps them. Python drives it through ctypes (tests/native/kpusim.py).
#include <stdint.h>
#include <string.h>

#include "mem_budget.h"

#define ALIAS_DELTA 0x40000000u

static uint8_t sram[K210_SRAM_BYTES] __attribute__((aligned(64)));
static uint8_t ai_sram[K210_AI_SRAM_BYTES] __attribute__((aligned(64)));
static mem_budget_t budget = {
    .pool = sram,
    .pool_bytes = K210_SRAM_BYTES,
    .ai_sram = ai_sram,
    .ai_sram_bytes = K210_AI_SRAM_BYTES,
};

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
    return 0;
}

void *mem_cpu_ptr(uint32_t addr, size_t n) {
    if (addr < K210_SRAM_BASE) {
        addr += ALIAS_DELTA;
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

// For the tests: the arenas' CPU pointers.
uint8_t *shim_sram(void) {
    return sram;
}

uint8_t *shim_ai_sram(void) {
    return ai_sram;
}
