// Storage for C code that is not Python-facing (the kpu model sources, os.rename): atomic
// groups of /flash changes and the raw SPI flash. Every call returns 0 or a negative errno.
#ifndef K210_STORAGE_H
#define K210_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// The /flash changes made between begin and end land all or none, even across a power cut
// (os.rename over an existing file: unlink + rename). Calls nest; end(false) drops the changes.
// At most FJ_SLOTS (6) distinct 4 KiB blocks may change in between; more fail with -ENOSPC.
void storage_flash_atomic_begin(void);
int storage_flash_atomic_end(bool commit);    // 0 or -errno; the changes are dropped on error

// Raw SPI flash (16 MiB on every Maix board; erased bytes read 0xFF).
size_t flash_size(void);
int flash_read(uint32_t offset, void *buf, size_t n);

#endif
