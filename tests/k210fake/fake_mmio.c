// Host side of the K210 drivers' register helpers (K210_FAKE_MMIO): every access goes to a bus
// callback (the Python fakes in tests/k210fake/devices.py). SRAM is an 8 MiB host arena mapped
// at bus address 0x80000000, as the KPU and DMA see it.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem_budget.h"

typedef uint64_t (*bus_fn_t)(uint64_t addr, int width, int write, uint64_t value);
static bus_fn_t bus;
static uint8_t arena[K210_SRAM_BYTES + K210_AI_SRAM_BYTES] __attribute__((aligned(4096)));
static mem_budget_t budget = {
    .image_bytes = 0, .stack_bytes = 0, .gc_heap_bytes = 0,
    .pool = arena, .pool_bytes = K210_SRAM_BYTES,
    .ai_sram = arena + K210_SRAM_BYTES, .ai_sram_bytes = K210_AI_SRAM_BYTES,
};

void fake_set_bus(bus_fn_t f) {
    bus = f;
}

uint8_t *fake_arena(void) {
    return arena;
}

uint32_t mmio_read32(uintptr_t addr) {
    return (uint32_t)bus(addr, 4, 0, 0);
}

void mmio_write32(uintptr_t addr, uint32_t value) {
    bus(addr, 4, 1, value);
}

uint64_t mmio_read64(uintptr_t addr) {
    return bus(addr, 8, 0, 0);
}

void mmio_write64(uintptr_t addr, uint64_t value) {
    bus(addr, 8, 1, value);
}

const mem_budget_t *mem_budget(void) {
    return &budget;
}

uint32_t mem_bus_addr(const void *p) {
    const uint8_t *b = p;
    return b >= arena && b < arena + sizeof(arena) ? K210_SRAM_BASE + (uint32_t)(b - arena) : 0;
}

void *mem_cpu_ptr(uint32_t addr, size_t n) {
    if (addr < K210_SRAM_BASE || addr - K210_SRAM_BASE > sizeof(arena) || n > sizeof(arena) - (addr - K210_SRAM_BASE)) {
        return NULL;
    }
    return arena + (addr - K210_SRAM_BASE);
}
