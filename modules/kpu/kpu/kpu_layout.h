// The KPU's AI SRAM and its feature-map layout, and the KPU constants every reader shares (the
// v3/v4 formats, the driver, kpusim, the codec): docs/kpu.md, "AI SRAM layout". Rows start on
// 64-byte lines; narrow maps put 4 (W <= 16) or 2 (W <= 32) channels side by side in one line,
// wider rows take ceil(W/64) lines, and each channel group takes row_len * H consecutive lines.
#ifndef KPU_LAYOUT_H
#define KPU_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "kpu_mem.h"

#define KPU_LINE_BYTES        (64u)
#define KPU_LINES             (K210_AI_SRAM_BYTES / KPU_LINE_BYTES)   // 32768 lines = 2 MiB
#define KPU_MAX_ROW_LEN       (15u)       // lines per row: row_switch_addr has 4 bits
#define KPU_MAX_WIDTH         (KPU_MAX_ROW_LEN * KPU_LINE_BYTES)       // 960 columns
#define KPU_WEIGHT_LOAD_BYTES (30720u)    // one weight load in 8-bit mode (x2 with 16-bit weights)

// Channels sharing one line, and the bytes between their slots in it.
static inline uint32_t kpu_layout_groups(uint32_t w) {
    return w <= 16 ? 4 : w <= 32 ? 2 : 1;
}
static inline uint32_t kpu_layout_pitch(uint32_t w) {
    return KPU_LINE_BYTES / kpu_layout_groups(w);
}
// Lines per row.
static inline uint32_t kpu_layout_row_len(uint32_t w) {
    return (w + KPU_LINE_BYTES - 1) / KPU_LINE_BYTES;
}
// Lines a c x h x w map occupies (a last group with fewer channels still takes its lines).
static inline uint32_t kpu_layout_lines(uint32_t c, uint32_t h, uint32_t w) {
    uint32_t g = kpu_layout_groups(w);
    return kpu_layout_row_len(w) * h * ((c + g - 1) / g);
}
// Byte offset of row y of channel ch in a map that starts at offset 0.
static inline size_t kpu_layout_row(uint32_t ch, uint32_t y, uint32_t h, uint32_t w) {
    uint32_t g = kpu_layout_groups(w), rl = kpu_layout_row_len(w);
    return ((size_t)(ch / g) * rl * h + (size_t)y * rl) * KPU_LINE_BYTES + (ch % g) * kpu_layout_pitch(w);
}

// Planar CHW u8 <-> the map at line `line` of ai (the AI SRAM, or any map-sized buffer).
void kpu_layout_store(uint8_t *ai, uint32_t line, const uint8_t *chw, uint32_t c, uint32_t h, uint32_t w);
void kpu_layout_load(const uint8_t *ai, uint32_t line, uint8_t *chw, uint32_t c, uint32_t h, uint32_t w);

#endif
