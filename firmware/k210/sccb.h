// The SCCB master built into the K210's DVP block: register reads and writes on the camera
// sensor (OV2640, OV5640, GC0328). Needs the DVP clock on (dvp_init).
#ifndef K210_SCCB_H
#define K210_SCCB_H

#include <stdint.h>

typedef struct {
    uint8_t addr;     // 8-bit write address (0x60 OV2640, 0x78 OV5640, 0x42 GC0328)
    uint8_t reg16;    // 1: 16-bit register addresses (OV5640)
} sccb_dev_t;

// Sets SCL to at most hz from the APB1 clock; returns the rate obtained (0: hz out of range).
uint32_t sccb_set_clock(uint32_t hz);
// 0, or -ETIMEDOUT when the master never goes idle. An absent device reads as 0xFF (SCCB has no
// acknowledge the master reports), so drivers probe by chip id.
int sccb_write(const sccb_dev_t *dev, uint16_t reg, uint8_t value);
int sccb_read(const sccb_dev_t *dev, uint16_t reg, uint8_t *value);

#endif
