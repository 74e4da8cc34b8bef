// Sipeed Maix Bit (read by the C code and, for the memory split, by the linker script's preprocessor).
#define BOARD_NAME              "maix-bit"
#define BOARD_MACHINE           "Sipeed Maix Bit with kendryte-k210"

// SD card on SPI1 (SCLK IO27, MOSI IO28, MISO IO26), chip select IO29 driven as GPIOHS 7.
#define BOARD_SD_CS_GPIOHS      (7)
#define BOARD_PINS { \
    { 4, FUNC_UARTHS_RX, FPIOA_KIND_INPUT, 1 }, \
    { 5, FUNC_UARTHS_TX, FPIOA_KIND_OUTPUT, 0 }, \
    { 27, FUNC_SPI1_SCLK, FPIOA_KIND_OUTPUT, 0 }, \
    { 28, FUNC_SPI1_D0, FPIOA_KIND_SPI_DATA, 0 }, \
    { 26, FUNC_SPI1_D1, FPIOA_KIND_SPI_DATA, 1 }, \
    { 29, FUNC_GPIOHS(7), FPIOA_KIND_GPIO, 1 }, \
}
// RGB LED: R IO13, G IO12, B IO14 (active low)
// Camera: the sensors probed in order (the OV2640 these boards ship with first), and the
// mirror/flip register setting that shows the scene as MaixPy's sensor.reset() does on it.
#define BOARD_CAMERA_SENSORS    { &sensor_ov2640, &sensor_gc0328, &sensor_ov5640 }
#define BOARD_CAMERA_HMIRROR    (1)
#define BOARD_CAMERA_VFLIP      (0)
// LCD: ST7789 320x240 on the SPI0 8080 bus (pads in k210_board_defaults.h)
#define BOARD_LCD_PANEL         lcd_panel_st7789_320x240
#include "k210_board_defaults.h"
