// The kpu core's flash source (modules/kpu/core/kpu_source.h): a model at a raw offset of the
// SPI flash (kflash writes them there, usually from 0x300000).
#include <stdio.h>
#include <string.h>

#include "kpu_source.h"
#include "spiflash.h"
#include "storage.h"

static int flash_src_read(kmodel_src_t *s, uint32_t off, void *buf, size_t n) {
    return flash_read(s->base + off, buf, n);
}

// Streamed weights (kpu_stream.h) are read during a forward by the flash's background reader:
// quad SPI and DMA on a K210 board (the KPU runs meanwhile), at once on the simulated board and QEMU.
static int flash_stream_start(uint32_t addr, void *buf, size_t n) {
    return spiflash_read_start(addr, buf, n);
}

static int flash_stream_wait(void) {
    return spiflash_read_wait();
}

int kpu_source_with_flash(uint32_t offset, uint32_t max_size, kpu_source_use_t use, void *ctx, kmodel_err_t *e) {
    char name[32];
    snprintf(name, sizeof(name), "0x%lx", (unsigned long)offset);
    size_t total = flash_size();
    if (offset == 0 || offset >= total) {
        return kmodel_fail(e, KMODEL_EVALUE, 0,
            "kpu.load(0x%lx): flash offset must be > 0 and below the flash size 0x%lx (models usually start at 0x300000)",
            (unsigned long)offset, (unsigned long)total);
    }
    uint32_t avail = (uint32_t)(total - offset);
    if (max_size != 0) {
        if (max_size > avail) {
            return kmodel_fail(e, KMODEL_EVALUE, 0, "kpu.load(0x%lx): size=%lu runs past the end of the %lu B flash",
                (unsigned long)offset, (unsigned long)max_size, (unsigned long)total);
        }
        avail = max_size;
    }
    kmodel_src_t src = { .read = flash_src_read, .size = avail, .base = offset, .is_flash = true, .name = name,
        .stream_start = flash_stream_start, .stream_wait = flash_stream_wait };
    return use(&src, ctx, e);
}
