// The board the HAL tests compile the K210 drivers for (tests/hal/test_k210_hal.py).
#define BOARD_NAME          "hal-test"
// SD chip select, camera and LCD (tests/hal/test_k210_camera.py, test_k210_lcd.py): the Maix
// boards' defaults of k210_board_io.h; the libraries pick the panel and the camera's mounting with -D.
#ifndef BOARD_LCD_PANEL
#define BOARD_LCD_PANEL         lcd_panel_st7789_320x240
#endif
#include "k210_board_io.h"
