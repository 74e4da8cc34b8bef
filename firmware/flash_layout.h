// The 16 MiB SPI flash as every Maix board uses it (MaixPy's layout, so tools and habits carry over).
#ifndef K210_FLASH_LAYOUT_H
#define K210_FLASH_LAYOUT_H

#define FLASH_SECTOR_BYTES      (4096u)           // erase unit
#define FLASH_PAGE_BYTES        (256u)            // program unit
#define FLASH_FIRMWARE_OFFSET   (0x000000u)       // firmware image (kflash writes it here)
#define FLASH_MODELS_OFFSET     (0x300000u)       // first offset models usually go to
#define FLASH_FS_OFFSET         (0xD00000u)       // /flash filesystem
#define FLASH_FS_BYTES          (0x300000u)       // up to the end of 16 MiB
// The /flash journal (firmware/flash_journal.c): the 32 KiB just below the filesystem, so the FAT
// volume keeps its layout. Models must end before it (0xCF8000).
#define FLASH_JOURNAL_BYTES     (0x8000u)
#define FLASH_JOURNAL_OFFSET    (FLASH_FS_OFFSET - FLASH_JOURNAL_BYTES)

#endif
