// Mount table, current directory and path folding for the two FatFs volumes.
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "py/mpprint.h"
#include "py/mphal.h"

#include "vfs.h"
#include "diskio.h"

static FATFS fatfs[VFS_COUNT];
static bool mounted[VFS_COUNT];
static bool unmounted_by_script[VFS_COUNT];
static char cwd[VFS_PATH_MAX] = "/";
static int cwd_py = -1;             // vfs.h: the Python filesystem keeping the directory
static const char *const names[VFS_COUNT] = { "sd", "flash" };
static BYTE mkfs_work[FF_MAX_SS];

const char *vfs_mount_name(vfs_vol_t vol) {
    return names[vol];
}

bool vfs_is_mounted(vfs_vol_t vol) {
    return vol >= 0 && vol < VFS_COUNT && mounted[vol];
}

FATFS *vfs_fatfs(vfs_vol_t vol) {
    return &fatfs[vol];
}

static FRESULT format(vfs_vol_t vol) {
    char drive[3] = { (char)('0' + vol), ':', 0 };
    // SD: FAT32 when the card is large enough (FatFs picks FAT16 below ~64k clusters);
    // flash: 4 KiB sectors, one per cluster, FAT12/16.
    MKFS_PARM opt = { .fmt = FM_ANY | FM_SFD, .n_fat = 1, .align = 0, .n_root = 0, .au_size = 0 };
    return f_mkfs(drive, &opt, mkfs_work, sizeof(mkfs_work));
}

// A card whose first sector is all zeros was never formatted: safe to format. Anything else
// that FatFs cannot mount is left alone, so a damaged card is never wiped.
static bool blank(vfs_vol_t vol) {
    BYTE *sec = mkfs_work;
    if (disk_initialize((BYTE)vol) & STA_NOINIT || disk_read((BYTE)vol, sec, 0, 1) != RES_OK) {
        return false;
    }
    for (size_t i = 0; i < 512; i++) {
        if (sec[i] != 0) {
            return false;
        }
    }
    return true;
}

static void mount(vfs_vol_t vol) {
    char drive[3] = { (char)('0' + vol), ':', 0 };
    FRESULT res = f_mount(&fatfs[vol], drive, 1);
    if (res == FR_NO_FILESYSTEM && (vol == VFS_FLASH || blank(vol))) {
        mp_printf(&mp_plat_print, "k210: formatting /%s\n", names[vol]);
        res = format(vol);
        if (res == FR_OK) {
            res = f_mount(&fatfs[vol], drive, 1);
        }
    }
    mounted[vol] = res == FR_OK;
    if (!mounted[vol]) {
        f_unmount(drive);
        if (res == FR_NO_FILESYSTEM) {
            mp_printf(&mp_plat_print, "k210: /%s not mounted: no FAT filesystem on it (its first sector is no FAT boot "
                "sector or partition table); format it as FAT, or zero its first sector and the board formats it\n", names[vol]);
        } else if (!(vol == VFS_SD && res == FR_NOT_READY)) {
            mp_printf(&mp_plat_print, "k210: /%s not mounted: %s (FatFs error %d)\n", names[vol], vfs_strerror(res), (int)res);
        }
    }
}

void vfs_mount_all(void) {
    mount(VFS_FLASH);
    mount(VFS_SD);
    vfs_reset_cwd();
}

void vfs_reset_cwd(void) {
    // MaixPy starts in /sd when a card is there, else /flash; scripts rely on that.
    strcpy(cwd, mounted[VFS_SD] ? "/sd" : mounted[VFS_FLASH] ? "/flash" : "/");
    cwd_py = -1;
}

void vfs_unmount_all(void) {
    for (int v = 0; v < VFS_COUNT; v++) {
        if (mounted[v]) {
            char drive[3] = { (char)('0' + v), ':', 0 };
            f_unmount(drive);
            mounted[v] = false;
        }
    }
}

