// Sipeed Maixduino (read by the C code and, for the memory split, by the linker script's preprocessor).
// What it shares with the other Maix boards (REPL and SD pins, camera, LCD pads) is in
// firmware/k210/k210_board_io.h; this file holds what differs.
#define BOARD_NAME              "maixduino"
#define BOARD_MACHINE           "Sipeed Maixduino with kendryte-k210"

// The ESP32 shares SPI1; its chip select (IO25, GPIOHS 8) is held high so it stays off the bus.
#define BOARD_DESELECT_GPIOHS   (8)
#define BOARD_PINS { BOARD_PINS_UARTHS, BOARD_PINS_SD_SPI1(27, 28, 26, 29), \
    { 25, FUNC_GPIOHS(BOARD_DESELECT_GPIOHS), FPIOA_KIND_GPIO, 1 } }
// RGB LED: R IO13, G IO12, B IO14 (active low)
// LCD: ST7789 320x240 on the SPI0 8080 bus
#define BOARD_LCD_PANEL         lcd_panel_st7789_320x240
#include "k210_board_defaults.h"
