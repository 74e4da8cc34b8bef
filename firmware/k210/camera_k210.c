// camera_hw.h on a K210 board: the DVP with its SCCB master and the sensor drivers. The board
// (boards/<NAME>/board.h) names the pads, the sensors to probe in order, and the mirror/flip
// register setting that shows its camera's scene upright; a script's set_hmirror/set_vflip flip
// relative to that. Display frames come back as native RGB565 values in pixel order: the DVP
// writes each pair of pixels as one 32-bit word with the left pixel in the high half (ready for
// the LCD's 32-bit frames, which send the high half first), so snapshot swaps the halves.
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "k210_regs.h"
#include "fpioa.h"
#include "board.h"
#include "camera_hw.h"
#include "camera_sensor.h"
#include "dvp.h"
#include "kpu_mem.h"
#include "sysctl.h"

static const fpioa_map_t cam_pins[] = BOARD_CAMERA_PINS;
static const camera_sensor_t *const candidates[] = BOARD_CAMERA_SENSORS;

static const camera_sensor_t *sensor;   // NULL until camera_hw_init found one
static camera_hw_cfg_t cfg;
static int configured;

int camera_hw_init(uint32_t *id) {
    sensor = NULL;
    configured = 0;
    int r = fpioa_apply(cam_pins, sizeof(cam_pins) / sizeof(cam_pins[0]));
    if (r != 0) {
        return r;
    }
    sysctl_io_banks_1v8(BOARD_IO_1V8_BANKS);
    if (dvp_init(BOARD_CAMERA_XCLK_HZ, BOARD_CAMERA_SCCB_HZ) == 0) {
        return -EIO;   // the clocks cannot be made from this APB1
    }
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
        r = candidates[i]->probe(candidates[i]);
        if (r == 0) {
            sensor = candidates[i];
            break;
        }
        if (r != -ENODEV) {
            return r;   // the SCCB master hung: no point asking the next address
        }
    }
    if (sensor == NULL) {
        dvp_power_down(1);
        return -ENODEV;
    }
    r = sensor->init(sensor);
    if (r != 0) {
        sensor = NULL;
        return r;
    }
    *id = sensor->id;
    return 0;
}

int camera_hw_configure(const camera_hw_cfg_t *c) {
    if (sensor == NULL) {
        return -ENODEV;
    }
    // the DVP moves 8-byte bursts per line; the OV2640 sizes its window in units of 4
    if (c->width == 0 || c->height == 0 || c->width % 8 != 0 || c->height % 4 != 0
        || sensor_base_mode(c->width, c->height) == NULL) {
        return -EINVAL;
    }
    configured = 0;
    int r = sensor->set_format ? sensor->set_format(sensor, c->grayscale) : 0;
    if (r == 0) {
        r = sensor->set_window(sensor, c->width, c->height);
    }
    if (r == 0) {
        r = sensor->set_mirror_flip(sensor, (c->hmirror != 0) ^ (BOARD_CAMERA_HMIRROR != 0),
            (c->vflip != 0) ^ (BOARD_CAMERA_VFLIP != 0));
    }
    if (r == 0) {
        r = dvp_set_frame(c->width, c->height, sensor->dvp_input(c->grayscale));
    }
    if (r == 0) {
        cfg = *c;
        configured = 1;
    }
    return r;
}

// The DVP's display words hold (left << 16) | right: swap the halves into pixel order.
static void display_to_pixel_order(uint16_t *p, size_t pixels) {
    uint32_t *w = (uint32_t *)p;
    for (size_t i = 0; i < pixels / 2; i++) {
        w[i] = (w[i] << 16) | (w[i] >> 16);
    }
}

int camera_hw_snapshot(uint16_t *display, uint8_t *ai, uint32_t timeout_ms) {
    if (!configured) {
        return sensor == NULL ? -ENODEV : -EINVAL;
    }
    size_t n = (size_t)cfg.width * cfg.height;
    uint32_t d = display ? kpu_mem_bus_addr(display) : 0;
    uint32_t a = ai ? kpu_mem_bus_addr(ai) : 0;
    if ((display && d == 0) || (ai && a == 0)) {
        return -EFAULT;   // not in SRAM: the DVP's bus master cannot reach it
    }
    int r;
    if (cfg.grayscale) {
        // luma goes out on the AI path: into ai when asked for, else straight into display
        uint32_t dst = a ? a : d;
        if (dst == 0) {
            return -EINVAL;
        }
        r = dvp_set_outputs(0, dst, dst, dst);
        if (r == 0) {
            r = dvp_capture(timeout_ms);
        }
        if (r == 0 && a && d) {
            memcpy(display, ai, n);
        }
        return r;
    }
    r = dvp_set_outputs(d, a, a ? a + (uint32_t)n : 0, a ? a + 2u * (uint32_t)n : 0);
    if (r == 0) {
        r = dvp_capture(timeout_ms);
    }
    if (r == 0 && display) {
        display_to_pixel_order(display, n);
    }
    return r;
}

int camera_hw_shutdown(int off) {
    if (sensor == NULL) {
        return -ENODEV;
    }
    dvp_power_down(off);
    return 0;
}
