// FPIOA: routes one of 256 functions to each of the 48 IO pads.
#ifndef K210_FPIOA_H
#define K210_FPIOA_H

#include <stdint.h>

typedef enum {
    FPIOA_KIND_OUTPUT,      // driven by the function (UART TX, SPI clock)
    FPIOA_KIND_INPUT,       // sampled by the function (UART RX)
    FPIOA_KIND_SPI_DATA,    // SPI data line: direction controlled by the SPI block
    FPIOA_KIND_GPIO,        // GPIOHS: direction from the GPIO's own output enable
    FPIOA_KIND_OPEN_DRAIN,  // SCCB clock/data: the block's output enable inverted, pulled up
} fpioa_kind_t;

typedef struct {
    uint8_t pin;            // IO number 0..47
    uint8_t func;           // FUNC_* number
    uint8_t kind;           // fpioa_kind_t
    uint8_t pull_up;
} fpioa_map_t;

int fpioa_set(uint32_t pin, uint32_t func, fpioa_kind_t kind, int pull_up);   // 0 or -EINVAL
uint32_t fpioa_config_word(uint32_t func, fpioa_kind_t kind, int pull_up);
int fpioa_apply(const fpioa_map_t *map, unsigned n);

#endif
