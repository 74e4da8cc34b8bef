// The KPU's AI SRAM feature-map layout (docs/kmodel-spec.md 3.4): rows start on 64-byte lines,
// narrow maps put 2 or 4 channels side by side in one line.
#ifndef KPU_LAYOUT_H
#define KPU_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define KPU_LINE_BYTES  (64u)
#define KPU_LINES       (32768u)     // 2 MiB

static inline uint32_t kpu_layout_groups(uint32_t w) {
    return w <= 16 ? 4 : w <= 32 ? 2 : 1;
}
static inline uint32_t kpu_layout_row_len(uint32_t w) {
    return (w + 63) / 64;
}
// Lines a c x h x w map occupies.
static inline uint32_t kpu_layout_lines(uint32_t c, uint32_t h, uint32_t w) {
    uint32_t g = kpu_layout_groups(w);
    return kpu_layout_row_len(w) * h * ((c + g - 1) / g);
}

// Planar CHW u8 <-> the map at line `line` of ai (the 2 MiB AI SRAM).
void kpu_layout_store(uint8_t *ai, uint32_t line, const uint8_t *chw, uint32_t c, uint32_t h, uint32_t w);
void kpu_layout_load(const uint8_t *ai, uint32_t line, uint8_t *chw, uint32_t c, uint32_t h, uint32_t w);

#endif
