// GPIOHS (0x38001000): SiFive-style GPIO block, one bit per line in each register.
#include "k210_mmio.h"
#include "k210_regs.h"
#include "gpiohs.h"

static void set_bit(uint32_t off, uint32_t n, int v) {
    mmio_update32(GPIOHS_BASE + off, 1u << n, v ? 1u << n : 0);
}

void gpiohs_write(uint32_t n, int level) {
    set_bit(GPIOHS_OUTPUT_VAL, n, level);
}

void gpiohs_output(uint32_t n, int level) {
    gpiohs_write(n, level);        // level first, so the line never glitches when enabled
    set_bit(GPIOHS_INPUT_EN, n, 0);
    set_bit(GPIOHS_OUTPUT_EN, n, 1);
}

int gpiohs_read(uint32_t n) {
    return (mmio_read32(GPIOHS_BASE + GPIOHS_INPUT_VAL) >> n) & 1u;
}

void gpiohs_input(uint32_t n) {
    set_bit(GPIOHS_OUTPUT_EN, n, 0);
    set_bit(GPIOHS_INPUT_EN, n, 1);
}
