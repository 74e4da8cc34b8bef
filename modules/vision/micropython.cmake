# The vision user C modules: image, sensor, lcd and time.clock (bindings over the vision core,
# CMakeLists.txt here). Pixel memory comes from kpu.LedgerBuf (modules/kpu/ledger_buf.h); the
# camera and LCD from the port seams firmware/camera_hw.h and firmware/lcd_hw.h.
add_library(usermod_vision INTERFACE)
target_sources(usermod_vision INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}/clock.c
    ${CMAKE_CURRENT_LIST_DIR}/image_args.c
    ${CMAKE_CURRENT_LIST_DIR}/image_convert.c
    ${CMAKE_CURRENT_LIST_DIR}/image_draw.c
    ${CMAKE_CURRENT_LIST_DIR}/image_file.c
    ${CMAKE_CURRENT_LIST_DIR}/modimage.c
    ${CMAKE_CURRENT_LIST_DIR}/modlcd.c
    ${CMAKE_CURRENT_LIST_DIR}/modsensor.c)
target_include_directories(usermod_vision INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}
    ${CMAKE_CURRENT_LIST_DIR}/../kpu
    ${CMAKE_CURRENT_LIST_DIR}/../kpu/core
    ${CMAKE_CURRENT_LIST_DIR}/../../firmware)
target_link_libraries(usermod INTERFACE usermod_vision)
