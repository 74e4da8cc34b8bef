// The camera seam: what the `sensor` module asks of a port. K210 boards implement it with the DVP
// and SCCB drivers under firmware/k210/ (OV2640, OV5640, GC0328); the simulated board with images
// from files (firmware/sim/); a port without a camera returns -ENODEV from camera_hw_init.
// Every call returns 0 or -errno and every wait is bounded by timeout_ms.
#ifndef K210_CAMERA_HW_H
#define K210_CAMERA_HW_H

#include <stdint.h>

typedef struct {
    uint16_t width, height;   // the frame the DVP delivers (after the sensor's own windowing)
    uint8_t grayscale;        // 1: the display frame is 8-bit luma; 0: RGB565 (K210 byte order)
    uint8_t hmirror, vflip;   // as the script asked; the port adds the board's mounting
} camera_hw_cfg_t;

// Probes the sensor; fills *id with its chip id (0x2642 OV2640, 0x5640 OV5640, 0x9d GC0328).
int camera_hw_init(uint32_t *id);
// Applies cfg (frame size, format, mirror, flip); -EINVAL names nothing, so the caller checks sizes.
int camera_hw_configure(const camera_hw_cfg_t *cfg);
// One frame: display (w*h RGB565 or w*h luma, may be NULL) and ai (3 planes of w*h, R then G then
// B; w*h luma for grayscale; may be NULL) written by the same capture, as the K210 DVP does.
// Buffers come from the caller (the ledger); -ETIMEDOUT if no frame arrives within timeout_ms.
int camera_hw_snapshot(uint16_t *display, uint8_t *ai, uint32_t timeout_ms);
int camera_hw_shutdown(int off);

// Provided by the sensor module, not by ports: the frame the last sensor.snapshot() filled, for
// the host preview's snapshot panel (`k210 view`). No copy is kept: it is the frame itself (in the
// ledger), read between bytecodes, so what a script drew on it shows too, as in the MaixPy IDE's
// frame buffer. *gray: 8-bit luma pixels instead of RGB565. frame_no counts snapshots. NULL
// before the first snapshot since reset, or while the sensor is shut down.
const void *sensor_last_frame(unsigned *w, unsigned *h, int *gray, uint32_t *frame_no);

#endif
