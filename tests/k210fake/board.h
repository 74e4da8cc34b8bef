// The board the HAL tests compile the K210 drivers for (tests/hal/test_k210_hal.py).
#define BOARD_NAME          "hal-test"
#define BOARD_SD_CS_GPIOHS  (7)
// Camera and LCD (tests/hal/test_k210_camera.py, test_k210_lcd.py): the Maix boards' pads; the
// libraries pick the panel and the camera's mounting with -D.
#ifndef BOARD_CAMERA_SENSORS
#define BOARD_CAMERA_SENSORS    { &sensor_ov2640, &sensor_gc0328, &sensor_ov5640 }
#endif
#ifndef BOARD_CAMERA_HMIRROR
#define BOARD_CAMERA_HMIRROR    (1)
#endif
#ifndef BOARD_CAMERA_VFLIP
#define BOARD_CAMERA_VFLIP      (0)
#endif
#ifndef BOARD_LCD_PANEL
#define BOARD_LCD_PANEL         lcd_panel_st7789_320x240
#endif
#include "k210_board_io.h"
