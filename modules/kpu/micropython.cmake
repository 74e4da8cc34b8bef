# The kpu user C module: every C file of modules/kpu (the v4 helper's kmodel_v4*.c and ops_v4/
# join automatically), compiled into the firmware.
add_library(usermod_kpu INTERFACE)
file(GLOB _kpu_sources CONFIGURE_DEPENDS
    ${CMAKE_CURRENT_LIST_DIR}/*.c
    ${CMAKE_CURRENT_LIST_DIR}/ops_v3/*.c
    ${CMAKE_CURRENT_LIST_DIR}/ops_v4/*.c)
target_sources(usermod_kpu INTERFACE ${_kpu_sources})
target_include_directories(usermod_kpu INTERFACE ${CMAKE_CURRENT_LIST_DIR})
# The CPU layers must round like the reference: no fused multiply-add (RISC-V has FMA).
set_source_files_properties(${_kpu_sources} PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")
target_link_libraries(usermod INTERFACE usermod_kpu)
