// The KPU driver: patch the three table addresses into a layer's argument words (the file stores
// them as 0 or as skips), set the interrupt/DMA bits the way the SDK does, and push through kpu_hw.
#include <errno.h>
#include <string.h>

#include "kpu_args.h"
#include "kpu_driver.h"
#include "kpu_mem.h"

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
    return kpu_driver_conv_group(args, 0, 0, weights, bn, act, dma_out, dma_bytes);
}

int kpu_driver_conv_group(const uint8_t args[96], uint32_t c0, uint32_t g, const void *weights, const void *bn,
    const void *act, uint8_t *dma_out, size_t dma_bytes) {
    uint64_t w[KPU_ARGS_WORDS];
    memcpy(w, args, sizeof(w));
    kpu_args_t a;
    kpu_args_decode(w, &a);
    if (g != 0) {
        kpu_args_channel_group(&a, c0, g);
    }
    a.weights_addr = kpu_mem_bus_addr(weights);
    a.bn_addr = kpu_mem_bus_addr(bn);
    a.act_addr = kpu_mem_bus_addr(act);
    if (a.weights_addr == 0 || a.bn_addr == 0 || a.act_addr == 0) {
        return -EFAULT;   // tables outside SRAM: no bus master could read them
    }
    // As the SDK: a layer whose output goes to main memory streams it to the DMA and completes
    // with the DMA; any other layer raises calc-done (int_en).
    if (dma_out != NULL) {
        a.send_data_out = 1;
    } else {
        a.int_en = 1;
        a.send_data_out = 0;
    }
    kpu_args_encode(&a, w);
    return kpu_hw_run_layer(w, dma_out, dma_out ? dma_bytes : 0, KPU_DRIVER_TIMEOUT_MS);
}
