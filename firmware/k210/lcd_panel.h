// An LCD panel on the 8080 bus (lcd_st7789.c, lcd_ili9486.c): its controller's frame memory, the
// part of it the glass shows, its own initial commands, and the MADCTL values for the four
// rotations (quarter turns) and their mirrored forms.
#ifndef K210_LCD_PANEL_H
#define K210_LCD_PANEL_H

#include <stdint.h>

typedef struct {
    uint8_t cmd;
    uint8_t n;            // parameter bytes
    uint8_t delay_ms;     // wait after the command
    uint8_t params[15];
} lcd_cmd_t;

typedef struct {
    const char *name;
    uint16_t gram_cols, gram_rows;   // controller memory in the MADCTL = 0 orientation
    uint16_t vis_cols, vis_rows;     // the glass, from column 0 / row 0 of that memory
    uint32_t max_wr_hz;              // fastest WR strobe the controller's write cycle allows
    uint8_t invert;                  // the glass needs INVON (IPS)
    uint8_t rotation[4];             // MADCTL per rotation
    uint8_t mirrored[4];             // MADCTL per rotation, mirrored
    const lcd_cmd_t *init;           // after the software reset, before sleep-out
    uint8_t init_n;
} lcd_panel_t;

// MADCTL bits (ST7789 and ILI9486 alike)
#define MADCTL_MY   (0x80u)   // row address order
#define MADCTL_MX   (0x40u)   // column address order
#define MADCTL_MV   (0x20u)   // row/column exchange
#define MADCTL_BGR  (0x08u)

extern const lcd_panel_t lcd_panel_st7789_320x240, lcd_panel_st7789_240x240, lcd_panel_ili9486_480x320;

#endif
