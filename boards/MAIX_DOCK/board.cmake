# Sipeed Maix Dock: a K210 board (firmware/k210/), cross-built with riscv64-unknown-elf-gcc + picolibc.
set(K210_PORT k210)
set(K210_KFPKG ON)
set(K210_KFLASH_BOARD dan)   # kflash -B
include("${CMAKE_CURRENT_LIST_DIR}/../../firmware/k210/board_common.cmake")
