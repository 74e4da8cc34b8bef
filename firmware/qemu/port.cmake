# QEMU_VIRT: the same cross-built core, port and kpu module as a K210 board, with qemu virt's
# 16550 UART, RAM-backed storage and the behavioural KPU (kpusim/) behind kpu_hw.
set(K210_HAL_DIR "${CMAKE_SOURCE_DIR}/firmware/k210")
set(K210_SOURCE_BOARD
    firmware/k210/clint.c
    firmware/k210/irq.c
    firmware/k210/mem_k210.c
    firmware/k210/repl_uart.c
    firmware/k210/start.S
    firmware/k210/ticks.c
    firmware/emulated_board.c
    firmware/qemu/board_qemu.c
    firmware/qemu/no_camera_lcd.c
    firmware/qemu/no_gpio.c
    firmware/qemu/storage_ram.c
    firmware/spiflash_sync.c
)
set(K210_KPU_HW kpusim)   # the behavioural KPU; SRAM is qemu virt's RAM at 0x80000000 (mem_k210.c)
include("${K210_HAL_DIR}/link.cmake")
target_include_directories(${MICROPY_TARGET} PRIVATE "${CMAKE_CURRENT_LIST_DIR}")
