// The 16 MiB SPI NOR flash as flash.img in the state directory (a new image is all 0xFF).
// Programming ANDs data into the image, as NOR cells can only go from 1 to 0.
#include <errno.h>
#include <unistd.h>

#include "board.h"
#include "flash_layout.h"
#include "sim.h"
#include "spiflash.h"

static int fd = -1;

int spiflash_init(void) {
    if (fd >= 0) {
        return 0;
    }
    size_t actual;
    fd = sim_open_image("flash.img", BOARD_FLASH_BYTES, 0xFF, &actual);
    if (fd < 0) {
        return fd;
    }
    if (actual != BOARD_FLASH_BYTES) {
        close(fd);
        fd = -1;
        return -EIO;
    }
    return 0;
}

size_t spiflash_size(void) {
    return spiflash_init() == 0 ? BOARD_FLASH_BYTES : 0;
}

static int in_range(uint32_t offset, size_t n) {
    return spiflash_init() == 0 && offset <= BOARD_FLASH_BYTES && n <= BOARD_FLASH_BYTES - offset;
}

int spiflash_read(uint32_t offset, void *buf, size_t n) {
    if (!in_range(offset, n)) {
        return -EINVAL;
    }
    return pread(fd, buf, n, offset) == (ssize_t)n ? 0 : -EIO;
}

int spiflash_erase_sector(uint32_t offset) {
    if (offset % FLASH_SECTOR_BYTES || !in_range(offset, FLASH_SECTOR_BYTES)) {
        return -EINVAL;
    }
    uint8_t ff[FLASH_SECTOR_BYTES];
    for (size_t i = 0; i < sizeof(ff); i++) {
        ff[i] = 0xFF;
    }
    return pwrite(fd, ff, sizeof(ff), offset) == (ssize_t)sizeof(ff) ? 0 : -EIO;
}

int spiflash_program(uint32_t offset, const void *data, size_t n) {
    if (!in_range(offset, n) || offset / FLASH_PAGE_BYTES != (offset + n - 1) / FLASH_PAGE_BYTES) {
        return -EINVAL;
    }
    uint8_t page[FLASH_PAGE_BYTES];
    if (pread(fd, page, n, offset) != (ssize_t)n) {
        return -EIO;
    }
    const uint8_t *src = data;
    for (size_t i = 0; i < n; i++) {
        page[i] &= src[i];
    }
    return pwrite(fd, page, n, offset) == (ssize_t)n ? 0 : -EIO;
}
