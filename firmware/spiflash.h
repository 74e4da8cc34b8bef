// Raw NOR flash seam: firmware/sim/ keeps it in an image file, firmware/k210/ drives SPI3.
// NOR semantics on both: erase sets a 4 KiB sector to 0xFF, program only clears bits.
#ifndef K210_SPIFLASH_H
#define K210_SPIFLASH_H

#include <stddef.h>
#include <stdint.h>

int spiflash_init(void);                                             // 0 or -errno
size_t spiflash_size(void);
int spiflash_read(uint32_t offset, void *buf, size_t n);             // 0 or -errno
// A read in the background (the weights a streamed model reads while the KPU runs, kpu_stream.h):
// start, then wait; 0 or -errno. A K210 board reads by quad SPI and DMA; the simulated board and
// QEMU read at start and report at wait.
int spiflash_read_start(uint32_t offset, void *buf, size_t n);
int spiflash_read_wait(void);
int spiflash_erase_sector(uint32_t offset);                          // offset 4 KiB aligned
int spiflash_program(uint32_t offset, const void *data, size_t n);   // within one 256 B page

#endif
