// The LCD seam: what the `lcd` module asks of a port. K210 boards implement it over SPI0 in 8080
// mode (ST7789 320x240 on Bit/Dock/Go/Maixduino, the Cube's 240x240, the Amigo's panel); the
// simulated board with a frame buffer the host reads (firmware/sim/). Returns 0 or -errno.
#ifndef K210_LCD_HW_H
#define K210_LCD_HW_H

#include <stdint.h>

typedef struct {
    uint16_t width, height;   // the panel in its current rotation
} lcd_hw_info_t;

// Resets and configures the panel; -ENODEV when the port has none.
int lcd_hw_init(uint32_t freq_hz, lcd_hw_info_t *info);
// rotation 0..3 (quarter turns), mirror 0/1: the panel's scan direction; info gets the new size.
int lcd_hw_direction(unsigned rotation, int mirror, lcd_hw_info_t *info);
// Writes a w*h RGB565 rectangle (K210 byte order, row-major) at (x, y); it must lie on the panel.
int lcd_hw_draw(unsigned x, unsigned y, unsigned w, unsigned h, const uint16_t *rgb565);
int lcd_hw_fill(uint16_t rgb565);

// Provided by the lcd module, not by ports: what the panel shows now, for the host preview
// (`k210 view`, `k210 snapshot`). While a preview is attached the module keeps a copy of the last
// full frame in a ledger block (owner "lcd preview", listed by kpu.mem_info()); NULL otherwise or
// before any draw. frame_no counts lcd.display() calls so the host can skip frames it has.
const uint16_t *lcd_shadow(unsigned *w, unsigned *h, uint32_t *frame_no);

#endif
