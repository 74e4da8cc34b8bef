// kmodel sources: FatFs files and raw SPI flash offsets behind one read function.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kmodel_src.h"
#include "storage.h"
#include "vfs.h"

int kmodel_src_read_z(kmodel_src_t *s, uint32_t off, void *buf, size_t n) {
    size_t have = 0;
    if (off < s->size) {
        have = s->size - off < n ? s->size - off : n;
        int r = s->read(s, off, buf, have);
        if (r != 0) {
            return r;
        }
    }
    memset((uint8_t *)buf + have, 0, n - have);
    return 0;
}

static int file_read(kmodel_src_t *s, uint32_t off, void *buf, size_t n) {
    kmodel_file_src_t *f = s->ctx;
    if (f_tell(&f->fp) != off) {
        FRESULT res = f_lseek(&f->fp, off);
        if (res != FR_OK) {
            return -vfs_errno(res);
        }
    }
    UINT got;
    FRESULT res = f_read(&f->fp, buf, n, &got);
    if (res != FR_OK) {
        return -vfs_errno(res);
    }
    return got == n ? 0 : -EIO;
}

int kmodel_file_src_open(kmodel_file_src_t *f, const char *path, uint32_t max_size, kmodel_err_t *e) {
    memset(f, 0, sizeof(*f));
    snprintf(f->name, sizeof(f->name), "'%s'", path);
    char ff_path[VFS_PATH_MAX];
    vfs_vol_t vol;
    int r = vfs_resolve(path, ff_path, sizeof(ff_path), &vol);
    FILINFO fno;
    // a volume root ("0:/") or a directory: FatFs would say "invalid name" / "no file"
    bool is_dir = r == 0 && (vol == VFS_ROOT || strlen(ff_path) <= 3
        || (f_stat(ff_path, &fno) == FR_OK && (fno.fattrib & AM_DIR)));
    if (r != 0 || is_dir) {
        return kmodel_fail(e, KMODEL_EOS, r ? -r : EISDIR, "kpu.load('%s'): %s", path,
            r == -EOPNOTSUPP ? "models load from /sd or /flash, not from a mounted Python filesystem; copy it there"
            : r ? "no such file (paths start with /sd or /flash)" : "is a directory; give the path of a .kmodel file");
    }
    FRESULT res = file_open_for_reading(&f->fp, ff_path);
    if (res != FR_OK) {
        int err = vfs_errno(res);
        return kmodel_fail(e, KMODEL_EOS, err, "kpu.load('%s'): cannot open: %s", path,
            err == ENOENT ? "no such file"
            : res == FR_LOCKED ? "a file object still has it open for writing; close it first" : strerror(err));
    }
    f->open = true;
    FSIZE_t size = f_size(&f->fp);
    if (max_size != 0) {
        if (max_size > size) {
            kmodel_file_src_close(f);
            return kmodel_fail(e, KMODEL_EVALUE, 0, "kpu.load('%s'): size=%lu is larger than the file (%lu B)",
                path, (unsigned long)max_size, (unsigned long)size);
        }
        size = max_size;
    }
    if (size > UINT32_MAX) {
        size = UINT32_MAX;
    }
    f->src = (kmodel_src_t) { .read = file_read, .size = (uint32_t)size, .name = f->name, .ctx = f };
    return 0;
}

void kmodel_file_src_close(kmodel_file_src_t *f) {
    if (f->open) {
        f_close(&f->fp);
        f->open = false;
    }
}

static int flash_src_read(kmodel_src_t *s, uint32_t off, void *buf, size_t n) {
    return flash_read(s->base + off, buf, n);
}

int kmodel_flash_src_open(kmodel_flash_src_t *f, uint32_t offset, uint32_t max_size, kmodel_err_t *e) {
    memset(f, 0, sizeof(*f));
    snprintf(f->name, sizeof(f->name), "0x%lx", (unsigned long)offset);
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
    f->src = (kmodel_src_t) { .read = flash_src_read, .size = avail, .base = offset, .is_flash = true,
                              .name = f->name, .ctx = f };
    return 0;
}
