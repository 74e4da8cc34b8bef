// Moving maps between planar CHW and the AI SRAM row layout (kpu_layout.h).
#include <string.h>

#include "kpu_layout.h"

void kpu_layout_store(uint8_t *ai, uint32_t line, const uint8_t *chw, uint32_t c, uint32_t h, uint32_t w) {
    ai += (size_t)line * KPU_LINE_BYTES;
    if (w % KPU_LINE_BYTES == 0) {   // whole lines per row: the layout is planar CHW
        memcpy(ai, chw, (size_t)c * h * w);
        return;
    }
    for (uint32_t ch = 0; ch < c; ch++) {
        for (uint32_t y = 0; y < h; y++) {
            memcpy(ai + kpu_layout_row(ch, y, h, w), chw + ((size_t)ch * h + y) * w, w);
        }
    }
}

void kpu_layout_load(const uint8_t *ai, uint32_t line, uint8_t *chw, uint32_t c, uint32_t h, uint32_t w) {
    ai += (size_t)line * KPU_LINE_BYTES;
    if (w % KPU_LINE_BYTES == 0) {
        memcpy(chw, ai, (size_t)c * h * w);
        return;
    }
    for (uint32_t ch = 0; ch < c; ch++) {
        for (uint32_t y = 0; y < h; y++) {
            memcpy(chw + ((size_t)ch * h + y) * w, ai + kpu_layout_row(ch, y, h, w), w);
        }
    }
}
