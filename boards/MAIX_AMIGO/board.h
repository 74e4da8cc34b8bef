// Sipeed Maix Amigo (read by the C code and, for the memory split, by the linker script's preprocessor).
// What it shares with the other Maix boards (REPL and SD pins, camera, LCD pads) is in
// firmware/k210/k210_board_io.h; this file holds what differs.
#define BOARD_NAME              "maix-amigo"
#define BOARD_MACHINE           "Sipeed Maix Amigo with kendryte-k210"

// SD card on SPI1 at other pads: SCLK IO11, MOSI IO10, MISO IO6, chip select IO26.
#define BOARD_PINS { BOARD_PINS_UARTHS, BOARD_PINS_SD_SPI1(11, 10, 6, 26) }
// RGB LED: R IO14, G IO15, B IO17; white IO32; REPL on the bridge's second port
// Camera: the front GC0328 first, then the other supported sensors; no mirror or flip needed.
#define BOARD_CAMERA_SENSORS    { &sensor_gc0328, &sensor_ov2640, &sensor_ov5640 }
#define BOARD_CAMERA_HMIRROR    (0)
// LCD: ILI9486 480x320 on the SPI0 8080 bus
#define BOARD_LCD_PANEL         lcd_panel_ili9486_480x320
#include "k210_board_defaults.h"
