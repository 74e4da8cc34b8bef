# Included by boards/<K210 board>/board.cmake and boards/QEMU_VIRT/board.cmake before project():
# the cross toolchain and the output name. The board sets K210_PORT (k210 or qemu) first.
find_program(_k210_cc riscv64-unknown-elf-gcc)
if(NOT _k210_cc)
    message(FATAL_ERROR "BOARD=${BOARD} needs riscv64-unknown-elf-gcc and picolibc: "
        "apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf (./scripts/setup does it)")
endif()
set(CMAKE_TOOLCHAIN_FILE "${CMAKE_CURRENT_LIST_DIR}/toolchain.cmake")
set(K210_OUTPUT_NAME firmware.elf)
