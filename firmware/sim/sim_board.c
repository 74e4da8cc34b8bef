// Clocks, delays and chip id of the simulated board (host clocks stand in for the CLINT); its
// REPL baud rate and reset are those of both emulated boards (firmware/emulated_board.c).
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "py/mphal.h"

#include "board_hal.h"
#include "frame_tap.h"
#include "sim.h"

#define SIM_CPU_HZ (400000000u)   // the K210's default PLL0 setting in MaixPy

static struct timespec boot_time;

static uint64_t ns_since_boot(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)(now.tv_sec - boot_time.tv_sec) * 1000000000ull + (uint64_t)(now.tv_nsec - boot_time.tv_nsec);
}

void board_init(void) {
    clock_gettime(CLOCK_MONOTONIC, &boot_time);
}

mp_uint_t mp_hal_ticks_ms(void) {
    return (mp_uint_t)(ns_since_boot() / 1000000u);
}

mp_uint_t mp_hal_ticks_us(void) {
    return (mp_uint_t)(ns_since_boot() / 1000u);
}

mp_uint_t mp_hal_ticks_cpu(void) {
    return (mp_uint_t)(ns_since_boot() * (SIM_CPU_HZ / 1000000u) / 1000u);
}

static void sleep_us(mp_uint_t us) {
    struct timespec ts = { .tv_sec = us / 1000000u, .tv_nsec = (long)(us % 1000000u) * 1000 };
    while (nanosleep(&ts, &ts) != 0) {
    }
}

// In 10 ms slices, so the host preview's frame requests are answered during a long sleep too.
void mp_hal_delay_us(mp_uint_t us) {
    while (us > 10000u) {
        sleep_us(10000u);
        us -= 10000u;
        frame_tap_serve();
    }
    sleep_us(us);
}

void mp_hal_delay_ms(mp_uint_t ms) {
    mp_hal_delay_us(ms * 1000u);
}

// The RTC of the simulated board is the host's wall clock plus the offset machine.RTC set; the
// offset lives as long as the process (a reset of the simulated board keeps it, like a battery).
static int64_t rtc_offset_ns;

static uint64_t host_time_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

uint64_t mp_hal_time_ns(void) {
    return host_time_ns() + (uint64_t)rtc_offset_ns;
}

int board_rtc_set(uint64_t epoch_s) {
    rtc_offset_ns = (int64_t)(epoch_s * 1000000000ull - host_time_ns());
    return 0;
}

uint32_t board_cpu_freq(void) {
    return SIM_CPU_HZ;
}

// Stable per state directory, like a chip's id is stable per chip (FNV-1a of the path).
size_t board_unique_id(uint8_t *buf, size_t len) {
    uint64_t h = 1469598103934665603ull;
    for (const char *p = sim_config.state_dir; *p; p++) {
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    }
    size_t n = len < 8 ? len : 8;
    for (size_t i = 0; i < n; i++) {
        buf[i] = (uint8_t)(h >> (8 * i));
    }
    return n;
}

void board_fatal(void) {
    fflush(stdout);
    exit(3);
}
