// Ilitek ILI9486: 320 columns x 480 rows, all shown by the Maix Amigo's 3.5" glass, which is BGR
// and mounted so that MADCTL MV alone gives its upright 480x320 landscape (MaixPy's Amigo
// configuration, dir 0x28). The quarter turns follow from there. The initial commands (power,
// VCOM and gamma settings, vendor commands F1/F2/F8/F9) are the Amigo panel's published settings,
// as data.
#include "lcd_panel.h"

static const lcd_cmd_t init[] = {
    { 0xF1, 6, 0, { 0x36, 0x04, 0x00, 0x3C, 0x0F, 0x8F } },
    { 0xF2, 9, 0, { 0x18, 0xA3, 0x12, 0x02, 0xB2, 0x12, 0xFF, 0x10, 0x00 } },
    { 0xF8, 2, 0, { 0x21, 0x04 } },
    { 0xF9, 2, 0, { 0x00, 0x08 } },
    { 0xB4, 1, 0, { 0x00 } },                 // display inversion control: column inversion
    { 0xC1, 1, 0, { 0x41 } },                 // power control 2
    { 0xC5, 2, 0, { 0x00, 0x18 } },           // VCOM control
    { 0xE0, 15, 0, { 0x0F, 0x1F, 0x1C, 0x0C, 0x0F, 0x08, 0x48, 0x98, 0x37, 0x0A, 0x13, 0x04, 0x11, 0x0D, 0x00 } },
    { 0xE1, 15, 0, { 0x0F, 0x32, 0x2E, 0x0B, 0x0D, 0x05, 0x47, 0x75, 0x37, 0x06, 0x10, 0x03, 0x24, 0x20, 0x00 } },
};

const lcd_panel_t lcd_panel_ili9486_480x320 = {
    .name = "ILI9486 480x320",
    .gram_cols = 320, .gram_rows = 480, .vis_cols = 320, .vis_rows = 480,
    .max_wr_hz = 20000000, .invert = 0,   // write cycle >= 50 ns
    .rotation = { MADCTL_MV | MADCTL_BGR, MADCTL_MX | MADCTL_BGR, MADCTL_MY | MADCTL_MX | MADCTL_MV | MADCTL_BGR,
        MADCTL_MY | MADCTL_BGR },
    .mirrored = { MADCTL_MY | MADCTL_MV | MADCTL_BGR, MADCTL_BGR, MADCTL_MX | MADCTL_MV | MADCTL_BGR,
        MADCTL_MY | MADCTL_MX | MADCTL_BGR },
    .init = init, .init_n = sizeof(init) / sizeof(init[0]),
};
