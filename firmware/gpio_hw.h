// The GPIO seam behind MaixPy's fpioa_manager and Maix.GPIO: an IO pad (0..47) is routed to one of
// the 32 GPIOHS lines, which is then an input (optionally pulled) or an output. K210 boards: FPIOA +
// GPIOHS registers (firmware/k210/gpio_hw_k210.c); the simulated board: levels in its state
// directory (firmware/sim/sim_gpio.c); QEMU: -ENODEV. Every call returns 0 or -errno.
#ifndef K210_GPIO_HW_H
#define K210_GPIO_HW_H

#define GPIO_HW_PADS  (48)
#define GPIO_HW_LINES (32)

typedef enum { GPIO_HW_IN, GPIO_HW_IN_PULL_UP, GPIO_HW_IN_PULL_DOWN, GPIO_HW_OUT } gpio_hw_mode_t;

int gpio_hw_route(unsigned pad, unsigned line);    // -EINVAL for a pad or line out of range
int gpio_hw_mode(unsigned line, gpio_hw_mode_t mode);
int gpio_hw_write(unsigned line, int level);
int gpio_hw_read(unsigned line, int *level);       // an output reads back what it drives

#endif
