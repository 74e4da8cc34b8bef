// MicroPython's clocks on the CLINT: ticks since reset, delays, and a wall clock that starts at
// 2024-01-01 00:00:00 UTC at reset (no battery-backed RTC is set on these boards).
#include "py/runtime.h"
#include "py/mphal.h"

#include "clint.h"

#define EPOCH_AT_RESET_S (1704067200ull)

static uint64_t mtime_us(void) {
    return clint_time() * 1000000ull / clint_hz();
}

mp_uint_t mp_hal_ticks_ms(void) {
    return (mp_uint_t)(mtime_us() / 1000u);
}

mp_uint_t mp_hal_ticks_us(void) {
    return (mp_uint_t)mtime_us();
}

mp_uint_t mp_hal_ticks_cpu(void) {
    unsigned long c;
    __asm__ volatile ("rdcycle %0" : "=r"(c));
    return (mp_uint_t)c;
}

void mp_hal_delay_us(mp_uint_t us) {
    uint64_t deadline = clint_deadline_us((uint32_t)us);
    while (!clint_expired(deadline)) {
        mp_handle_pending(true);
    }
}

void mp_hal_delay_ms(mp_uint_t ms) {
    while (ms > 1000) {
        mp_hal_delay_us(1000000);
        ms -= 1000;
    }
    mp_hal_delay_us(ms * 1000u);
}

uint64_t mp_hal_time_ns(void) {
    return EPOCH_AT_RESET_S * 1000000000ull + mtime_us() * 1000ull;
}
