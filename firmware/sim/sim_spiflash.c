// The 16 MiB SPI NOR flash as flash.img in the state directory (a new image is all 0xFF).
// Programming ANDs data into the image, as NOR cells can only go from 1 to 0.
// Fault injection (sim_config): --flash-cut-after N stops the Nth erase/program half done and
// exits like a power cut; --flash-log FILE records every erase/program for wear figures.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "flash_layout.h"
#include "sim.h"
#include "spiflash.h"

#define POWER_CUT_STATUS (75)

static int fd = -1;
static int log_fd = -1;
static long ops;    // erase/program operations since power-up

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
        fprintf(stderr, "k210-sim: %s/flash.img holds %zu bytes, not %u: delete it to start with a blank flash\n",
            sim_config.state_dir, actual, (unsigned)BOARD_FLASH_BYTES);
        close(fd);
        fd = -1;
        return -EIO;
    }
    if (sim_config.flash_log) {
        log_fd = open(sim_config.flash_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
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

// Counts one erase/program; returns how many of its n bytes reach the cells: all of them, or
// half when this is the operation the power cut falls on (the caller then calls power_cut()).
static size_t begin_op(char kind, uint32_t offset, size_t n) {
    ops++;
    if (log_fd >= 0) {
        char line[48];
        int len = snprintf(line, sizeof(line), "%c %u %zu\n", kind, (unsigned)offset, n);
        if (write(log_fd, line, (size_t)len) != len) {
            close(log_fd);
            log_fd = -1;
        }
    }
    return sim_config.flash_cut_after == ops ? n / 2 : n;
}

static void power_cut(void) {
    fprintf(stderr, "k210-sim: power cut during flash operation %ld\n", ops);
    _exit(POWER_CUT_STATUS);
}

int spiflash_erase_sector(uint32_t offset) {
    if (offset % FLASH_SECTOR_BYTES || !in_range(offset, FLASH_SECTOR_BYTES)) {
        return -EINVAL;
    }
    uint8_t ff[FLASH_SECTOR_BYTES];
    memset(ff, 0xFF, sizeof(ff));
    size_t done = begin_op('E', offset, sizeof(ff));
    if (pwrite(fd, ff, done, offset) != (ssize_t)done) {
        return -EIO;
    }
    if (done != sizeof(ff)) {
        power_cut();
    }
    return 0;
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
    size_t done = begin_op('P', offset, n);
    for (size_t i = 0; i < done; i++) {
        page[i] &= src[i];
    }
    if (pwrite(fd, page, done, offset) != (ssize_t)done) {
        return -EIO;
    }
    if (done != n) {
        power_cut();
    }
    return 0;
}
