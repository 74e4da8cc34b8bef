// firmware/gpio_hw.h on the K210: the FPIOA routes a pad to GPIOHS line n (function 24 + n), the
// GPIOHS block drives or samples it; pulls live in the pad's FPIOA word (PU bit 16, PD bit 17).
#include <errno.h>

#include "gpio_hw.h"
#include "fpioa.h"
#include "gpiohs.h"
#include "k210_mmio.h"
#include "k210_regs.h"

static int8_t pad_of[GPIO_HW_LINES] = { [0 ... GPIO_HW_LINES - 1] = -1 };

int gpio_hw_route(unsigned pad, unsigned line) {
    if (pad >= GPIO_HW_PADS || line >= GPIO_HW_LINES) {
        return -EINVAL;
    }
    int r = fpioa_set(pad, FUNC_GPIOHS(line), FPIOA_KIND_GPIO, 0);
    if (r == 0) {
        pad_of[line] = (int8_t)pad;
    }
    return r;
}

int gpio_hw_mode(unsigned line, gpio_hw_mode_t mode) {
    if (line >= GPIO_HW_LINES || pad_of[line] < 0) {
        return -EINVAL;   // not routed to a pad
    }
    uint32_t pull = mode == GPIO_HW_IN_PULL_UP ? FPIOA_PU : mode == GPIO_HW_IN_PULL_DOWN ? FPIOA_PD : 0;
    mmio_update32(FPIOA_BASE + FPIOA_IO((unsigned)pad_of[line]), FPIOA_PU | FPIOA_PD, pull);
    if (mode == GPIO_HW_OUT) {
        gpiohs_output(line, (mmio_read32(GPIOHS_BASE + GPIOHS_OUTPUT_VAL) >> line) & 1u);   // keep its level
    } else {
        gpiohs_input(line);
    }
    return 0;
}

int gpio_hw_write(unsigned line, int level) {
    if (line >= GPIO_HW_LINES) {
        return -EINVAL;
    }
    gpiohs_write(line, level != 0);
    return 0;
}

int gpio_hw_read(unsigned line, int *level) {
    if (line >= GPIO_HW_LINES) {
        return -EINVAL;
    }
    *level = gpiohs_read(line);
    return 0;
}
