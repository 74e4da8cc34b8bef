// Sipeed Maix Cube (read by the C code and, for the memory split, by the linker script's preprocessor).
// What it shares with the other Maix boards (REPL and SD pins, camera, LCD pads) is in
// firmware/k210/k210_board_io.h; this file holds what differs.
#define BOARD_NAME              "maix-cube"
#define BOARD_MACHINE           "Sipeed Maix Cube with kendryte-k210"

// RGB LED: R IO13, G IO12, B IO14; white IO32
// LCD: ST7789 240x240 IPS on the SPI0 8080 bus
#define BOARD_LCD_PANEL         lcd_panel_st7789_240x240
#include "k210_board_defaults.h"
