// Storage for C code that is not Python-facing (the kpu loader): files through the VFS
// (/sd, /flash, relative to the current directory) and the raw SPI flash.
// Every call returns 0 or a negative errno (-ENOENT, -EISDIR, -EIO ...), never raises.
#ifndef K210_STORAGE_H
#define K210_STORAGE_H

#include <stddef.h>
#include <stdint.h>

int storage_file_size(const char *path, size_t *size);
// Reads up to n bytes at offset and returns how many were read (fewer at end of file, so a
// caller can accept files a few bytes short), or a negative errno.
long storage_file_read(const char *path, size_t offset, void *buf, size_t n);

// Raw SPI flash (16 MiB on every Maix board; erased bytes read 0xFF).
size_t flash_size(void);
int flash_read(uint32_t offset, void *buf, size_t n);

#endif
