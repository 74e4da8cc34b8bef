# The real K210 boards: our register-level HAL, start.S and the preprocessed linker script,
# then firmware.bin, firmware.kfpkg and the memory report (memory.json + a table) after the link.
set(K210_HAL_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(K210_SOURCE_BOARD
    firmware/k210/board_k210.c
    firmware/k210/camera_k210.c
    firmware/k210/camera_sensor.c
    firmware/k210/clint.c
    firmware/k210/dmac.c
    firmware/k210/dvp.c
    firmware/k210/fpioa.c
    firmware/k210/gpio_hw_k210.c
    firmware/k210/gpiohs.c
    firmware/k210/irq.c
    firmware/k210/kpu_hw_k210.c
    firmware/k210/lcd_bus.c
    firmware/k210/lcd_ili9486.c
    firmware/k210/lcd_k210.c
    firmware/k210/lcd_st7789.c
    firmware/k210/mem_k210.c
    firmware/k210/repl_uart.c
    firmware/k210/rtc.c
    firmware/k210/sccb.c
    firmware/k210/sdcard_spi.c
    firmware/k210/sensor_gc0328.c
    firmware/k210/sensor_ov2640.c
    firmware/k210/sensor_ov5640.c
    firmware/k210/spi.c
    firmware/k210/spiflash_w25q.c
    firmware/k210/start.S
    firmware/k210/sysctl.c
    firmware/k210/ticks.c
    firmware/k210/uarths.c
)
set(K210_KPU_HW "")   # the KPU is kpu_hw_k210.c above, over the registers
# Release build on the real boards, as upstream MicroPython's ports: the core's internal assert()s
# (16 KB of checks and their texts) are left out. The simulated board (every CI test) and QEMU_VIRT
# keep them, so a broken invariant still stops the firmware there, naming the file and line.
target_compile_definitions(k210_cflags INTERFACE NDEBUG)
include("${CMAKE_CURRENT_LIST_DIR}/link.cmake")
