// The K210's SRAM on a host: one 8 MiB arena, general SRAM at bus address 0x80000000 and the
// 2 MiB AI SRAM right after it at 0x80600000 (as on the chip), with the kpu core's memory
// interface (modules/kpu/core/kpu_mem.h) over it. The simulated board, the fuzzer and the
// native tests all use this one map; a board uses firmware/k210/mem_k210.c.
#ifndef KPU_SIM_SRAM_H
#define KPU_SIM_SRAM_H

#include "kpu_mem.h"

// The arena: K210_SRAM_BYTES of general SRAM, then K210_AI_SRAM_BYTES of AI SRAM.
uint8_t *kpu_sim_sram(void);

// The split kpu_mem() reports. Until a port sets one (firmware/sim/sim_mem.c at boot), the
// whole general SRAM is the pool: no image, stacks or GC heap (what the native tests want).
void kpu_sim_sram_set_split(const kpu_mem_t *split);

#endif
