// The QEMU_VIRT board's SD card and SPI flash: RAM windows the starter fills from image files
// (-device loader). The flash keeps NOR semantics like the simulated board: erase sets a 4 KiB
// sector to 0xFF, program only clears bits, within one 256 B page.
#include <errno.h>
#include <string.h>

#include "board.h"
#include "flash_layout.h"
#include "qemu_virt.h"
#include "sdcard.h"
#include "spiflash.h"

#define SD_BLOCKS ((uint32_t)(BOARD_SD_DEFAULT_BYTES / 512))

static uint8_t *sd(void) {
    return (uint8_t *)(uintptr_t)VIRT_SD_BASE;
}

static uint8_t *flash(void) {
    return (uint8_t *)(uintptr_t)VIRT_FLASH_BASE;
}

int sdcard_init(void) {
    return 0;
}

uint32_t sdcard_block_count(void) {
    return SD_BLOCKS;
}

static int sd_range(uint32_t lba, uint32_t count) {
    return lba <= SD_BLOCKS && count <= SD_BLOCKS - lba;
}

int sdcard_read(uint32_t lba, void *buf, uint32_t count) {
    if (!sd_range(lba, count)) {
        return -EINVAL;
    }
    memcpy(buf, sd() + (size_t)lba * 512, (size_t)count * 512);
    return 0;
}

int sdcard_write(uint32_t lba, const void *buf, uint32_t count) {
    if (!sd_range(lba, count)) {
        return -EINVAL;
    }
    memcpy(sd() + (size_t)lba * 512, buf, (size_t)count * 512);
    return 0;
}

int sdcard_sync(void) {
    return 0;
}

int spiflash_init(void) {
    return 0;
}

size_t spiflash_size(void) {
    return BOARD_FLASH_BYTES;
}

static int flash_range(uint32_t offset, size_t n) {
    return offset <= BOARD_FLASH_BYTES && n <= BOARD_FLASH_BYTES - offset;
}

int spiflash_read(uint32_t offset, void *buf, size_t n) {
    if (!flash_range(offset, n)) {
        return -EINVAL;
    }
    memcpy(buf, flash() + offset, n);
    return 0;
}

int spiflash_erase_sector(uint32_t offset) {
    if (offset % FLASH_SECTOR_BYTES || !flash_range(offset, FLASH_SECTOR_BYTES)) {
        return -EINVAL;
    }
    memset(flash() + offset, 0xFF, FLASH_SECTOR_BYTES);
    return 0;
}

int spiflash_program(uint32_t offset, const void *data, size_t n) {
    if (n == 0) {
        return 0;
    }
    if (!flash_range(offset, n) || offset / FLASH_PAGE_BYTES != (offset + n - 1) / FLASH_PAGE_BYTES) {
        return -EINVAL;
    }
    const uint8_t *src = data;
    for (size_t i = 0; i < n; i++) {
        flash()[offset + i] &= src[i];
    }
    return 0;
}
