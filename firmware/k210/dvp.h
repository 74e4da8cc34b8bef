// The K210 DVP: takes the sensor's 8-bit parallel stream (VSYNC/HREF/PCLK), writes one frame as a
// display frame (RGB565 or luma) and/or the AI frame (planar R, G, B bytes) by its own AXI master.
#ifndef K210_DVP_H
#define K210_DVP_H

#include <stdint.h>

typedef enum {
    DVP_IN_RGB565,     // the sensor sends RGB565
    DVP_IN_YUV422,     // the sensor sends YUV422; the DVP converts to RGB565 + RGB888
    DVP_IN_Y,          // luma only (grayscale)
} dvp_input_t;

// Clocks, reset, XCLK to the sensor (at most xclk_hz), SCCB at sccb_hz, sensor power-up sequence
// (PWDN pulse, RESET pulse). Returns the XCLK obtained or 0 when xclk_hz cannot be made.
uint32_t dvp_init(uint32_t xclk_hz, uint32_t sccb_hz);
// Frame geometry the DVP expects: width a multiple of 8 (bursts of 8 bytes), 1..1023 lines.
int dvp_set_frame(uint32_t width, uint32_t height, dvp_input_t input);
// Destinations (bus addresses, 8-byte aligned; 0 = that output off). ai_r/g/b: the three planes.
int dvp_set_outputs(uint32_t display, uint32_t ai_r, uint32_t ai_g, uint32_t ai_b);
// Waits for the next frame start, captures one whole frame into the outputs: 0 or -ETIMEDOUT.
int dvp_capture(uint32_t timeout_ms);
// 1: the sensor's PWDN pin high (powered down), 0: running.
void dvp_power_down(int on);
// Sensor reset line: 1 = held in reset (the pin low), 0 = released.
void dvp_sensor_reset(int on);

#endif
