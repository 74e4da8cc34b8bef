// Sitronix ST7789V: 240 columns x 320 rows of frame memory. The Maix Bit/Dock/Go/Maixduino glass
// shows all of it (320x240 in the default rotation, MADCTL MY|MV); the Maix Cube's 240x240 IPS
// glass shows rows 0-239, so an orientation that reverses the rows (MY) starts 80 rows in (see
// lcd_k210.c). Rotation MADCTLs as MaixPy's lcd.rotation() uses them on these boards. The
// controller's power-on defaults serve; only the pixel format and orientation are set.
#include "lcd_panel.h"

const lcd_panel_t lcd_panel_st7789_320x240 = {
    .name = "ST7789 320x240",
    .gram_cols = 240, .gram_rows = 320, .vis_cols = 240, .vis_rows = 320,
    .max_wr_hz = 15000000, .invert = 0,   // write cycle >= 66 ns
    .rotation = { MADCTL_MY | MADCTL_MV, 0, MADCTL_MX | MADCTL_MV, MADCTL_MY | MADCTL_MX },
    .mirrored = { MADCTL_MV, MADCTL_MX, MADCTL_MY | MADCTL_MX | MADCTL_MV, MADCTL_MY },
    .init = 0, .init_n = 0,
};

const lcd_panel_t lcd_panel_st7789_240x240 = {
    .name = "ST7789 240x240",
    .gram_cols = 240, .gram_rows = 320, .vis_cols = 240, .vis_rows = 240,
    .max_wr_hz = 15000000, .invert = 1,
    .rotation = { MADCTL_MY | MADCTL_MV, 0, MADCTL_MX | MADCTL_MV, MADCTL_MY | MADCTL_MX },
    .mirrored = { MADCTL_MV, MADCTL_MX, MADCTL_MY | MADCTL_MX | MADCTL_MV, MADCTL_MY },
    .init = 0, .init_n = 0,
};
