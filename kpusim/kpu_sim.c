// The simulated board's KPU: the kpu_hw seam (modules/kpu/kpu_hw.h) over a behavioural model.
// A layer runs synchronously inside kpu_hw_run_layer, so it never times out.
#include <errno.h>

#include "kpu_sim.h"
#include "kpu_mem.h"

static kpu_act_rule_t act_rule = KPU_ACT_RULE_NNCASE02;
static int eight_bit = 1;

int kpu_hw_init(void) {
    // Like the SDK's init: 8-bit weights unless the model says otherwise, nncase 0.2 rule.
    act_rule = KPU_ACT_RULE_NNCASE02;
    eight_bit = 1;
    return kpu_hw_ai_sram() != NULL ? 0 : -ENODEV;
}

uint8_t *kpu_hw_ai_sram(void) {
    return kpu_mem()->ai_sram;
}

void kpu_hw_set_act_rule(kpu_act_rule_t rule) {
    act_rule = rule == KPU_ACT_RULE_NNCASE01 ? KPU_ACT_RULE_NNCASE01 : KPU_ACT_RULE_NNCASE02;
}

void kpu_hw_set_weight_bits(int bits) {
    eight_bit = bits == 8;
}

int kpu_hw_run_layer(const uint64_t args[12], uint8_t *dma_out, size_t dma_bytes, uint32_t timeout_ms) {
    (void)timeout_ms;
    uint8_t *ai_sram = kpu_hw_ai_sram();
    if (ai_sram == NULL || args == NULL) {
        return -EINVAL;
    }
    kpu_sim_layer_t L;
    int err = kpu_sim_decode(args, ai_sram, eight_bit, act_rule, &L);
    if (err != 0) {
        return err;
    }
    // The DMA request must match the words: a stream nobody drains stalls silicon, a buffer
    // of another size would be under- or overrun.
    if ((dma_out != NULL) != (L.send_data_out != 0)
        || (dma_out != NULL && dma_bytes != L.dma_bytes)) {
        return -EINVAL;
    }
    kpu_sim_exec(&L, dma_out);
    return 0;
}
