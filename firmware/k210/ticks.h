// The wall clock kept on the CLINT's mtime (firmware/k210/ticks.c).
#ifndef K210_TICKS_H
#define K210_TICKS_H

#include <stdint.h>

#define TICKS_DEFAULT_EPOCH_S (1704067200ull)   // 2024-01-01 00:00:00 UTC, a Monday

// From now on mp_hal_time_ns() counts on from epoch_s seconds since 1970.
void ticks_set_wall(uint64_t epoch_s);

#endif
