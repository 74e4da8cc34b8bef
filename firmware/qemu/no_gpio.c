// qemu virt has no FPIOA/GPIOHS: Maix.GPIO and fpioa_manager raise OSError (ENODEV).
#include <errno.h>

#include "gpio_hw.h"

int gpio_hw_route(unsigned pad, unsigned line) {
    (void)pad;
    (void)line;
    return -ENODEV;
}

int gpio_hw_mode(unsigned line, gpio_hw_mode_t mode) {
    (void)line;
    (void)mode;
    return -ENODEV;
}

int gpio_hw_write(unsigned line, int level) {
    (void)line;
    (void)level;
    return -ENODEV;
}

int gpio_hw_read(unsigned line, int *level) {
    (void)line;
    (void)level;
    return -ENODEV;
}
