# The real K210 boards: our register-level HAL, start.S and the preprocessed linker script,
# then firmware.bin, firmware.kfpkg and the memory report (memory.json + a table) after the link.
set(K210_HAL_DIR "${CMAKE_CURRENT_LIST_DIR}")
set(K210_SOURCE_BOARD
    firmware/k210/board_k210.c
    firmware/k210/clint.c
    firmware/k210/dmac.c
    firmware/k210/fpioa.c
    firmware/k210/gpio_hw_k210.c
    firmware/k210/gpiohs.c
    firmware/k210/irq.c
    firmware/k210/kpu_hw_k210.c
    firmware/k210/mem_k210.c
    firmware/k210/repl_uart.c
    firmware/k210/rtc.c
    firmware/k210/sdcard_spi.c
    firmware/k210/spi.c
    firmware/k210/spiflash_w25q.c
    firmware/k210/start.S
    firmware/k210/sysctl.c
    firmware/k210/ticks.c
    firmware/k210/uarths.c
)
set(K210_KPU_HW "")   # the KPU is kpu_hw_k210.c above, over the registers
include("${CMAKE_CURRENT_LIST_DIR}/link.cmake")
