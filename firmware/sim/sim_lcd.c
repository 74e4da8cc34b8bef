// The simulated board's LCD (firmware/lcd_hw.h): a 320x240 panel whose pixels live in the file
// lcd.fb of the board's state directory, shared with the host (mmap), so a test or viewer reads
// what the panel shows at any time. Layout (little-endian), docs/vision.md:
//   0  char[4] "K2FB"   4  u16 width   6  u16 height   8  u32 updates (every draw/fill)
//   12 u32 rotation (0..3) | mirror << 8      16  width*height RGB565 pixels, row-major
// Rotation swaps width and height; mirror flips rows left-right as the glass shows them.
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lcd_hw.h"
#include "sim.h"

#define PANEL_W (320)
#define PANEL_H (240)
#define FB_HEAD (16)
#define FB_BYTES (FB_HEAD + PANEL_W * PANEL_H * 2)

static uint8_t *fb;
static unsigned rot, mir;

static void head(void) {
    memcpy(fb, "K2FB", 4);
    uint16_t wh[2] = { rot & 1 ? PANEL_H : PANEL_W, rot & 1 ? PANEL_W : PANEL_H };
    memcpy(fb + 4, wh, 4);
    uint32_t rm = rot | (mir << 8);
    memcpy(fb + 12, &rm, 4);
}

static void bump(void) {
    uint32_t n;
    memcpy(&n, fb + 8, 4);
    n++;
    memcpy(fb + 8, &n, 4);
}

static void info(lcd_hw_info_t *i) {
    i->width = rot & 1 ? PANEL_H : PANEL_W;
    i->height = rot & 1 ? PANEL_W : PANEL_H;
}

int lcd_hw_init(uint32_t freq_hz, lcd_hw_info_t *i) {
    (void)freq_hz;
    if (fb == NULL) {
        size_t actual;
        int fd = sim_open_image("lcd.fb", FB_BYTES, 0, &actual);
        if (fd < 0) {
            return fd;
        }
        if (actual != FB_BYTES && ftruncate(fd, FB_BYTES) != 0) {
            close(fd);
            return -EIO;
        }
        void *p = mmap(NULL, FB_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        close(fd);
        if (p == MAP_FAILED) {
            return -EIO;
        }
        fb = p;
    }
    rot = 0;
    mir = 0;
    head();
    info(i);
    return 0;
}

int lcd_hw_direction(unsigned rotation, int mirror, lcd_hw_info_t *i) {
    if (fb == NULL) {
        return -ENODEV;
    }
    rot = rotation & 3;
    mir = mirror != 0;
    head();
    info(i);
    return 0;
}

int lcd_hw_draw(unsigned x, unsigned y, unsigned w, unsigned h, const uint16_t *px) {
    lcd_hw_info_t i;
    if (fb == NULL) {
        return -ENODEV;
    }
    info(&i);
    if (x + w > i.width || y + h > i.height) {
        return -EINVAL;
    }
    uint16_t *dst = (uint16_t *)(fb + FB_HEAD);
    for (unsigned r = 0; r < h; r++) {
        for (unsigned c = 0; c < w; c++) {
            unsigned dx = mir ? i.width - 1 - (x + c) : x + c;
            dst[(size_t)(y + r) * i.width + dx] = px[(size_t)r * w + c];
        }
    }
    bump();
    return 0;
}

int lcd_hw_fill(uint16_t c) {
    if (fb == NULL) {
        return -ENODEV;
    }
    uint16_t *dst = (uint16_t *)(fb + FB_HEAD);
    for (size_t k = 0; k < (size_t)PANEL_W * PANEL_H; k++) {
        dst[k] = c;
    }
    bump();
    return 0;
}
