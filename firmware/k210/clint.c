// CLINT mtime (0x0200BFF8): a free-running 64-bit counter. Every bounded wait in the drivers
// is a deadline on it, so a dead peripheral costs a timeout, never a hang.
#include "k210_mmio.h"
#include "k210_regs.h"
#include "clint.h"

static uint32_t mtime_hz = K210_IN0_HZ / K210_CLINT_DIV;   // until the PLLs run

void clint_init(uint32_t hz) {
    mtime_hz = hz;
}

uint32_t clint_hz(void) {
    return mtime_hz;
}

uint64_t clint_time(void) {
    return mmio_read64(CLINT_BASE + CLINT_MTIME);
}

uint64_t clint_deadline_us(uint32_t us) {
    return clint_time() + ((uint64_t)us * mtime_hz + 999999u) / 1000000u + 1u;
}

int clint_expired(uint64_t deadline) {
    return (int64_t)(clint_time() - deadline) >= 0;
}

void clint_delay_us(uint32_t us) {
    uint64_t deadline = clint_deadline_us(us);
    while (!clint_expired(deadline)) {
    }
}
