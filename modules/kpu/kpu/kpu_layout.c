// AI SRAM row layout: pixel (c, y, x) of a map at line L is at byte
// L*64 + (c / groups)*row_len*h*64 + y*row_len*64 + (c % groups)*(64 / groups) + x.
#include <string.h>

#include "kpu_layout.h"

static size_t row_addr(uint32_t line, uint32_t ch, uint32_t y, uint32_t h, uint32_t w) {
    uint32_t g = kpu_layout_groups(w), rl = kpu_layout_row_len(w);
    return (size_t)line * KPU_LINE_BYTES + ((size_t)(ch / g) * rl * h + (size_t)y * rl) * KPU_LINE_BYTES
        + (ch % g) * (KPU_LINE_BYTES / g);
}

void kpu_layout_store(uint8_t *ai, uint32_t line, const uint8_t *chw, uint32_t c, uint32_t h, uint32_t w) {
    for (uint32_t ch = 0; ch < c; ch++) {
        for (uint32_t y = 0; y < h; y++) {
            memcpy(ai + row_addr(line, ch, y, h, w), chw + ((size_t)ch * h + y) * w, w);
        }
    }
}

void kpu_layout_load(const uint8_t *ai, uint32_t line, uint8_t *chw, uint32_t c, uint32_t h, uint32_t w) {
    for (uint32_t ch = 0; ch < c; ch++) {
        for (uint32_t y = 0; y < h; y++) {
            memcpy(chw + ((size_t)ch * h + y) * w, ai + row_addr(line, ch, y, h, w), w);
        }
    }
}
