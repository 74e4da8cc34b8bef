// Board-level services every port provides (firmware/sim/, firmware/k210/).
#ifndef K210_BOARD_HAL_H
#define K210_BOARD_HAL_H

#include <stddef.h>
#include <stdint.h>

void board_init(void);                       // clocks, pins, UART, timers: once at power-up
uint32_t board_cpu_freq(void);               // Hz
size_t board_unique_id(uint8_t *buf, size_t len);
// A full reset like the reset button: the firmware restarts from scratch (storage remounted,
// memory split recomputed). Returns only on the simulated board, which performs the reset when
// the interpreter unwinds to main (the caller then raises SystemExit like soft_reset).
void board_reset(void);
int board_reset_requested(void);             // sim: a reset is pending; a board never returns here

// Memory layout for this boot, with the given GC heap; fills kpu_mem().
// Returns 0, or -ENOMEM if the heap cannot fit (the caller falls back to the default).
int board_mem_layout(size_t gc_heap_bytes, void **gc_start, void **gc_end);
size_t board_gc_heap_max(void);              // the largest heap the 6 MiB split allows

// The REPL UART's baud rate: baud > 0 sets it (after the bytes already queued have gone out at the
// old rate) and returns 0 or -errno; baud == 0 returns the current rate. The host tools switch to
// 1.5 Mbaud for file transfers (firmware/py/k210xfer.py). The simulated board's pty has no baud
// rate, so it only keeps the number; a port without support gets the weak default: -EOPNOTSUPP.
int32_t board_repl_baud(uint32_t baud);

// Sets the wall clock behind time.time() and machine.RTC to epoch_s seconds since 1970 (K210
// boards: the RTC peripheral; QEMU: the mtime-based clock; sim: an offset on the host's clock,
// kept while the process lives). Returns 0 or -errno.
int board_rtc_set(uint64_t epoch_s);

// Stops the board after a fatal error (prints nothing itself); a board halts, the sim exits.
void board_fatal(void) __attribute__((noreturn));

#endif
