// Host side of the K210 drivers' register helpers (K210_FAKE_MMIO): every access goes to a bus
// callback (the Python fakes in tests/k210fake/devices.py). SRAM is the host SRAM map of
// kpusim/kpu_sim_sram.c (8 MiB at bus address 0x80000000, as the KPU and DMA see it).
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t (*bus_fn_t)(uint64_t addr, int width, int write, uint64_t value);
static bus_fn_t bus;

void fake_set_bus(bus_fn_t f) {
    bus = f;
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
