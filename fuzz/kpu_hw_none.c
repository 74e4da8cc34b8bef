// The kpu_hw seam (modules/kpu/kpu/kpu_hw.h) of a build with no KPU behind it: the fuzzer's.
// CPU-only models still run; a KPU layer fails with -ENODEV, which a forward reports as such.
#include <errno.h>

#include "kpu_hw.h"
#include "kpu_mem.h"

int kpu_hw_init(void) {
    return -ENODEV;
}

uint8_t *kpu_hw_ai_sram(void) {
    return kpu_mem()->ai_sram;
}

void kpu_hw_set_act_rule(kpu_act_rule_t rule) {
    (void)rule;
}

void kpu_hw_set_weight_bits(int bits) {
    (void)bits;
}

int kpu_hw_run_layer(const uint64_t args[12], uint8_t *dma_out, size_t dma_bytes, uint32_t timeout_ms) {
    (void)args;
    (void)dma_out;
    (void)dma_bytes;
    (void)timeout_ms;
    return -ENODEV;
}
