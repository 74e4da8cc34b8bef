// The host SRAM map (see kpu_sim_sram.h). Static: the arena is zero at start like a board's
// AI SRAM after reset, and costs no file size.
#include "kpu_sim_sram.h"

static uint8_t arena[K210_SRAM_BYTES + K210_AI_SRAM_BYTES] __attribute__((aligned(4096)));
static kpu_mem_t split = {
    .pool = arena,
    .pool_bytes = K210_SRAM_BYTES,
    .ai_sram = arena + K210_SRAM_BYTES,
    .ai_sram_bytes = K210_AI_SRAM_BYTES,
};

uint8_t *kpu_sim_sram(void) {
    return arena;
}

void kpu_sim_sram_set_split(const kpu_mem_t *s) {
    split = *s;
}

const kpu_mem_t *kpu_mem(void) {
    return &split;
}

uint32_t kpu_mem_bus_addr(const void *p) {
    const uint8_t *b = p;
    if (b >= arena && b < arena + sizeof(arena)) {
        return K210_SRAM_BASE + (uint32_t)(b - arena);
    }
    return 0;   // not SRAM: no bus master could reach it on a board either
}

void *kpu_mem_cpu_ptr(uint32_t addr, size_t n) {
    if (addr < K210_SRAM_BASE) {
        addr += K210_UNCACHED_DELTA;
    }
    if (addr < K210_SRAM_BASE || addr - K210_SRAM_BASE > sizeof(arena)
        || n > sizeof(arena) - (addr - K210_SRAM_BASE)) {
        return NULL;
    }
    return arena + (addr - K210_SRAM_BASE);
}
