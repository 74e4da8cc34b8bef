// The seam between the KPU driver (modules/kpu/kpu_driver.c) and the KPU itself.
// kpusim/ implements it with a bit-exact behavioural model on a host array;
// firmware/k210/ implements it with the KPU registers at 0x40800000 and DMA.
#ifndef K210_KPU_HW_H
#define K210_KPU_HW_H

#include <stddef.h>
#include <stdint.h>

// nncase 0.1 and 0.2 disagree on how an activation segment is chosen and how it rounds
// (docs/kpu.md, "Activation"); the model picks one, the behavioural KPU honours it.
typedef enum {
    KPU_ACT_RULE_NNCASE02 = 0,   // highest j with v > x_start[j]; banker carry shift (default)
    KPU_ACT_RULE_NNCASE01 = 1,   // highest j with v >= x_start[j]; SDK half-up carry
} kpu_act_rule_t;

// Prepare the KPU (clocks, FIFO thresholds, interrupt mask). 0 or -errno.
int kpu_hw_init(void);

// CPU view of the 2 MiB AI SRAM (the uncached alias on a board).
uint8_t *kpu_hw_ai_sram(void);

// Select the activation rule for the layers that follow (a board ignores it: silicon has one).
void kpu_hw_set_act_rule(kpu_act_rule_t rule);

// Select the weight width for the layers that follow: 8 = u8 weights (KPU eight_bit_mode = 1,
// every v4 model and v3 models with header flag bit 0 set), anything else = u16 LE weights
// (v3 flag bit 0 clear). Like the register, it stays until changed; kpu_hw_init selects 8.
void kpu_hw_set_weight_bits(int bits);

// Run one layer: push the 12 argument words (addresses in them are bus addresses, see
// kpu_mem_bus_addr) and wait until the KPU reports it done, at most timeout_ms.
// If dma_out is not NULL, the layer has send_data_out set and its planar CHW u8 output
// (dma_bytes = dma_total_byte + 1) is also copied there by DMA.
// Returns 0, -ETIMEDOUT, or -EINVAL when the words are malformed (field out of range,
// address outside SRAM); the behavioural KPU checks what silicon would silently misread.
int kpu_hw_run_layer(const uint64_t args[12], uint8_t *dma_out, size_t dma_bytes, uint32_t timeout_ms);

#endif
