# QEMU_VIRT: the K210 firmware cross-built for qemu-system-riscv64 -machine virt (firmware/qemu/).
set(K210_PORT qemu)
set(K210_KFPKG OFF)
include("${CMAKE_CURRENT_LIST_DIR}/../../firmware/k210/board_common.cmake")