void vfs_umount_volume(vfs_vol_t vol) {
    char drive[3] = { (char)('0' + vol), ':', 0 };
    // every write through FatFs ends with its sectors on the medium (f_close, f_sync, and each
    // directory call sync), and no file is open: nothing is left in the volume's window
    f_unmount(drive);
    mounted[vol] = false;
    unmounted_by_script[vol] = true;
    char mp[8];
    snprintf(mp, sizeof(mp), "/%s", names[vol]);
    if (cwd_py < 0 && vfs_cwd_within(mp)) {
        strcpy(cwd, "/");
    }
}

void vfs_remount_unmounted(void) {
    for (int v = 0; v < VFS_COUNT; v++) {
        if (unmounted_by_script[v]) {
            unmounted_by_script[v] = false;
            mount((vfs_vol_t)v);
        }
    }
}

// Folds path (relative to cwd) into an absolute, normalised path in out ("/" or "/a/b").
static int fold(const char *path, char *out, size_t len) {
    char buf[VFS_PATH_MAX * 2];
    size_t pl = strlen(path);
    if (pl >= VFS_PATH_MAX) {
        return -ENAMETOOLONG;
    }
    if (path[0] == '/') {
        memcpy(buf, path, pl + 1);
    } else {
        snprintf(buf, sizeof(buf), "%s/%s", cwd, path);
    }
    size_t o = 0;
    out[o++] = '/';
    char *save = NULL;
    for (char *seg = strtok_r(buf, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        if (strcmp(seg, ".") == 0) {
            continue;
        }
        if (strcmp(seg, "..") == 0) {
            while (o > 1 && out[o - 1] != '/') {
                o--;
            }
            if (o > 1) {
                o--;
            }
            continue;
        }
        size_t sl = strlen(seg);
        if (o + (o > 1) + sl + 1 > len) {
            return -ENAMETOOLONG;
        }
        if (o > 1) {
            out[o++] = '/';
        }
        memcpy(out + o, seg, sl);
        o += sl;
    }
    out[o] = 0;
    return 0;
}

int vfs_abspath(const char *path, char *out, size_t len) {
    return fold(path, out, len);
}

int vfs_resolve(const char *path, char *ff_path, size_t len, vfs_vol_t *vol) {
    int py;
    int r = vfs_resolve_any(path, ff_path, len, vol, &py);
    return r == 0 && *vol == VFS_PYTHON ? -EOPNOTSUPP : r;
}

// The path as given, for a Python filesystem that resolves it itself.
static int copy_raw(const char *path, char *ff_path, size_t len) {
    return (size_t)snprintf(ff_path, len, "%s", path) >= len ? -ENAMETOOLONG : 0;
}

int vfs_resolve_any(const char *path, char *ff_path, size_t len, vfs_vol_t *vol, int *py) {
    if (cwd_py >= 0 && path[0] != '/') {   // upstream: to the current filesystem, unchanged
        *vol = VFS_PYTHON;
        *py = cwd_py;
        return copy_raw(path, ff_path, len);
    }
    char abs[VFS_PATH_MAX];
    int r = fold(path, abs, sizeof(abs));
    if (r != 0) {
        return r;
    }
    const char *inner;
    *py = vfs_py_match(abs, &inner);
    if (*py >= 0) {
        *vol = VFS_PYTHON;
        if ((size_t)snprintf(ff_path, len, "%s", *inner ? inner : "/") >= len) {
            return -ENAMETOOLONG;
        }
        return 0;
    }
    if (strcmp(abs, "/") == 0) {
        *vol = VFS_ROOT;
        snprintf(ff_path, len, "/");
        return 0;
    }
    for (int v = 0; v < VFS_COUNT; v++) {
        size_t nl = strlen(names[v]);
        if (strncmp(abs + 1, names[v], nl) == 0 && (abs[1 + nl] == 0 || abs[1 + nl] == '/')) {
            if (!mounted[v]) {
                return -ENODEV;
            }
            *vol = (vfs_vol_t)v;
            const char *rest = abs + 1 + nl;
            if ((size_t)snprintf(ff_path, len, "%d:%s", v, *rest ? rest : "/") >= len) {
                return -ENAMETOOLONG;
            }
            return 0;
        }
    }
    *py = vfs_py_root();
    if (*py >= 0) {   // what no mount point takes is the root filesystem's (upstream's order)
        *vol = VFS_PYTHON;
        return copy_raw(path[0] != '/' && strcmp(cwd, "/") == 0 ? path : abs, ff_path, len);
    }
    return -ENOENT;
}

const char *vfs_getcwd(void) {
    return cwd;
}

int vfs_cwd_py(void) {
    return cwd_py;
}

bool vfs_cwd_within(const char *abs) {
    size_t n = strlen(abs);
    return strncmp(cwd, abs, n) == 0 && (cwd[n] == 0 || cwd[n] == '/');
}

int vfs_chdir(const char *path) {
    char abs[VFS_PATH_MAX];
    int r = fold(path, abs, sizeof(abs));
    if (r != 0) {
        return r;
    }
    char ff_path[VFS_PATH_MAX];
    vfs_vol_t vol;
    int py;
    r = vfs_resolve_any(path, ff_path, sizeof(ff_path), &vol, &py);
    if (r != 0) {
        return r;
    }
    bool keeps_own = false;
    if (vol == VFS_PYTHON) {
        r = vfs_py_chdir(py, ff_path, &keeps_own);   // the filesystem checks it (it may raise)
        if (r != 0) {
            return r;
        }
    } else if (vol == VFS_ROOT && vfs_py_root() >= 0) {
        // upstream: a filesystem mounted at "/" starts relative paths from its root again
        vfs_py_chdir(vfs_py_root(), "/", &keeps_own);
        keeps_own = false;
    } else if (vol != VFS_ROOT && strlen(ff_path) > 3) {   // the root of a volume always exists
        FILINFO fno;
        FRESULT res = f_stat(ff_path, &fno);
        if (res != FR_OK) {
            return -vfs_errno(res);
        }
        if (!(fno.fattrib & AM_DIR)) {
            return -ENOTDIR;
        }
    }
    strcpy(cwd, abs);
    cwd_py = keeps_own ? py : -1;
    return 0;
}

int vfs_errno(FRESULT res) {
    switch (res) {
        case FR_OK: return 0;
        case FR_NO_FILE:
        case FR_NO_PATH: return ENOENT;
        case FR_INVALID_NAME: return EINVAL;
        case FR_DENIED: return EACCES;
        case FR_EXIST: return EEXIST;
        case FR_WRITE_PROTECTED: return EROFS;
        case FR_INVALID_DRIVE:
        case FR_NOT_ENABLED:
        case FR_NO_FILESYSTEM:
        case FR_NOT_READY: return ENODEV;
        case FR_INVALID_OBJECT: return EBADF;
        case FR_LOCKED: return EBUSY;
        case FR_TOO_MANY_OPEN_FILES: return EMFILE;
        case FR_NOT_ENOUGH_CORE: return ENOMEM;
        case FR_INVALID_PARAMETER: return EINVAL;
        case FR_TIMEOUT: return ETIMEDOUT;
        default: return EIO;   // FR_DISK_ERR, FR_INT_ERR, FR_MKFS_ABORTED
    }
}

// What went wrong, for messages: libc's strerror has the text of every errno (3 KB of tables on
// the K210 boards); the few results FatFs gives need these.
const char *vfs_strerror(FRESULT res) {
    switch (res) {
        case FR_OK: return "no error";
        case FR_NO_FILE:
        case FR_NO_PATH: return "No such file or directory";
        case FR_INVALID_NAME:
        case FR_INVALID_PARAMETER: return "Invalid argument";
        case FR_DENIED: return "Permission denied";
        case FR_EXIST: return "File exists";
        case FR_WRITE_PROTECTED: return "Read-only file system";
        case FR_INVALID_DRIVE:
        case FR_NOT_ENABLED:
        case FR_NO_FILESYSTEM:
        case FR_NOT_READY: return "No such device";
        case FR_INVALID_OBJECT: return "Bad file number";
        case FR_LOCKED: return "Device or resource busy";
        case FR_TOO_MANY_OPEN_FILES: return "Too many open files";
        case FR_NOT_ENOUGH_CORE: return "Not enough memory";
        case FR_TIMEOUT: return "Timed out";
        default: return "I/O error";
    }
}
