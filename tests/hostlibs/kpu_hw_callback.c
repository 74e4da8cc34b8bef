// The kpu_hw seam (modules/kpu/kpu/kpu_hw.h) for host tests whose KPU is a Python function:
// the numpy reference (tests/v4ref/kpu.py) registered through a ctypes callback. Memory is the
// host SRAM map (kpusim/kpu_sim_sram.c). Not firmware code.
#include <errno.h>

#include "kpu_hw.h"
#include "kpu_mem.h"

typedef int (*layer_cb_t)(const uint64_t *args, int rule);

static layer_cb_t layer_cb;
static int act_rule;

void kpu_hw_callback_set(layer_cb_t cb) {
    layer_cb = cb;
}

uint8_t *kpu_hw_ai_sram(void) {
    return kpu_mem()->ai_sram;
}

void kpu_hw_set_act_rule(kpu_act_rule_t rule) {
    act_rule = (int)rule;
}

int kpu_hw_init(void) {
    return 0;
}

void kpu_hw_set_weight_bits(int bits) {
    (void)bits;
}

int kpu_hw_run_layer(const uint64_t args[12], uint8_t *dma_out, size_t dma_bytes, uint32_t timeout_ms) {
    (void)dma_out;
    (void)dma_bytes;
    (void)timeout_ms;
    return layer_cb ? layer_cb(args, act_rule) : -EIO;
}
