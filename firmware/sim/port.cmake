# The simulated board: host compiler, host threads for the UART, image files for storage.
set(K210_SOURCE_BOARD
    firmware/emulated_board.c
    firmware/sim/sim_board.c
    firmware/sim/sim_camera.c
    firmware/sim/sim_gpio.c
    firmware/sim/sim_lcd.c
    firmware/sim/sim_main.c
    firmware/sim/sim_mem.c
    firmware/sim/sim_png.c
    firmware/sim/sim_sdcard.c
    firmware/sim/sim_spiflash.c
    firmware/spiflash_sync.c
    firmware/sim/sim_uart.c
    kpusim/kpu_sim_sram.c
)
# The KPU behind modules/kpu/kpu/kpu_hw.h: the behavioural one, over the host SRAM map.
set(K210_KPU_HW kpusim)

target_compile_options(k210_cflags INTERFACE -O2 -g)
find_package(Threads REQUIRED)
target_link_libraries(${MICROPY_TARGET} PRIVATE Threads::Threads m)

# Sanitizer flavour (scripts/test-asan): -DK210_SANITIZE=ON builds the same board with ASan and
# UBSan; every report aborts the process so the test that caused it fails.
option(K210_SANITIZE "build the simulated board with AddressSanitizer + UndefinedBehaviorSanitizer" OFF)
if(K210_SANITIZE)
    # Use-after-scope poisoning is off: GCC 12 miscompiles it across setjmp (MicroPython's NLR on
    # this port), writing the shadow through a stale spill when an exception unwinds into the VM.
    set(_k210_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
        -fno-sanitize-address-use-after-scope)
    target_compile_options(k210_cflags INTERFACE ${_k210_san})
    target_link_options(${MICROPY_TARGET} PRIVATE ${_k210_san})
    # MicroPython's VM loop takes exceptions through setjmp/longjmp (MICROPY_NLR_SETJMP); GCC 12's
    # sanitizer instrumentation of that frame does not survive the longjmp (stale shadow and
    # code_state after an OSError raised in C), so the VM itself runs uninstrumented.
    set_source_files_properties(${MICROPY_DIR}/py/vm.c PROPERTIES COMPILE_OPTIONS "-fno-sanitize=all")
endif()
