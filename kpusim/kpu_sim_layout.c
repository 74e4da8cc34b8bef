// A feature map in the AI SRAM row layout, with the figures the core's layout module gives
// (modules/kpu/kpu/kpu_layout.h; docs/kpu.md, "AI SRAM layout").
#include "kpu_sim.h"

void kpu_sim_map_init(kpu_sim_map_t *m, uint32_t line, int c, int h, int w) {
    m->base = NULL;
    m->line = line;
    m->c = c;
    m->h = h;
    m->w = w;
    m->groups = (int)kpu_layout_groups((uint32_t)w);
    m->pitch = (int)kpu_layout_pitch((uint32_t)w);
    m->row_len = (int)kpu_layout_row_len((uint32_t)w);
    m->lines = kpu_layout_lines((uint32_t)c, (uint32_t)h, (uint32_t)w);
}
