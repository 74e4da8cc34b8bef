// The SD card as sd.img in the state directory; a new image is a blank (all-zero, sparse) card.
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "sdcard.h"
#include "sim.h"

static int fd = -1;
static uint32_t blocks;

int sdcard_init(void) {
    if (fd >= 0) {
        return 0;
    }
    if (sim_config.no_sd) {
        return -ENODEV;
    }
    size_t actual;
    fd = sim_open_image("sd.img", sim_config.sd_bytes, 0, &actual);
    if (fd < 0) {
        return -ENODEV;
    }
    blocks = (uint32_t)(actual / 512);
    if (blocks == 0) {
        fprintf(stderr, "k210-sim: SD card image %s/sd.img is empty: delete it to get a new blank card\n", sim_config.state_dir);
        close(fd);
        fd = -1;
        return -EIO;
    }
    return 0;
}

uint32_t sdcard_block_count(void) {
    return blocks;
}

static int in_range(uint32_t lba, uint32_t count) {
    return fd >= 0 && lba <= blocks && count <= blocks - lba;
}

int sdcard_read(uint32_t lba, void *buf, uint32_t count) {
    if (!in_range(lba, count)) {
        return -EINVAL;
    }
    size_t n = (size_t)count * 512;
    return pread(fd, buf, n, (off_t)lba * 512) == (ssize_t)n ? 0 : -EIO;
}

int sdcard_write(uint32_t lba, const void *buf, uint32_t count) {
    if (!in_range(lba, count)) {
        return -EINVAL;
    }
    size_t n = (size_t)count * 512;
    return pwrite(fd, buf, n, (off_t)lba * 512) == (ssize_t)n ? 0 : -EIO;
}

int sdcard_sync(void) {
    return fd >= 0 ? 0 : -EIO;   // pwrite is visible to the next open at once: nothing to flush
}
