// Memory split and clocks every K210 board shares unless its board.h says otherwise.
// Plain integers (no suffixes): the linker script is preprocessed with these too.
#ifndef K210_BOARD_DEFAULTS_H
#define K210_BOARD_DEFAULTS_H

#define BOARD_IS_SIMULATED      (0)
#ifndef BOARD_HART0_STACK_BYTES
#define BOARD_HART0_STACK_BYTES (64 * 1024)   // the interpreter's C stack
#endif
#ifndef BOARD_HART1_STACK_BYTES
#define BOARD_HART1_STACK_BYTES (4 * 1024)    // parked hart
#endif
#ifndef BOARD_IRQ_STACK_BYTES
#define BOARD_IRQ_STACK_BYTES   (4 * 1024)    // trap handler (mscratch)
#endif
#define BOARD_STACK_BYTES       (BOARD_HART0_STACK_BYTES + BOARD_HART1_STACK_BYTES + BOARD_IRQ_STACK_BYTES)
#define BOARD_STACK_LIMIT       (BOARD_HART0_STACK_BYTES - 8 * 1024)   // Python recursion stops 8 KiB early
#ifndef BOARD_GC_HEAP_DEFAULT
#define BOARD_GC_HEAP_DEFAULT   (512 * 1024)
#endif
#ifndef BOARD_GC_HEAP_MIN
#define BOARD_GC_HEAP_MIN       (64 * 1024)
#endif
#ifndef BOARD_POOL_MIN_BYTES
#define BOARD_POOL_MIN_BYTES    (512 * 1024)  // the link fails if the model pool would be smaller
#endif
#ifndef BOARD_POOL_UNCACHED
#define BOARD_POOL_UNCACHED     (1)           // pool and AI SRAM used through the 0x40000000 alias
#endif
#ifndef BOARD_FLASH_BYTES
#define BOARD_FLASH_BYTES       (16 * 1024 * 1024)
#endif
#ifndef BOARD_CPU_HZ
#define BOARD_CPU_HZ            (400000000)   // PLL0 = 2x; the PLL gives 403 MHz
#endif
#ifndef BOARD_KPU_HZ
#define BOARD_KPU_HZ            (400000000)   // PLL1; the PLL gives 398.7 MHz
#endif
#ifndef BOARD_REPL_BAUD
#define BOARD_REPL_BAUD         (115200)
#endif

#include "k210_board_io.h"

#endif
