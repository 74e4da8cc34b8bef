// lcd_hw.h on a K210 board: the board's panel (boards/<NAME>/board.h) on the SPI0 8080 bus.
// Init: hardware reset, SWRESET, the panel's own commands, SLPOUT, 16-bit pixels (COLMOD 0x55),
// orientation, INVON for IPS glass, NORON, DISPON. A rectangle goes out as CASET/RASET/RAMWR and
// its pixels; when the glass shows only part of the frame memory and the orientation runs the
// address counter from the far end (MX/MY), the window moves by the unseen part.
#include <errno.h>

#include "k210_regs.h"
#include "fpioa.h"
#include "board.h"
#include "clint.h"
#include "lcd_bus.h"
#include "lcd_hw.h"
#include "lcd_panel.h"
#include "sysctl.h"

#define CMD_SWRESET  (0x01)
#define CMD_SLPOUT   (0x11)
#define CMD_NORON    (0x13)
#define CMD_INVON    (0x21)
#define CMD_DISPON   (0x29)
#define CMD_CASET    (0x2A)
#define CMD_RASET    (0x2B)
#define CMD_RAMWR    (0x2C)
#define CMD_MADCTL   (0x36)
#define CMD_COLMOD   (0x3A)
#define COLMOD_16BIT (0x55)

static const fpioa_map_t lcd_pins[] = BOARD_LCD_PINS;
static const lcd_panel_t *const panel = &BOARD_LCD_PANEL;

static int ready;
static uint16_t width, height, off_x, off_y;   // current orientation

static int wait_ms(uint8_t cmd, const uint8_t *p, size_t n, uint32_t ms) {
    int r = lcd_bus_command(cmd, p, n);
    if (r == 0 && ms) {
        clint_delay_us(ms * 1000u);
    }
    return r;
}

static void geometry(uint8_t madctl, lcd_hw_info_t *info) {
    unsigned col_off = (madctl & MADCTL_MX) ? panel->gram_cols - panel->vis_cols : 0;
    unsigned row_off = (madctl & MADCTL_MY) ? panel->gram_rows - panel->vis_rows : 0;
    if (madctl & MADCTL_MV) {   // x runs along the memory's rows
        width = panel->vis_rows, height = panel->vis_cols, off_x = (uint16_t)row_off, off_y = (uint16_t)col_off;
    } else {
        width = panel->vis_cols, height = panel->vis_rows, off_x = (uint16_t)col_off, off_y = (uint16_t)row_off;
    }
    info->width = width;
    info->height = height;
}

int lcd_hw_direction(unsigned rotation, int mirror, lcd_hw_info_t *info) {
    if (!ready) {
        return -ENODEV;
    }
    if (rotation > 3) {
        return -EINVAL;
    }
    uint8_t m = mirror ? panel->mirrored[rotation] : panel->rotation[rotation];
    int r = lcd_bus_command(CMD_MADCTL, &m, 1);
    if (r == 0) {
        geometry(m, info);
    }
    return r;
}

int lcd_hw_init(uint32_t freq_hz, lcd_hw_info_t *info) {
    ready = 0;
    int r = fpioa_apply(lcd_pins, sizeof(lcd_pins) / sizeof(lcd_pins[0]));
    if (r != 0) {
        return r;
    }
    sysctl_io_banks_1v8(BOARD_IO_1V8_BANKS);
    uint32_t hz = freq_hz ? freq_hz : BOARD_LCD_FREQ_HZ;
    if (hz > panel->max_wr_hz) {
        hz = panel->max_wr_hz;   // lcd.init(freq=...) beyond the controller's write cycle
    }
    if (lcd_bus_init(hz, BOARD_LCD_DCX_GPIOHS, BOARD_LCD_RST_GPIOHS) == 0) {
        return -EINVAL;
    }
    lcd_bus_hard_reset();
    r = wait_ms(CMD_SWRESET, NULL, 0, 120);   // 5 ms before the next command, 120 ms before SLPOUT
    for (unsigned i = 0; r == 0 && i < panel->init_n; i++) {
        r = wait_ms(panel->init[i].cmd, panel->init[i].params, panel->init[i].n, panel->init[i].delay_ms);
    }
    if (r == 0) {
        r = wait_ms(CMD_SLPOUT, NULL, 0, 120);
    }
    const uint8_t colmod = COLMOD_16BIT;
    if (r == 0) {
        r = wait_ms(CMD_COLMOD, &colmod, 1, 10);
    }
    if (r != 0) {
        return r;
    }
    ready = 1;
    r = lcd_hw_direction(0, 0, info);
    if (r == 0 && panel->invert) {
        r = wait_ms(CMD_INVON, NULL, 0, 10);
    }
    if (r == 0) {
        r = wait_ms(CMD_NORON, NULL, 0, 10);
    }
    if (r == 0) {
        r = wait_ms(CMD_DISPON, NULL, 0, 0);
    }
    if (r != 0) {
        ready = 0;
    }
    return r;
}

static int window(unsigned x, unsigned y, unsigned w, unsigned h) {
    unsigned x0 = x + off_x, x1 = x + w - 1 + off_x, y0 = y + off_y, y1 = y + h - 1 + off_y;
    const uint8_t cols[4] = { (uint8_t)(x0 >> 8), (uint8_t)x0, (uint8_t)(x1 >> 8), (uint8_t)x1 };
    const uint8_t rows[4] = { (uint8_t)(y0 >> 8), (uint8_t)y0, (uint8_t)(y1 >> 8), (uint8_t)y1 };
    int r = lcd_bus_command(CMD_CASET, cols, 4);
    if (r == 0) {
        r = lcd_bus_command(CMD_RASET, rows, 4);
    }
    if (r == 0) {
        r = lcd_bus_command(CMD_RAMWR, NULL, 0);
    }
    return r;
}

int lcd_hw_draw(unsigned x, unsigned y, unsigned w, unsigned h, const uint16_t *rgb565) {
    if (!ready) {
        return -ENODEV;
    }
    if (w == 0 || h == 0 || x >= width || y >= height || w > width - x || h > height - y || rgb565 == NULL) {
        return -EINVAL;
    }
    int r = window(x, y, w, h);
    return r == 0 ? lcd_bus_pixels(rgb565, (size_t)w * h) : r;
}

int lcd_hw_fill(uint16_t rgb565) {
    if (!ready) {
        return -ENODEV;
    }
    int r = window(0, 0, width, height);
    return r == 0 ? lcd_bus_fill(rgb565, (size_t)width * height) : r;
}
