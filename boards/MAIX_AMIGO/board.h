// Sipeed Maix Amigo (read by the C code and, for the memory split, by the linker script's preprocessor).
#define BOARD_NAME              "maix-amigo"
#define BOARD_MACHINE           "Sipeed Maix Amigo with kendryte-k210"

// SD card on SPI1 (SCLK IO11, MOSI IO10, MISO IO6), chip select IO26 driven as GPIOHS 7.
#define BOARD_SD_CS_GPIOHS      (7)
#define BOARD_PINS { \
    { 4, FUNC_UARTHS_RX, FPIOA_KIND_INPUT, 1 }, \
    { 5, FUNC_UARTHS_TX, FPIOA_KIND_OUTPUT, 0 }, \
    { 11, FUNC_SPI1_SCLK, FPIOA_KIND_OUTPUT, 0 }, \
    { 10, FUNC_SPI1_D0, FPIOA_KIND_SPI_DATA, 0 }, \
    { 6, FUNC_SPI1_D1, FPIOA_KIND_SPI_DATA, 1 }, \
    { 26, FUNC_GPIOHS(7), FPIOA_KIND_GPIO, 1 }, \
}
// RGB LED: R IO14, G IO15, B IO17; white IO32; REPL on the bridge's second port
// Camera: the front GC0328 first, then the other supported sensors; no mirror or flip needed.
#define BOARD_CAMERA_SENSORS    { &sensor_gc0328, &sensor_ov2640, &sensor_ov5640 }
#define BOARD_CAMERA_HMIRROR    (0)
#define BOARD_CAMERA_VFLIP      (0)
// LCD: ILI9486 480x320 on the SPI0 8080 bus (pads in k210_board_defaults.h)
#define BOARD_LCD_PANEL         lcd_panel_ili9486_480x320
#include "k210_board_defaults.h"
