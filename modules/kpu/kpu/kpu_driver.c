// The KPU driver: patch the three table addresses into a layer's argument words (the file stores
// them as 0), set the interrupt/DMA bits the way the SDK does, and push through kpu_hw.
#include <errno.h>
#include <string.h>

#include "kpu_driver.h"
#include "kpu_mem.h"

#define ADDR_FIELD_MASK  (0xFFFFFFFF00000000ull)   // bits 32..63 of words 4, 5 and 7

static uint64_t with_addr(uint64_t word, uint32_t addr) {
    return (word & ~ADDR_FIELD_MASK) | ((uint64_t)addr << 32);
}

int kpu_driver_begin(kpu_act_rule_t rule, int weight_bits) {
    int r = kpu_hw_init();
    if (r != 0) {
        return r;
    }
    kpu_hw_set_act_rule(rule);
    kpu_hw_set_weight_bits(weight_bits);
    return 0;
}

uint8_t *kpu_driver_ai_sram(void) {
    return kpu_hw_ai_sram();
}

int kpu_driver_conv(const uint8_t args[96], const void *weights, const void *bn, const void *act,
    uint8_t *dma_out, size_t dma_bytes) {
    uint64_t w[12];
    memcpy(w, args, sizeof(w));
    uint32_t wa = kpu_mem_bus_addr(weights), ba = kpu_mem_bus_addr(bn), aa = kpu_mem_bus_addr(act);
    if (wa == 0 || ba == 0 || aa == 0) {
        return -EFAULT;   // tables outside SRAM: no bus master could read them
    }
    w[4] = with_addr(w[4], ba);                  // bwsx_base_addr
    w[5] = with_addr(w[5], wa);                  // para_start_addr
    w[7] = with_addr(w[7], aa);                  // active_addr
    // As the SDK: a layer whose output goes to main memory streams it to the DMA and completes
    // with the DMA; any other layer raises calc-done (int_en).
    if (dma_out != NULL) {
        w[11] |= 1;                              // send_data_out
    } else {
        w[0] |= 1;                               // int_en
        w[11] &= ~1ull;
    }
    return kpu_hw_run_layer(w, dma_out, dma_out ? dma_bytes : 0, KPU_DRIVER_TIMEOUT_MS);
}
