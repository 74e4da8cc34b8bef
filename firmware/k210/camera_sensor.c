// Helpers every sensor driver shares: the standard modes and register tables over SCCB.
#include "camera_sensor.h"

static const sensor_mode_t modes[] = { { 80, 60 }, { 160, 120 }, { 320, 240 }, { 640, 480 } };

const sensor_mode_t *sensor_base_mode(unsigned w, unsigned h) {
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (w <= modes[i].w && h <= modes[i].h) {
            return &modes[i];
        }
    }
    return NULL;
}

int sensor_write_table8(const sccb_dev_t *dev, const uint8_t (*regs)[2], size_t n) {
    for (size_t i = 0; i < n; i++) {
        int r = sccb_write(dev, regs[i][0], regs[i][1]);
        if (r != 0) {
            return r;
        }
    }
    return 0;
}

int sensor_write_table16(const sccb_dev_t *dev, const sensor_reg16_t *regs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        int r = sccb_write(dev, regs[i].reg, regs[i].value);
        if (r != 0) {
            return r;
        }
    }
    return 0;
}

int sensor_update(const sccb_dev_t *dev, uint16_t reg, uint8_t mask, uint8_t value) {
    uint8_t v;
    int r = sccb_read(dev, reg, &v);
    if (r == 0) {
        r = sccb_write(dev, reg, (uint8_t)((v & ~mask) | (value & mask)));
    }
    return r;
}
