# Pinned third-party sources, fetched from PyPI with pip, checked by sha256 and unpacked under
# build/deps/ (shared by every board build). Nothing from them is committed.
set(K210_DEPS_DIR "${CMAKE_SOURCE_DIR}/build/deps" CACHE PATH "where pinned sdists are cached and unpacked")

# name, version, sha256 of the sdist
set(K210_DEP_MICROPYTHON mpy-cross-v6-3 1.1.1 55414c358f5844c784e76d3b253cbd7af5f243ddd4c0b47a26d3875d628df300)
set(K210_DEP_FATFS fatfs-ng 0.1.16 86dc7b951c24ae60d5e49bc0c3ca8c535772756e80082595529223a7b9f8fe0a)

find_package(Python3 REQUIRED COMPONENTS Interpreter)

# Fetch (or reuse) one sdist; sets ${out_var} to the unpacked top directory.
function(k210_fetch_sdist out_var name version sha256)
    string(REPLACE "-" "_" stem "${name}")
    set(archive "${K210_DEPS_DIR}/dl/${stem}-${version}.tar.gz")
    set(unpacked "${K210_DEPS_DIR}/${stem}-${version}")
    if(EXISTS "${archive}")
        file(SHA256 "${archive}" have)
        if(NOT have STREQUAL sha256)
            message(STATUS "deps: ${archive} has sha256 ${have}, expected ${sha256}; fetching again")
            file(REMOVE "${archive}")
            file(REMOVE_RECURSE "${unpacked}")
        endif()
    endif()
    if(NOT EXISTS "${archive}")
        message(STATUS "deps: downloading ${name}==${version} (sdist) with pip")
        execute_process(
            COMMAND ${Python3_EXECUTABLE} -m pip download --quiet --no-deps --no-binary :all:
                    --dest "${K210_DEPS_DIR}/dl" "${name}==${version}"
            RESULT_VARIABLE rc ERROR_VARIABLE err)
        if(NOT rc EQUAL 0 OR NOT EXISTS "${archive}")
            message(FATAL_ERROR "deps: pip could not download ${name}==${version}: ${err}\n"
                                "The build needs PyPI once; later builds reuse ${K210_DEPS_DIR}/dl.")
        endif()
        file(SHA256 "${archive}" have)
        if(NOT have STREQUAL sha256)
            file(REMOVE "${archive}")
            message(FATAL_ERROR "deps: ${name}==${version} has sha256 ${have}, expected ${sha256}: refusing to build with it")
        endif()
    endif()
    if(NOT EXISTS "${unpacked}/.unpacked")
        file(REMOVE_RECURSE "${unpacked}")
        file(ARCHIVE_EXTRACT INPUT "${archive}" DESTINATION "${K210_DEPS_DIR}")
        file(TOUCH "${unpacked}/.unpacked")
    endif()
    set(${out_var} "${unpacked}" PARENT_SCOPE)
endfunction()

k210_fetch_sdist(_mpy_top ${K210_DEP_MICROPYTHON})
set(MICROPY_DIR "${_mpy_top}/micropython")
k210_fetch_sdist(_fatfs_top ${K210_DEP_FATFS})
set(FATFS_SRC_DIR "${_fatfs_top}/foreign/fatfs/source")

# FatFs includes "ffconf.h" from its own directory first, so the sources are copied next to our
# configuration instead of patching the sdist.
set(FATFS_DIR "${CMAKE_BINARY_DIR}/fatfs")
foreach(f ff.c ff.h ffunicode.c diskio.h)
    configure_file("${FATFS_SRC_DIR}/${f}" "${FATFS_DIR}/${f}" COPYONLY)
endforeach()
configure_file("${CMAKE_SOURCE_DIR}/firmware/ffconf.h" "${FATFS_DIR}/ffconf.h" COPYONLY)

# mpy-cross, built once from the same sdist, compiles the frozen modules.
set(MICROPY_MPYCROSS_BIN "${K210_DEPS_DIR}/mpy-cross/build/mpy-cross")
if(NOT EXISTS "${MICROPY_MPYCROSS_BIN}")
    message(STATUS "deps: building mpy-cross")
    execute_process(
        COMMAND ${CMAKE_COMMAND} -E env MICROPY_GIT_TAG=v1.23.0 MICROPY_GIT_HASH=sdist
                make -C "${MICROPY_DIR}/mpy-cross" -j2 BUILD=${K210_DEPS_DIR}/mpy-cross/build
        RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "deps: building mpy-cross failed: ${err}")
    endif()
endif()
