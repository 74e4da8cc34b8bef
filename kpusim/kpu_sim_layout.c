// The AI SRAM feature-map row layout (docs/kmodel-spec.md 3.4): narrow maps share a 64-byte
// line between 4 (W <= 16) or 2 (W <= 32) channels, wider rows take ceil(W/64) lines, every row
// starts on a line, and each channel group takes row_len * H consecutive lines.
#include "kpu_sim.h"

void kpu_sim_map_init(kpu_sim_map_t *m, uint32_t line, int c, int h, int w) {
    m->base = NULL;
    m->line = line;
    m->c = c;
    m->h = h;
    m->w = w;
    if (w <= 16) {
        m->groups = 4;
        m->pitch = 16;
        m->row_len = 1;
    } else if (w <= 32) {
        m->groups = 2;
        m->pitch = 32;
        m->row_len = 1;
    } else {
        m->groups = 1;
        m->pitch = 64;
        m->row_len = (w + 63) / 64;
    }
    // Channel groups, rounded up: a last group with fewer channels still takes its lines.
    uint32_t groups_used = (uint32_t)((c + m->groups - 1) / m->groups);
    m->lines = (uint32_t)m->row_len * (uint32_t)h * groups_used;
}
