// The kpu_hw seam for a firmware whose board has no KPU behind it yet: weak definitions that a
// board's real seam (kpusim/kpu_sim*.c, firmware/k210/) replaces at link time. CPU-only
// models still run; a KPU layer fails with -ENODEV, which kpu.forward reports as such.
#include <errno.h>

#include "kpu_hw.h"
#include "mem_budget.h"

__attribute__((weak)) int kpu_hw_init(void) {
    return -ENODEV;
}

__attribute__((weak)) uint8_t *kpu_hw_ai_sram(void) {
    return mem_budget()->ai_sram;
}

__attribute__((weak)) void kpu_hw_set_act_rule(kpu_act_rule_t rule) {
    (void)rule;
}

__attribute__((weak)) void kpu_hw_set_weight_bits(int bits) {
    (void)bits;
}

__attribute__((weak)) int kpu_hw_run_layer(const uint64_t args[12], uint8_t *dma_out, size_t dma_bytes,
    uint32_t timeout_ms) {
    (void)args;
    (void)dma_out;
    (void)dma_bytes;
    (void)timeout_ms;
    return -ENODEV;
}
