# Cross toolchain for the K210 boards and QEMU_VIRT: Debian's riscv64-unknown-elf-gcc with picolibc.
# rv64imafdc/lp64d (the K210 has the D extension); medany because SRAM sits at 0x80000000.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_OBJCOPY riscv64-unknown-elf-objcopy CACHE FILEPATH "objcopy for the cross build")
set(CMAKE_SIZE riscv64-unknown-elf-size CACHE FILEPATH "size for the cross build")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)   # no board to link a test program for
set(K210_ARCH_FLAGS -march=rv64imafdc -mabi=lp64d -mcmodel=medany --specs=picolibc.specs)
list(JOIN K210_ARCH_FLAGS " " _k210_arch)
set(CMAKE_C_FLAGS_INIT "${_k210_arch}")
set(CMAKE_ASM_FLAGS_INIT "${_k210_arch}")
# CMAKE_C_FLAGS is on the link line too (picolibc.specs must appear only once)
