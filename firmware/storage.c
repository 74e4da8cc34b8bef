// storage.h for C callers (the kpu loader): files through the VFS path rules, without Python objects.
#include <errno.h>

#include "flash_journal.h"
#include "storage.h"
#include "vfs.h"

static int open_file(const char *path, FIL *fp) {
    char ff_path[VFS_PATH_MAX];
    vfs_vol_t vol;
    int r = vfs_resolve(path, ff_path, sizeof(ff_path), &vol);
    if (r != 0) {
        return r;
    }
    if (vol == VFS_ROOT) {
        return -EISDIR;
    }
    FILINFO fno;
    FRESULT res = f_stat(ff_path, &fno);
    if (res == FR_OK && (fno.fattrib & AM_DIR)) {
        return -EISDIR;
    }
    res = file_open_for_reading(fp, ff_path);
    return res == FR_OK ? 0 : -vfs_errno(res);
}

int storage_file_size(const char *path, size_t *size) {
    FIL fp;
    int r = open_file(path, &fp);
    if (r == 0) {
        *size = f_size(&fp);
        f_close(&fp);
    }
    return r;
}

long storage_file_read(const char *path, size_t offset, void *buf, size_t n) {
    FIL fp;
    int r = open_file(path, &fp);
    if (r != 0) {
        return r;
    }
    UINT got = 0;
    FRESULT res = f_lseek(&fp, offset);
    if (res == FR_OK) {
        res = f_read(&fp, buf, n, &got);
    }
    f_close(&fp);
    return res == FR_OK ? (long)got : -vfs_errno(res);
}

void storage_flash_atomic_begin(void) {
    fj_begin();
}

int storage_flash_atomic_end(bool commit) {
    int r = fj_end(commit);
    if (!commit || r != 0) {
        // FatFs's cached sector and free count describe the dropped changes: forget them.
        FATFS *fs = vfs_fatfs(VFS_FLASH);
        fs->winsect = (LBA_t)0 - 1;
        fs->wflag = 0;
        fs->free_clst = 0xFFFFFFFF;
    }
    return r;
}
