// Pin, SD card, camera and LCD defaults of the K210 boards: what the Maix boards share (a board.h
// may override any of them before including k210_board_defaults.h, which includes this). Needs
// k210_regs.h and fpioa.h for the pad tables.
#ifndef K210_BOARD_IO_H
#define K210_BOARD_IO_H

// The REPL on UARTHS (RX IO4, TX IO5, the USB bridge) on every Maix board.
#define BOARD_PINS_UARTHS \
    { 4, FUNC_UARTHS_RX, FPIOA_KIND_INPUT, 1 }, \
    { 5, FUNC_UARTHS_TX, FPIOA_KIND_OUTPUT, 0 }
// The SD card on SPI1 at the given pads, its chip select driven as GPIOHS BOARD_SD_CS_GPIOHS.
#ifndef BOARD_SD_CS_GPIOHS
#define BOARD_SD_CS_GPIOHS      (7)
#endif
#define BOARD_PINS_SD_SPI1(sclk, mosi, miso, cs) \
    { sclk, FUNC_SPI1_SCLK, FPIOA_KIND_OUTPUT, 0 }, \
    { mosi, FUNC_SPI1_D0, FPIOA_KIND_SPI_DATA, 0 }, \
    { miso, FUNC_SPI1_D1, FPIOA_KIND_SPI_DATA, 1 }, \
    { cs, FUNC_GPIOHS(BOARD_SD_CS_GPIOHS), FPIOA_KIND_GPIO, 1 }
// Most Maix boards: SD SCLK IO27, MOSI IO28, MISO IO26, chip select IO29.
#ifndef BOARD_PINS
#define BOARD_PINS { BOARD_PINS_UARTHS, BOARD_PINS_SD_SPI1(27, 28, 26, 29) }
#endif

// Camera: the sensors probed in order (the OV2640 most boards ship with first), and the
// mirror/flip register setting that shows the scene as MaixPy's sensor.reset() does on it.
#ifndef BOARD_CAMERA_SENSORS
#define BOARD_CAMERA_SENSORS    { &sensor_ov2640, &sensor_gc0328, &sensor_ov5640 }
#endif
#ifndef BOARD_CAMERA_HMIRROR
#define BOARD_CAMERA_HMIRROR    (1)
#endif
#ifndef BOARD_CAMERA_VFLIP
#define BOARD_CAMERA_VFLIP      (0)
#endif

// Camera and LCD pads, shared by the six Maix boards (IO 36-47, powered at 1.8 V): LCD CS IO36
// (SPI0 SS3), RST IO37 and D/CX IO38 (GPIOHS), WR IO39 (SPI0 SCLK); SCCB SDA IO40 and SCL IO41,
// sensor RESET IO42, VSYNC IO43, PWDN IO44, HREF IO45, XCLK IO46, PCLK IO47. The 8 data lines of
// both are the DVP's dedicated pads.
#ifndef BOARD_IO_1V8_BANKS
#define BOARD_IO_1V8_BANKS      (0xC0)        // banks 6 and 7
#endif
#ifndef BOARD_CAMERA_PINS
#define BOARD_CAMERA_PINS { \
    { 40, FUNC_SCCB_SDA, FPIOA_KIND_OPEN_DRAIN, 1 }, \
    { 41, FUNC_SCCB_SCLK, FPIOA_KIND_OPEN_DRAIN, 1 }, \
    { 42, FUNC_CMOS_RST, FPIOA_KIND_OUTPUT, 0 }, \
    { 43, FUNC_CMOS_VSYNC, FPIOA_KIND_INPUT, 0 }, \
    { 44, FUNC_CMOS_PWDN, FPIOA_KIND_OUTPUT, 0 }, \
    { 45, FUNC_CMOS_HREF, FPIOA_KIND_INPUT, 0 }, \
    { 46, FUNC_CMOS_XCLK, FPIOA_KIND_OUTPUT, 0 }, \
    { 47, FUNC_CMOS_PCLK, FPIOA_KIND_INPUT, 0 }, \
}
#endif
#ifndef BOARD_CAMERA_XCLK_HZ
#define BOARD_CAMERA_XCLK_HZ    (24000000)
#endif
#ifndef BOARD_CAMERA_SCCB_HZ
#define BOARD_CAMERA_SCCB_HZ    (400000)      // the DVP's SCCB cannot go below APB1 / 510
#endif
#ifndef BOARD_LCD_PINS
#define BOARD_LCD_PINS { \
    { 36, FUNC_SPI0_SS(3), FPIOA_KIND_OUTPUT, 0 }, \
    { 37, FUNC_GPIOHS(30), FPIOA_KIND_GPIO, 0 }, \
    { 38, FUNC_GPIOHS(31), FPIOA_KIND_GPIO, 0 }, \
    { 39, FUNC_SPI0_SCLK, FPIOA_KIND_OUTPUT, 0 }, \
}
#endif
#ifndef BOARD_LCD_RST_GPIOHS
#define BOARD_LCD_RST_GPIOHS    (30)
#endif
#ifndef BOARD_LCD_DCX_GPIOHS
#define BOARD_LCD_DCX_GPIOHS    (31)
#endif
#ifndef BOARD_LCD_FREQ_HZ
#define BOARD_LCD_FREQ_HZ       (15000000)    // WR strobe: the ST7789's 8080 write cycle is >= 66 ns
#endif

#endif
