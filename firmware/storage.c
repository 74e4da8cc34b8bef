// storage.h for C callers: /flash atomic groups and the raw SPI flash, without Python objects.
#include <errno.h>

#include "flash_journal.h"
#include "storage.h"
#include "vfs.h"

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
