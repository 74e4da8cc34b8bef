// qemu virt has neither camera nor LCD: the seams answer -ENODEV, so `sensor.reset()` and
// `lcd.init()` raise OSError saying so, while `image` works as on any board.
#include <errno.h>

#include "camera_hw.h"
#include "lcd_hw.h"

int camera_hw_init(uint32_t *id) {
    (void)id;
    return -ENODEV;
}

int camera_hw_configure(const camera_hw_cfg_t *cfg) {
    (void)cfg;
    return -ENODEV;
}

int camera_hw_snapshot(uint16_t *display, uint8_t *ai, uint32_t timeout_ms) {
    (void)display;
    (void)ai;
    (void)timeout_ms;
    return -ENODEV;
}

int camera_hw_shutdown(int off) {
    (void)off;
    return -ENODEV;
}

int lcd_hw_init(uint32_t freq_hz, lcd_hw_info_t *info) {
    (void)freq_hz;
    (void)info;
    return -ENODEV;
}

int lcd_hw_direction(unsigned rotation, int mirror, lcd_hw_info_t *info) {
    (void)rotation;
    (void)mirror;
    (void)info;
    return -ENODEV;
}

int lcd_hw_draw(unsigned x, unsigned y, unsigned w, unsigned h, const uint16_t *rgb565) {
    (void)x;
    (void)y;
    (void)w;
    (void)h;
    (void)rgb565;
    return -ENODEV;
}

int lcd_hw_fill(uint16_t rgb565) {
    (void)rgb565;
    return -ENODEV;
}
