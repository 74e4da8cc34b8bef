// qemu-system-riscv64 -machine virt as a K210 stand-in: addresses the QEMU_VIRT board uses.
#ifndef QEMU_VIRT_H
#define QEMU_VIRT_H

#define VIRT_TEST_BASE      (0x00100000u)   // sifive_test: 0x5555 pass, 0x3333|code<<16 fail, 0x7777 reset
#define VIRT_UART0_BASE     (0x10000000u)   // NS16550A
#define VIRT_UART0_IRQ      (10u)
#define VIRT_MTIME_HZ       (10000000u)     // ACLINT mtime runs at 10 MHz
// The storage images, put into RAM by the starter with -device loader (-m 256M):
#define VIRT_FLASH_BASE     (0x88000000u)   // 16 MiB SPI flash image
#define VIRT_SD_BASE        (0x89000000u)   // SD card image, BOARD_SD_DEFAULT_BYTES long
#define VIRT_RAM_BYTES_MIN  (256u * 1024 * 1024)

#endif
