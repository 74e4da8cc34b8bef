// Sipeed Maix Go (read by the C code and, for the memory split, by the linker script's preprocessor).
// What it shares with the other Maix boards (REPL and SD pins, camera, LCD pads) is in
// firmware/k210/k210_board_io.h; this file holds what differs.
#define BOARD_NAME              "maix-go"
#define BOARD_MACHINE           "Sipeed Maix Go with kendryte-k210"

// RGB LED: R IO14, G IO12, B IO13 (active low); REPL on the bridge's second port
// LCD: ST7789 320x240 on the SPI0 8080 bus
#define BOARD_LCD_PANEL         lcd_panel_st7789_320x240
#include "k210_board_defaults.h"
