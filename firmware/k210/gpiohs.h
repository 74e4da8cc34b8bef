// GPIOHS: 32 fast GPIOs (used for the SD card's chip select).
#ifndef K210_GPIOHS_H
#define K210_GPIOHS_H

#include <stdint.h>

void gpiohs_output(uint32_t n, int level);   // makes GPIOHS n an output at level
void gpiohs_write(uint32_t n, int level);
int gpiohs_read(uint32_t n);
void gpiohs_input(uint32_t n);                // output off, input sampling on (pulls: FPIOA)

#endif
