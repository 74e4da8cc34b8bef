// SD card seam (512-byte blocks): firmware/sim/ uses an image file, firmware/k210/ SPI mode.
#ifndef K210_SDCARD_H
#define K210_SDCARD_H

#include <stdint.h>

int sdcard_init(void);                                          // 0, -ENODEV (no card), -EIO
uint32_t sdcard_block_count(void);
int sdcard_read(uint32_t lba, void *buf, uint32_t count);       // 0 or -errno
int sdcard_write(uint32_t lba, const void *buf, uint32_t count);
int sdcard_sync(void);

#endif
