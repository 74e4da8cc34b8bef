// One camera sensor driver (sensor_ov2640.c, sensor_ov5640.c, sensor_gc0328.c): probe by chip id
// over SCCB, reset + initial registers, a centred w x h window of the smallest standard mode
// (QQQVGA 80x60, QQVGA 160x120, QVGA 320x240, VGA 640x480) that holds it, mirror and flip.
// 0 or -errno.
#ifndef K210_CAMERA_SENSOR_H
#define K210_CAMERA_SENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "dvp.h"
#include "sccb.h"

typedef struct {
    uint16_t reg;
    uint8_t value;
} sensor_reg16_t;

typedef struct camera_sensor {
    const char *name;
    sccb_dev_t dev;
    uint32_t id;                                   // as camera_hw_init reports it
    int (*probe)(const struct camera_sensor *s);   // 0 when the chip id matches, -ENODEV if not
    int (*init)(const struct camera_sensor *s);
    int (*set_window)(const struct camera_sensor *s, unsigned w, unsigned h);
    int (*set_mirror_flip)(const struct camera_sensor *s, int hmirror, int vflip);
    int (*set_format)(const struct camera_sensor *s, int grayscale);   // NULL: always YUV422
    dvp_input_t (*dvp_input)(int grayscale);       // what the DVP must expect from this sensor
} camera_sensor_t;

extern const camera_sensor_t sensor_ov2640, sensor_ov5640, sensor_gc0328;

typedef struct {
    uint16_t w, h;
} sensor_mode_t;

// The smallest standard mode holding w x h (NULL when w x h exceeds VGA).
const sensor_mode_t *sensor_base_mode(unsigned w, unsigned h);
int sensor_write_table8(const sccb_dev_t *dev, const uint8_t (*regs)[2], size_t n);
int sensor_write_table16(const sccb_dev_t *dev, const sensor_reg16_t *regs, size_t n);
// Read-modify-write of the bits in mask.
int sensor_update(const sccb_dev_t *dev, uint16_t reg, uint8_t mask, uint8_t value);

#endif
