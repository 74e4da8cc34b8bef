// Memory split and clocks every K210 board shares unless its board.h says otherwise.
// Plain integers (no suffixes): the linker script is preprocessed with these too.
#ifndef K210_BOARD_DEFAULTS_H
#define K210_BOARD_DEFAULTS_H

#define BOARD_IS_SIMULATED      (0)
#ifndef BOARD_HART0_STACK_BYTES
#define BOARD_HART0_STACK_BYTES (64 * 1024)   // the interpreter's C stack
#endif
#ifndef BOARD_HART1_STACK_BYTES
#define BOARD_HART1_STACK_BYTES (4 * 1024)    // parked hart
#endif
#ifndef BOARD_IRQ_STACK_BYTES
#define BOARD_IRQ_STACK_BYTES   (4 * 1024)    // trap handler (mscratch)
#endif
#define BOARD_STACK_BYTES       (BOARD_HART0_STACK_BYTES + BOARD_HART1_STACK_BYTES + BOARD_IRQ_STACK_BYTES)
#define BOARD_STACK_LIMIT       (BOARD_HART0_STACK_BYTES - 8 * 1024)   // Python recursion stops 8 KiB early
#ifndef BOARD_GC_HEAP_DEFAULT
#define BOARD_GC_HEAP_DEFAULT   (512 * 1024)
#endif
#ifndef BOARD_GC_HEAP_MIN
#define BOARD_GC_HEAP_MIN       (64 * 1024)
#endif
#ifndef BOARD_POOL_MIN_BYTES
#define BOARD_POOL_MIN_BYTES    (512 * 1024)  // the link fails if the model pool would be smaller
#endif
#ifndef BOARD_POOL_UNCACHED
#define BOARD_POOL_UNCACHED     (1)           // pool and AI SRAM used through the 0x40000000 alias
#endif
#ifndef BOARD_FLASH_BYTES
#define BOARD_FLASH_BYTES       (16 * 1024 * 1024)
#endif
#ifndef BOARD_CPU_HZ
#define BOARD_CPU_HZ            (400000000)   // PLL0 = 2x; the PLL gives 403 MHz
#endif
#ifndef BOARD_KPU_HZ
#define BOARD_KPU_HZ            (400000000)   // PLL1; the PLL gives 398.7 MHz
#endif
#ifndef BOARD_REPL_BAUD
#define BOARD_REPL_BAUD         (115200)
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
#define BOARD_CAMERA_SCCB_HZ    (100000)
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
#define BOARD_LCD_FREQ_HZ       (20000000)    // WR strobe; both panels take 8080 writes this fast
#endif

#endif
