// QEMU virt board (read by the C code and, for the memory split, by the linker script's preprocessor).
#define BOARD_NAME              "qemu-virt"
#define BOARD_MACHINE           "QEMU virt (rv64) running the K210 firmware with a behavioural KPU"
#define BOARD_POOL_UNCACHED     (0)                  // no 0x40000000 alias on virt (PCIe lives there)
#define BOARD_SD_DEFAULT_BYTES  (64 * 1024 * 1024)   // the RAM window at 0x89000000
#include "k210_board_defaults.h"
