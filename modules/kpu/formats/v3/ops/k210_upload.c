// K210_UPLOAD: a planar CHW u8 map from the main buffer into AI SRAM in the KPU row layout.
#include "ops_v3.h"
#include "kpu_layout.h"

void kv3_k210_upload(const uint8_t *in, uint8_t *ai, uint32_t line, size_t width, size_t height, size_t channels) {
    kpu_layout_store(ai, line, in, (uint32_t)channels, (uint32_t)height, (uint32_t)width);
}
