# The kpu user C module: the MicroPython binding (modkpu.c) over the kpu core (CMakeLists.txt
# here, linked into the firmware by the top-level CMakeLists.txt).
add_library(usermod_kpu INTERFACE)
target_sources(usermod_kpu INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}/modkpu.c
    ${CMAKE_CURRENT_LIST_DIR}/ledger_buf.c
    ${CMAKE_CURRENT_LIST_DIR}/kpu_input.c
    ${CMAKE_CURRENT_LIST_DIR}/kpu_outputs.c)
target_include_directories(usermod_kpu INTERFACE
    ${CMAKE_CURRENT_LIST_DIR}
    ${CMAKE_CURRENT_LIST_DIR}/core
    ${CMAKE_CURRENT_LIST_DIR}/kpu)
target_link_libraries(usermod INTERFACE usermod_kpu)
