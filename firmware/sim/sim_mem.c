// The simulated board's 6 MiB general SRAM and 2 MiB AI SRAM (the host SRAM map of
// kpusim/kpu_sim_sram.c), split exactly as a board's link and boot code split them.
#include <errno.h>

#include "board_hal.h"
#include "board.h"
#include "kpu_sim_sram.h"

size_t board_gc_heap_max(void) {
    return K210_SRAM_BYTES - BOARD_IMAGE_BYTES - BOARD_STACK_BYTES;
}

int board_mem_layout(size_t gc_heap_bytes, void **gc_start, void **gc_end) {
    if (gc_heap_bytes < BOARD_GC_HEAP_MIN || gc_heap_bytes > board_gc_heap_max()) {
        return -ENOMEM;
    }
    uint8_t *sram = kpu_sim_sram();
    uint8_t *heap = sram + BOARD_IMAGE_BYTES + BOARD_STACK_BYTES;
    kpu_sim_sram_set_split(&(kpu_mem_t) {
        .image_bytes = BOARD_IMAGE_BYTES,
        .stack_bytes = BOARD_STACK_BYTES,
        .gc_heap_bytes = gc_heap_bytes,
        .pool = heap + gc_heap_bytes,
        .pool_bytes = board_gc_heap_max() - gc_heap_bytes,
        .ai_sram = sram + K210_SRAM_BYTES,
        .ai_sram_bytes = K210_AI_SRAM_BYTES,
    });
    *gc_start = heap;
    *gc_end = heap + gc_heap_bytes;
    return 0;
}
