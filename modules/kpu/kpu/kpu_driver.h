// The KPU driver shared by every board: turns a model's K210_CONV layer into the 12 argument
// words the KPU takes (with bus addresses of its weights, BN and activation tables) and hands
// them to the kpu_hw seam; moves feature maps between planar CHW and AI SRAM.
#ifndef KPU_DRIVER_H
#define KPU_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "kpu_hw.h"

#define KPU_DRIVER_TIMEOUT_MS (5000u)

// Prepares the KPU for a forward with the given activation rule and weight width (8 or 16 bits).
// 0 or -errno (-ENODEV: this firmware has no KPU behind the seam).
int kpu_driver_begin(kpu_act_rule_t rule, int weight_bits);

// Runs one K210_CONV. args = the layer's 96-byte argument as stored in the model (address fields
// 0); weights/bn/act = the tables in the model's pool block; dma_out = where the planar CHW output
// goes in main memory (NULL when the layer keeps it in AI SRAM only), dma_bytes its size.
// 0 or -errno from the seam.
int kpu_driver_conv(const uint8_t args[96], const void *weights, const void *bn, const void *act,
    uint8_t *dma_out, size_t dma_bytes);

// The same for output channels [c0, c0 + g) only (kpu_args_channel_group): weights, bn and
// dma_out already point at channel c0's, dma_bytes is the group's output size.
int kpu_driver_conv_group(const uint8_t args[96], uint32_t c0, uint32_t g, const void *weights, const void *bn,
    const void *act, uint8_t *dma_out, size_t dma_bytes);

// The AI SRAM as the CPU sees it.
uint8_t *kpu_driver_ai_sram(void);

#endif
