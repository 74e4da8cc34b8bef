// Host-test stand-ins for the two seams the v4 kernels call: the memory map (mem_budget.h) and
// the KPU (kpu_hw.h). The KPU itself is whatever the test registers: the numpy reference
// (tests/v4ref/kpu.py) through a ctypes callback. Not firmware code.
#include <stddef.h>
#include <stdint.h>

#include "kpu_hw.h"
#include "mem_budget.h"

typedef int (*shim_layer_cb)(const uint64_t *args, int rule);

static uint8_t *arena, *ai;
static size_t arena_n;
static shim_layer_cb layer_cb;
static int act_rule;

void shim_setup(uint8_t *arena_base, size_t n, uint8_t *ai_sram, shim_layer_cb cb) {
    arena = arena_base;
    arena_n = n;
    ai = ai_sram;
    layer_cb = cb;
}

uint32_t mem_bus_addr(const void *p) {
    return K210_SRAM_BASE + (uint32_t)((const uint8_t *)p - arena);
}

void *mem_cpu_ptr(uint32_t addr, size_t n) {
    if (addr < K210_SRAM_BASE || addr - K210_SRAM_BASE + (uint64_t)n > arena_n)
        return NULL;
    return arena + (addr - K210_SRAM_BASE);
}

uint8_t *kpu_hw_ai_sram(void) { return ai; }
void kpu_hw_set_act_rule(kpu_act_rule_t rule) { act_rule = (int)rule; }
int kpu_hw_init(void) { return 0; }
void kpu_hw_set_weight_bits(int bits) { (void)bits; }

int kpu_hw_run_layer(const uint64_t args[12], uint8_t *dma_out, size_t dma_bytes, uint32_t timeout_ms) {
    (void)dma_out;
    (void)dma_bytes;
    (void)timeout_ms;
    return layer_cb ? layer_cb(args, act_rule) : -5;
}
