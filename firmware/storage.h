// Storage for C code that is not Python-facing (the kpu loader): files through the VFS
// (/sd, /flash, relative to the current directory) and the raw SPI flash.
// Every call returns 0 or a negative errno (-ENOENT, -EISDIR, -EIO ...), never raises.
#ifndef K210_STORAGE_H
#define K210_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int storage_file_size(const char *path, size_t *size);
// Reads up to n bytes at offset and returns how many were read (fewer at end of file, so a
// caller can accept files a few bytes short), or a negative errno.
long storage_file_read(const char *path, size_t offset, void *buf, size_t n);

// The /flash changes made between begin and end land all or none, even across a power cut
// (os.rename over an existing file: unlink + rename). Calls nest; end(false) drops the changes.
// At most FJ_SLOTS (6) distinct 4 KiB blocks may change in between; more fail with -ENOSPC.
void storage_flash_atomic_begin(void);
int storage_flash_atomic_end(bool commit);    // 0 or -errno; the changes are dropped on error

// Raw SPI flash (16 MiB on every Maix board; erased bytes read 0xFF).
size_t flash_size(void);
int flash_read(uint32_t offset, void *buf, size_t n);

#endif
