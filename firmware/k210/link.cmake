# Shared by the K210 boards and QEMU_VIRT: compile/link flags, the linker script preprocessed with
# the board's board.h, and the post-link outputs (bin, kfpkg, memory report).
target_include_directories(${MICROPY_TARGET} PRIVATE "${K210_HAL_DIR}")
target_sources(${MICROPY_TARGET} PRIVATE "${K210_HAL_DIR}/libm_float.c")   # float libm over double
# -flto: whole-program -Os (about 25 KB less on a Maix board); K210_LTO=OFF keeps a per-file build
# for debugging. -msave-restore: prologues/epilogues shared through libgcc's __riscv_save_N.
option(K210_LTO "link-time optimisation of the K210/QEMU firmware" ON)
set(K210_LTO_FLAGS "")
if(K210_LTO)
    set(K210_LTO_FLAGS -flto)
endif()
target_compile_options(k210_cflags INTERFACE -Os -g ${K210_LTO_FLAGS} -msave-restore)
# Error texts stored compressed, as upstream's bare-metal ports do (cmake/rom_text_compression.cmake)
set(K210_ROM_TEXT_COMPRESSION ON)
target_compile_definitions(${MICROPY_TARGET} PUBLIC "MICROPY_ROM_TEXT_COMPRESSION=(1)")
# __FILE__ relative to the source tree: the firmware carries no build host's paths
target_compile_options(k210_cflags INTERFACE "-fmacro-prefix-map=${CMAKE_SOURCE_DIR}/=")
# the qstr/module scan runs the same cross preprocessor: it needs picolibc's headers and our arch
set(MICROPY_CPP_FLAGS_EXTRA ${K210_ARCH_FLAGS} -I${K210_HAL_DIR})

set(K210_LDSCRIPT "${CMAKE_BINARY_DIR}/k210.ld")
add_custom_command(
    OUTPUT "${K210_LDSCRIPT}"
    COMMAND ${CMAKE_C_COMPILER} -E -P -x c -I "${BOARD_DIR}" -I "${K210_HAL_DIR}"
            -o "${K210_LDSCRIPT}" "${K210_HAL_DIR}/k210.ld.in"
    DEPENDS "${K210_HAL_DIR}/k210.ld.in" "${BOARD_DIR}/board.h" "${K210_HAL_DIR}/k210_board_defaults.h"
    COMMENT "Preprocessing the linker script for ${BOARD}")
add_custom_target(k210_ldscript DEPENDS "${K210_LDSCRIPT}")
# The same script with a GC heap default the 6 MiB cannot hold, built only on demand: the link
# must refuse it with a clear message (tests/hal/test_k210_boards.py relinks the firmware with it).
set(K210_LDSCRIPT_OVERSIZE "${CMAKE_BINARY_DIR}/k210-oversize.ld")
add_custom_command(
    OUTPUT "${K210_LDSCRIPT_OVERSIZE}"
    COMMAND ${CMAKE_C_COMPILER} -E -P -x c "-DBOARD_GC_HEAP_DEFAULT=(6*1024*1024)" -I "${BOARD_DIR}"
            -I "${K210_HAL_DIR}" -o "${K210_LDSCRIPT_OVERSIZE}" "${K210_HAL_DIR}/k210.ld.in"
    DEPENDS "${K210_HAL_DIR}/k210.ld.in" "${BOARD_DIR}/board.h" "${K210_HAL_DIR}/k210_board_defaults.h"
    VERBATIM)
add_custom_target(k210_ldscript_oversize DEPENDS "${K210_LDSCRIPT_OVERSIZE}")
add_dependencies(${MICROPY_TARGET} k210_ldscript)
set_target_properties(${MICROPY_TARGET} PROPERTIES LINK_DEPENDS "${K210_LDSCRIPT}")
target_link_options(${MICROPY_TARGET} PRIVATE
    -Os ${K210_LTO_FLAGS} -msave-restore -Wl,--defsym=vfprintf=__i_vfprintf -nostartfiles -T "${K210_LDSCRIPT}" -Wl,--gc-sections -Wl,--no-warn-rwx-segments
    "-Wl,-Map=${CMAKE_BINARY_DIR}/firmware.map")
target_link_libraries(${MICROPY_TARGET} PRIVATE m)

set(_k210_kfpkg_arg "")
if(K210_KFPKG)
    # real boards: kflash's package format, and firmware.bin under 400 KB (the project's budget)
    set(K210_MAX_BIN 400000 CACHE STRING "largest firmware.bin the link accepts on a real board (bytes)")
    set(_k210_kfpkg_arg --kfpkg --max-bin ${K210_MAX_BIN})
endif()
add_custom_command(TARGET ${MICROPY_TARGET} POST_BUILD
    COMMAND ${CMAKE_OBJCOPY} -O binary "$<TARGET_FILE:${MICROPY_TARGET}>" "${CMAKE_BINARY_DIR}/firmware.bin"
    COMMAND ${Python3_EXECUTABLE} "${K210_HAL_DIR}/postlink.py" --board "${BOARD}"
            --elf "$<TARGET_FILE:${MICROPY_TARGET}>" --bin "${CMAKE_BINARY_DIR}/firmware.bin"
            --out "${CMAKE_BINARY_DIR}" --objcopy "${CMAKE_OBJCOPY}" --nm "riscv64-unknown-elf-nm"
            ${_k210_kfpkg_arg}
    VERBATIM)
