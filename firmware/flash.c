// Ranged flash operations over spiflash.h; the public read lives in storage.h.
#include <errno.h>
#include <string.h>

#include "flash.h"
#include "flash_journal.h"
#include "flash_layout.h"
#include "spiflash.h"
#include "storage.h"

static uint8_t sector_buf[FLASH_SECTOR_BYTES];

size_t flash_size(void) {
    return spiflash_size();
}

int flash_check_range(uint32_t offset, size_t n) {
    size_t size = spiflash_size();
    if (offset > size || n > size - offset) {
        return -EINVAL;
    }
    return 0;
}

int flash_read(uint32_t offset, void *buf, size_t n) {
    if (flash_check_range(offset, n) != 0) {
        return -EINVAL;
    }
    return spiflash_read(offset, buf, n);
}

int flash_erase_range(uint32_t offset, size_t n) {
    if (flash_check_range(offset, n) != 0 || offset % FLASH_SECTOR_BYTES || n % FLASH_SECTOR_BYTES) {
        return -EINVAL;
    }
    for (size_t done = 0; done < n; done += FLASH_SECTOR_BYTES) {
        int r = spiflash_erase_sector(offset + done);
        if (r != 0) {
            return r;
        }
    }
    return 0;
}

int flash_program(uint32_t offset, const void *buf, size_t n) {
    const uint8_t *data = buf;
    while (n > 0) {
        size_t room = FLASH_PAGE_BYTES - offset % FLASH_PAGE_BYTES;
        size_t chunk = n < room ? n : room;
        int r = spiflash_program(offset, data, chunk);
        if (r != 0) {
            return r;
        }
        offset += chunk;
        data += chunk;
        n -= chunk;
    }
    return 0;
}

// True when programming new over old needs no erase (NOR programming only clears bits).
static int programmable(const uint8_t *old, const uint8_t *new, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if ((old[i] & new[i]) != new[i]) {
            return 0;
        }
    }
    return 1;
}

int flash_write_keep(uint32_t offset, const void *data, size_t n) {
    if (flash_check_range(offset, n) != 0) {
        return -EINVAL;
    }
    const uint8_t *src = data;
    while (n > 0) {
        uint32_t sector = offset - offset % FLASH_SECTOR_BYTES;
        size_t in_sector = offset - sector;
        size_t chunk = FLASH_SECTOR_BYTES - in_sector;
        if (chunk > n) {
            chunk = n;
        }
        int r = spiflash_read(sector, sector_buf, FLASH_SECTOR_BYTES);
        if (r != 0) {
            return r;
        }
        if (memcmp(sector_buf + in_sector, src, chunk) != 0) {
            int in_journal = sector >= FLASH_JOURNAL_OFFSET && sector < FLASH_JOURNAL_OFFSET + FLASH_JOURNAL_BYTES;
            if (programmable(sector_buf + in_sector, src, chunk)) {
                r = flash_program(offset, src, chunk);
            } else if (chunk == FLASH_SECTOR_BYTES || in_journal) {
                // No neighbour to keep (a cut loses only bytes this call was replacing anyway),
                // or a write over the journal itself, which cannot go through the journal.
                memcpy(sector_buf + in_sector, src, chunk);
                r = spiflash_erase_sector(sector);
                if (r == 0) {
                    r = flash_program(sector, sector_buf, FLASH_SECTOR_BYTES);
                }
            } else {
                // The bytes kept around the write survive a power cut through the journal.
                memcpy(sector_buf + in_sector, src, chunk);
                r = fj_write(sector / FLASH_SECTOR_BYTES, sector_buf);
            }
            if (r != 0) {
                return r;
            }
        }
        offset += chunk;
        src += chunk;
        n -= chunk;
    }
    return 0;
}
