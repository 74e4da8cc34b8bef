// The LCD's 8080 bus on a K210: SPI0 in octal mode drives D0-D7 (the DVP data pads, shared through
// SYSCTL), its SCLK is the WR strobe, SS3 the panel's chip select; GPIOHS lines drive D/CX and
// RESX. Every call waits for the bytes to leave before returning (D/CX may change afterwards).
#ifndef K210_LCD_BUS_H
#define K210_LCD_BUS_H

#include <stddef.h>
#include <stdint.h>

// SPI0 clocked, D/CX and RESX outputs; returns the WR rate obtained (at most hz) or 0.
uint32_t lcd_bus_init(uint32_t hz, uint32_t dcx_gpiohs, uint32_t rst_gpiohs);
// RESX low for 1 ms, then 120 ms for the panel's reset to complete.
void lcd_bus_hard_reset(void);
// A command byte (D/CX low), then its parameters (D/CX high). 0 or -ETIMEDOUT.
int lcd_bus_command(uint8_t cmd, const uint8_t *params, size_t n);
// n RGB565 pixels (native values, in order), high byte first on the bus.
int lcd_bus_pixels(const uint16_t *px, size_t n);
// n pixels of one colour.
int lcd_bus_fill(uint16_t rgb565, size_t n);

#endif
