// The kpu core's file source (modules/kpu/core/kpu_source.h): a model file on /sd or /flash
// read through the VFS and FatFs.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ff.h"
#include "kpu_source.h"
#include "vfs.h"

typedef struct {
    kmodel_src_t src;
    FIL fp;
    char name[64];
} file_src_t;

static int file_read(kmodel_src_t *s, uint32_t off, void *buf, size_t n) {
    file_src_t *f = s->ctx;
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

void kpu_source_release_writers(const char *path) {
    file_release_unreachable(path, true);
}

int kpu_source_with_file(const char *path, uint32_t max_size, kpu_source_use_t use, void *ctx, kmodel_err_t *e) {
    return kpu_source_with_file_for("kpu.load", path, max_size, use, ctx, e);
}

int kpu_source_with_file_for(const char *who, const char *path, uint32_t max_size, kpu_source_use_t use, void *ctx,
    kmodel_err_t *e) {
    file_src_t file, *f = &file;
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
        return kmodel_fail(e, KMODEL_EOS, r ? -r : EISDIR, "%s('%s'): %s", who, path,
            r == -EOPNOTSUPP ? "models load from /sd or /flash, not from a mounted Python filesystem; copy it there"
            : r ? "no such file (paths start with /sd or /flash)" : "is a directory; give the path of a file");
    }
    FRESULT res = file_open_for_reading(&f->fp, ff_path);
    if (res != FR_OK) {
        int err = vfs_errno(res);
        return kmodel_fail(e, KMODEL_EOS, err, "%s('%s'): cannot open: %s", who, path,
            err == ENOENT ? "no such file"
            : res == FR_LOCKED ? "a file object still has it open for writing; close it first" : vfs_strerror(res));
    }
    FSIZE_t size = f_size(&f->fp);
    if (max_size != 0) {
        if (max_size > size) {
            f_close(&f->fp);
            return kmodel_fail(e, KMODEL_EVALUE, 0, "%s('%s'): size=%lu is larger than the file (%lu B)",
                who, path, (unsigned long)max_size, (unsigned long)size);
        }
        size = max_size;
    }
    if (size > UINT32_MAX) {
        size = UINT32_MAX;
    }
    f->src = (kmodel_src_t) { .read = file_read, .size = (uint32_t)size, .name = f->name, .ctx = f };
    r = use(&f->src, ctx, e);
    f_close(&f->fp);
    return r;
}
