// Register access for every K210 driver: the only place that dereferences a device address.
// With K210_FAKE_MMIO (host tests, tests/hal/test_k210_hal.py) the accesses go to a recording fake
// of the register blocks instead, so the same driver code runs on the host.
#ifndef K210_MMIO_H
#define K210_MMIO_H

#include <stdint.h>

#ifdef K210_FAKE_MMIO
uint32_t mmio_read32(uintptr_t addr);
void mmio_write32(uintptr_t addr, uint32_t value);
uint64_t mmio_read64(uintptr_t addr);
void mmio_write64(uintptr_t addr, uint64_t value);
static inline void mmio_fence(void) {
}
#else
static inline uint32_t mmio_read32(uintptr_t addr) {
    return *(volatile uint32_t *)addr;
}
static inline void mmio_write32(uintptr_t addr, uint32_t value) {
    *(volatile uint32_t *)addr = value;
}
static inline uint64_t mmio_read64(uintptr_t addr) {
    return *(volatile uint64_t *)addr;
}
static inline void mmio_write64(uintptr_t addr, uint64_t value) {
    *(volatile uint64_t *)addr = value;
}
// Orders device accesses against memory accesses (DMA buffers, AI SRAM).
static inline void mmio_fence(void) {
    __asm__ volatile ("fence iorw, iorw" ::: "memory");
}
#endif

// Read-modify-write of a bit field: mask is the field's bits in place, value already shifted.
static inline void mmio_update32(uintptr_t addr, uint32_t mask, uint32_t value) {
    mmio_write32(addr, (mmio_read32(addr) & ~mask) | (value & mask));
}

#endif
