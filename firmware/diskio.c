// FatFs disk I/O: drive 0 is the SD card (512 B blocks), drive 1 the /flash region of the SPI
// flash (4 KiB blocks = erase blocks, each update made power-safe by flash_journal.c).
#include "ff.h"
#include "diskio.h"

#include "flash_journal.h"
#include "flash_layout.h"
#include "sdcard.h"
#include "spiflash.h"

enum { DRIVE_SD = 0, DRIVE_FLASH = 1 };
#define FS_BLOCK0 (FLASH_FS_OFFSET / FLASH_SECTOR_BYTES)

static DSTATUS status[2] = { STA_NOINIT, STA_NOINIT };

DSTATUS disk_initialize(BYTE pdrv) {
    if (pdrv == DRIVE_SD) {
        status[pdrv] = sdcard_init() == 0 ? 0 : STA_NOINIT | STA_NODISK;
    } else if (pdrv == DRIVE_FLASH) {
        // finishes a block update a power cut interrupted before FatFs reads anything
        status[pdrv] = spiflash_size() >= FLASH_FS_OFFSET + FLASH_FS_BYTES && fj_mount() == 0 ? 0 : STA_NOINIT;
    } else {
        return STA_NOINIT;
    }
    return status[pdrv];
}

DSTATUS disk_status(BYTE pdrv) {
    return pdrv < 2 ? status[pdrv] : STA_NOINIT;
}

DRESULT disk_read(BYTE pdrv, BYTE *buff, LBA_t sector, UINT count) {
    if (pdrv >= 2 || (status[pdrv] & STA_NOINIT)) {
        return RES_NOTRDY;
    }
    if (pdrv == DRIVE_SD) {
        return sdcard_read(sector, buff, count) == 0 ? RES_OK : RES_ERROR;
    }
    if ((uint64_t)(sector + count) * FLASH_SECTOR_BYTES > FLASH_FS_BYTES) {
        return RES_PARERR;
    }
    for (UINT i = 0; i < count; i++) {
        if (fj_read(FS_BLOCK0 + sector + i, buff + (size_t)i * FLASH_SECTOR_BYTES) != 0) {
            return RES_ERROR;
        }
    }
    return RES_OK;
}

DRESULT disk_write(BYTE pdrv, const BYTE *buff, LBA_t sector, UINT count) {
    if (pdrv >= 2 || (status[pdrv] & STA_NOINIT)) {
        return RES_NOTRDY;
    }
    if (pdrv == DRIVE_SD) {
        return sdcard_write(sector, buff, count) == 0 ? RES_OK : RES_ERROR;
    }
    if ((uint64_t)(sector + count) * FLASH_SECTOR_BYTES > FLASH_FS_BYTES) {
        return RES_PARERR;
    }
    for (UINT i = 0; i < count; i++) {
        if (fj_write(FS_BLOCK0 + sector + i, buff + (size_t)i * FLASH_SECTOR_BYTES) != 0) {
            return RES_ERROR;
        }
    }
    return RES_OK;
}

DRESULT disk_ioctl(BYTE pdrv, BYTE cmd, void *buff) {
    if (pdrv >= 2 || (status[pdrv] & STA_NOINIT)) {
        return RES_NOTRDY;
    }
    switch (cmd) {
        case CTRL_SYNC:
            return pdrv == DRIVE_SD && sdcard_sync() != 0 ? RES_ERROR : RES_OK;
        case GET_SECTOR_COUNT:
            *(LBA_t *)buff = pdrv == DRIVE_SD ? sdcard_block_count() : FLASH_FS_BYTES / FLASH_SECTOR_BYTES;
            return RES_OK;
        case GET_SECTOR_SIZE:
            *(WORD *)buff = pdrv == DRIVE_SD ? 512 : FLASH_SECTOR_BYTES;
            return RES_OK;
        case GET_BLOCK_SIZE:
            *(DWORD *)buff = 1;
            return RES_OK;
        default:
            return RES_PARERR;
    }
}
