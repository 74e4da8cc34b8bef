// MicroPython's clocks on the CLINT: ticks since reset, delays, and the wall clock: mtime plus a
// base that the board sets from its RTC (2024-01-01 00:00:00 UTC until then).
#include "py/runtime.h"
#include "py/mphal.h"

#include "clint.h"
#include "frame_tap.h"
#include "ticks.h"

// wall clock minus mtime, in ns
static uint64_t wall_base_ns = TICKS_DEFAULT_EPOCH_S * 1000000000ull;

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
        frame_tap_serve();    // the host preview's requests are answered during sleeps too
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
    return wall_base_ns + mtime_us() * 1000ull;
}

void ticks_set_wall(uint64_t epoch_s) {
    wall_base_ns = epoch_s * 1000000000ull - mtime_us() * 1000ull;
}
