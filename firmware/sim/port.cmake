# The simulated board: host compiler, host threads for the UART, image files for storage.
set(K210_SOURCE_BOARD
    firmware/sim/sim_board.c
    firmware/sim/sim_main.c
    firmware/sim/sim_mem.c
    firmware/sim/sim_sdcard.c
    firmware/sim/sim_spiflash.c
    firmware/sim/sim_uart.c
)
# The behavioural KPU behind modules/kpu/kpu_hw.h
file(GLOB K210_SOURCE_SIM_KPU CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/kpu_sim*.c")
list(APPEND K210_SOURCE_BOARD ${K210_SOURCE_SIM_KPU})

target_compile_options(${MICROPY_TARGET} PRIVATE -O2 -g)
find_package(Threads REQUIRED)
target_link_libraries(${MICROPY_TARGET} PRIVATE Threads::Threads m)
target_include_directories(${MICROPY_TARGET} PRIVATE "${CMAKE_SOURCE_DIR}/modules/kpu")
