// One "heap_size=<bytes>" line in /flash/machine.cfg; read before the GC heap exists, so FatFs
// is called directly and nothing is allocated.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"
#include "vfs.h"

size_t settings_heap_size(size_t fallback) {
    if (!vfs_is_mounted(VFS_FLASH)) {
        return fallback;
    }
    FIL fp;
    if (f_open(&fp, SETTINGS_PATH, FA_READ) != FR_OK) {
        return fallback;
    }
    char line[64] = { 0 };
    UINT got = 0;
    f_read(&fp, line, sizeof(line) - 1, &got);
    f_close(&fp);
    const char *key = "heap_size=";
    if (strncmp(line, key, strlen(key)) != 0) {
        return fallback;
    }
    char *end;
    unsigned long v = strtoul(line + strlen(key), &end, 10);
    return end == line + strlen(key) ? fallback : (size_t)v;
}

int settings_set_heap_size(size_t bytes) {
    if (!vfs_is_mounted(VFS_FLASH)) {
        return -ENODEV;
    }
    char line[64];
    int n = snprintf(line, sizeof(line), "heap_size=%lu\n", (unsigned long)bytes);
    FIL fp;
    FRESULT res = f_open(&fp, SETTINGS_PATH, FA_WRITE | FA_CREATE_ALWAYS);
    if (res != FR_OK) {
        return -vfs_errno(res);
    }
    UINT put = 0;
    res = f_write(&fp, line, n, &put);
    FRESULT cres = f_close(&fp);
    if (res != FR_OK || cres != FR_OK) {
        return -vfs_errno(res != FR_OK ? res : cres);
    }
    return put == (UINT)n ? 0 : -ENOSPC;
}
