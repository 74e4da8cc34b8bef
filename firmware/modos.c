// The os module over the two FatFs volumes (the sdist has no extmod/vfs).
#include <errno.h>
#include <string.h>

#include "py/runtime.h"
#include "py/objstr.h"
#include "py/objtuple.h"
#include "py/mperrno.h"
#include "genhdr/mpversion.h"
#include "shared/timeutils/timeutils.h"

#include "storage.h"
#include "vfs.h"
#include "vfs_py.h"

#define MODE_DIR  (0x4000)
#define MODE_FILE (0x8000)

// A path argument as a C string; a NUL inside would silently name another file (file.c uses it too).
const char *os_path_str(mp_obj_t path_in) {
    size_t len;
    const char *path = mp_obj_str_get_data(path_in, &len);
    if (strlen(path) != len) {
        mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("path '%s...' has an embedded NUL byte"), path);
    }
    return path;
}

// Resolves a Python path argument or raises OSError; *py is the slot of a Python filesystem.
static vfs_vol_t resolve_any(mp_obj_t path_in, char *ff_path, int *py) {
    vfs_vol_t vol;
    int r = vfs_resolve_any(os_path_str(path_in), ff_path, VFS_PATH_MAX, &vol, py);
    if (r != 0) {
        mp_raise_OSError(-r);
    }
    return vol;
}

// The operations below take this path when the file is inside a Python filesystem: its own
// method gets the path inside it.
#define PY_FORWARD(meth, path_in, n_extra, extra) \
    char ff_path[VFS_PATH_MAX]; \
    int py; \
    vfs_vol_t vol = resolve_any(path_in, ff_path, &py); \
    if (vol == VFS_PYTHON) { \
        return vfs_py_call(py, meth, ff_path, n_extra, extra); \
    }

// The same, for calls that must not reach a Python filesystem's own root: its mount point is
// no directory of the filesystem to create or remove (err, as for "/sd").
#define PY_FORWARD_NOT_ROOT(meth, path_in, err) \
    char ff_path[VFS_PATH_MAX]; \
    int py; \
    vfs_vol_t vol = resolve_any(path_in, ff_path, &py); \
    if (vol == VFS_PYTHON) { \
        if (strcmp(ff_path, "/") == 0) { \
            mp_raise_OSError(err); \
        } \
        return vfs_py_call(py, meth, ff_path, 0, NULL); \
    }

static void check(FRESULT res) {
    if (res != FR_OK) {
        mp_raise_OSError(vfs_errno(res));
    }
}

static bool is_volume_root(const char *ff_path) {
    return strlen(ff_path) <= 3;   // "0:/"
}

static mp_obj_t os_getcwd(void) {
    if (vfs_cwd_py() >= 0) {
        return vfs_py_getcwd(vfs_cwd_py());
    }
    return mp_obj_new_str(vfs_getcwd(), strlen(vfs_getcwd()));
}
static MP_DEFINE_CONST_FUN_OBJ_0(os_getcwd_obj, os_getcwd);

static mp_obj_t os_chdir(mp_obj_t path_in) {
    int r = vfs_chdir(os_path_str(path_in));
    if (r != 0) {
        mp_raise_OSError(-r);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_chdir_obj, os_chdir);

// Appends what fs.ilistdir(inner) yields (names only, or the entries).
static void append_py_entries(mp_obj_t list, int py, const char *inner, bool names_only) {
    mp_obj_t it = mp_getiter(vfs_py_call(py, MP_QSTR_ilistdir, inner, 0, NULL), NULL);
    for (mp_obj_t e; (e = mp_iternext(it)) != MP_OBJ_STOP_ITERATION;) {
        mp_obj_list_append(list, names_only ? mp_obj_subscr(e, MP_OBJ_NEW_SMALL_INT(0), MP_OBJ_SENTINEL) : e);
    }
}

// One (name, type, inode, size) tuple per entry: what ilistdir yields and listdir/stat build on.
static mp_obj_t entries(mp_obj_t path_in, bool names_only) {
    char ff_path[VFS_PATH_MAX];
    int py;
    vfs_vol_t vol = resolve_any(path_in, ff_path, &py);
    mp_obj_t list = mp_obj_new_list(0, NULL);
    if (vol == VFS_PYTHON) {
        append_py_entries(list, py, ff_path, names_only);
        return list;
    }
    // mount points, as upstream lists them: (name, type, inode)
    if (vol == VFS_ROOT) {
        for (int i = 0; i < VFS_PY_MAX; i++) {
            const char *n = vfs_py_name(i);
            if (n != NULL && n[0] != 0) {
                mp_obj_t name = mp_obj_new_str(n, strlen(n));
                mp_obj_t t[3] = { name, MP_OBJ_NEW_SMALL_INT(MODE_DIR), MP_OBJ_NEW_SMALL_INT(0) };
                mp_obj_list_append(list, names_only ? name : mp_obj_new_tuple(3, t));
            }
        }
        for (int v = 0; v < VFS_COUNT; v++) {
            if (vfs_is_mounted((vfs_vol_t)v)) {
                const char *n = vfs_mount_name((vfs_vol_t)v);
                mp_obj_t name = mp_obj_new_str(n, strlen(n));
                mp_obj_t t[3] = { name, MP_OBJ_NEW_SMALL_INT(MODE_DIR), MP_OBJ_NEW_SMALL_INT(0) };
                mp_obj_list_append(list, names_only ? name : mp_obj_new_tuple(3, t));
            }
        }
        if (vfs_py_root() >= 0) {   // then the entries of a filesystem mounted at "/"
            append_py_entries(list, vfs_py_root(), "/", names_only);
        }
        return list;
    }
    DIR dir;
    FILINFO fno;
    FRESULT opened = f_opendir(&dir, ff_path);
    if (opened == FR_NO_PATH && f_stat(ff_path, &fno) == FR_OK && !(fno.fattrib & AM_DIR)) {
        mp_raise_OSError(MP_ENOTDIR);   // FatFs says "no path" for a file
    }
    check(opened);
    for (;;) {
        FRESULT res = f_readdir(&dir, &fno);
        if (res != FR_OK) {
            f_closedir(&dir);
            check(res);
        }
        if (fno.fname[0] == 0) {
            break;
        }
        mp_obj_t name = mp_obj_new_str(fno.fname, strlen(fno.fname));
        if (names_only) {
            mp_obj_list_append(list, name);
        } else {
            mp_obj_t t[4] = {
                name,
                MP_OBJ_NEW_SMALL_INT((fno.fattrib & AM_DIR) ? MODE_DIR : MODE_FILE),
                MP_OBJ_NEW_SMALL_INT(0),
                mp_obj_new_int_from_uint(fno.fsize),
            };
            mp_obj_list_append(list, mp_obj_new_tuple(4, t));
        }
    }
    f_closedir(&dir);
    return list;
}

// No argument: the current directory, as upstream's "" (a filesystem keeping its own directory
// gets it unchanged). (MP_QSTR__dot_ is the qstr "_dot_", not ".")
static mp_obj_t default_path(size_t n_args, const mp_obj_t *args) {
    return n_args > 0 ? args[0] : MP_OBJ_NEW_QSTR(MP_QSTR_);
}

static mp_obj_t os_listdir(size_t n_args, const mp_obj_t *args) {
    return entries(default_path(n_args, args), true);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(os_listdir_obj, 0, 1, os_listdir);

static mp_obj_t os_ilistdir(size_t n_args, const mp_obj_t *args) {
    return mp_getiter(entries(default_path(n_args, args), false), NULL);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(os_ilistdir_obj, 0, 1, os_ilistdir);

static mp_obj_t os_stat(mp_obj_t path_in) {
    PY_FORWARD(MP_QSTR_stat, path_in, 0, NULL);
    mp_int_t mode = MODE_DIR;
    mp_uint_t size = 0, mtime = 0;
    if (vol != VFS_ROOT && !is_volume_root(ff_path)) {
        FILINFO fno;
        check(f_stat(ff_path, &fno));
        mode = (fno.fattrib & AM_DIR) ? MODE_DIR : MODE_FILE;
        size = fno.fsize;
        mtime = timeutils_seconds_since_epoch(
            1980 + ((fno.fdate >> 9) & 0x7f), (fno.fdate >> 5) & 0x0f, fno.fdate & 0x1f,
            (fno.ftime >> 11) & 0x1f, (fno.ftime >> 5) & 0x3f, 2 * (fno.ftime & 0x1f));
    }
    mp_obj_t t[10] = {
        MP_OBJ_NEW_SMALL_INT(mode), MP_OBJ_NEW_SMALL_INT(0), MP_OBJ_NEW_SMALL_INT(0),
        MP_OBJ_NEW_SMALL_INT(0), MP_OBJ_NEW_SMALL_INT(0), MP_OBJ_NEW_SMALL_INT(0),
        mp_obj_new_int_from_uint(size), mp_obj_new_int_from_uint(mtime),
        mp_obj_new_int_from_uint(mtime), mp_obj_new_int_from_uint(mtime),
    };
    return mp_obj_new_tuple(10, t);
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_stat_obj, os_stat);

static mp_obj_t os_statvfs(mp_obj_t path_in) {
    PY_FORWARD(MP_QSTR_statvfs, path_in, 0, NULL);
    if (vol == VFS_ROOT && vfs_py_root() >= 0) {   // "/" is the root filesystem's, as upstream
        return vfs_py_call(vfs_py_root(), MP_QSTR_statvfs, "/", 0, NULL);
    }
    mp_uint_t bsize = 0, blocks = 0, bfree = 0;
    if (vol != VFS_ROOT) {
        FATFS *fs;
        DWORD free_clusters;
        check(f_getfree(ff_path, &free_clusters, &fs));
        #if FF_MAX_SS != FF_MIN_SS
        bsize = (mp_uint_t)fs->csize * fs->ssize;
        #else
        bsize = (mp_uint_t)fs->csize * FF_MIN_SS;
        #endif
        blocks = fs->n_fatent - 2;
        bfree = free_clusters;
    }
    mp_obj_t t[10] = {
        mp_obj_new_int_from_uint(bsize), mp_obj_new_int_from_uint(bsize),
        mp_obj_new_int_from_uint(blocks), mp_obj_new_int_from_uint(bfree),
        mp_obj_new_int_from_uint(bfree), MP_OBJ_NEW_SMALL_INT(0), MP_OBJ_NEW_SMALL_INT(0),
        MP_OBJ_NEW_SMALL_INT(0), MP_OBJ_NEW_SMALL_INT(0), MP_OBJ_NEW_SMALL_INT(FF_MAX_LFN),
    };
    return mp_obj_new_tuple(10, t);
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_statvfs_obj, os_statvfs);

// Creating or removing "/", "/sd" or "/flash" themselves is never possible.
static void refuse_mount_points(vfs_vol_t vol, const char *ff_path, int err) {
    if (vol == VFS_ROOT || is_volume_root(ff_path)) {
        mp_raise_OSError(err);
    }
}

static mp_obj_t os_mkdir(mp_obj_t path_in) {
    PY_FORWARD_NOT_ROOT(MP_QSTR_mkdir, path_in, MP_EEXIST);
    refuse_mount_points(vol, ff_path, MP_EEXIST);
    check(f_mkdir(ff_path));
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_mkdir_obj, os_mkdir);

// f_unlink removes files and empty directories alike; Python's remove/rmdir each take one kind.
static mp_obj_t remove_kind(mp_obj_t path_in, bool want_dir) {
    PY_FORWARD_NOT_ROOT(want_dir ? MP_QSTR_rmdir : MP_QSTR_remove, path_in, want_dir ? MP_EBUSY : MP_EISDIR);
    refuse_mount_points(vol, ff_path, want_dir ? MP_EBUSY : MP_EISDIR);
    FILINFO fno;
    check(f_stat(ff_path, &fno));
    bool is_dir = (fno.fattrib & AM_DIR) != 0;
    if (is_dir != want_dir) {
        mp_raise_OSError(want_dir ? MP_ENOTDIR : MP_EISDIR);
    }
    if (!is_dir) {
        file_check_unused(ff_path, os_path_str(path_in));
    }
    FRESULT res = f_unlink(ff_path);
    if (res == FR_DENIED && want_dir) {
        mp_raise_OSError(MP_ENOTEMPTY);
    }
    check(res);
    return mp_const_none;
}

static mp_obj_t os_remove(mp_obj_t path_in) {
    file_release_unreachable(os_path_str(path_in), false);
    return remove_kind(path_in, false);
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_remove_obj, os_remove);

static mp_obj_t os_rmdir(mp_obj_t path_in) {
    return remove_kind(path_in, true);
}
static MP_DEFINE_CONST_FUN_OBJ_1(os_rmdir_obj, os_rmdir);

// POSIX rename: an existing destination file is replaced.
static mp_obj_t rename(mp_obj_t old_in, mp_obj_t new_in);

static mp_obj_t os_rename(mp_obj_t old_in, mp_obj_t new_in) {
    file_release_unreachable(os_path_str(old_in), false);
    file_release_unreachable(os_path_str(new_in), false);
    return rename(old_in, new_in);
}

static mp_obj_t rename(mp_obj_t old_in, mp_obj_t new_in) {
    char old_path[VFS_PATH_MAX], new_path[VFS_PATH_MAX];
    int old_py, new_py;
    vfs_vol_t old_vol = resolve_any(old_in, old_path, &old_py);
    vfs_vol_t new_vol = resolve_any(new_in, new_path, &new_py);
    if (old_vol == VFS_PYTHON || new_vol == VFS_PYTHON) {
        if (old_vol != new_vol || old_py != new_py) {
            mp_raise_OSError(MP_EXDEV);
        }
        mp_obj_t extra = mp_obj_new_str(new_path, strlen(new_path));
        return vfs_py_call(old_py, MP_QSTR_rename, old_path, 1, &extra);
    }
    refuse_mount_points(old_vol, old_path, MP_EBUSY);
    refuse_mount_points(new_vol, new_path, MP_EBUSY);
    if (old_vol != new_vol) {
        mp_raise_OSError(MP_EXDEV);
    }
    FILINFO src, dst;
    check(f_stat(old_path, &src));
    if (strcmp(old_path, new_path) == 0) {
        return mp_const_none;
    }
    bool replace = f_stat(new_path, &dst) == FR_OK;
    if (!(src.fattrib & AM_DIR)) {
        file_check_unused(old_path, os_path_str(old_in));
    }
    if (replace && !(dst.fattrib & AM_DIR)) {
        file_check_unused(new_path, os_path_str(new_in));
    }
    if (replace) {
        if (dst.fattrib & AM_DIR) {
            mp_raise_OSError((src.fattrib & AM_DIR) ? MP_EEXIST : MP_EISDIR);
        }
        if (src.fattrib & AM_DIR) {
            mp_raise_OSError(MP_ENOTDIR);
        }
    }
    // unlink + rename as one change on /flash: a power cut leaves the old or the new file
    storage_flash_atomic_begin();
    FRESULT res = replace ? f_unlink(new_path) : FR_OK;
    if (res == FR_OK) {
        res = f_rename(old_path, new_path);
    }
    int r = storage_flash_atomic_end(res == FR_OK);
    check(res);
    if (r != 0) {
        mp_raise_OSError(-r);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_2(os_rename_obj, os_rename);

// FatFs writes through on f_sync/f_close; open files are synced by their own flush().
static mp_obj_t os_sync(void) {
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_0(os_sync_obj, os_sync);

static const qstr uname_fields[] = {
    MP_QSTR_sysname, MP_QSTR_nodename, MP_QSTR_release, MP_QSTR_version, MP_QSTR_machine
};
static MP_DEFINE_STR_OBJ(uname_sysname_obj, "k210");
static MP_DEFINE_STR_OBJ(uname_release_obj, MICROPY_VERSION_STRING);
static MP_DEFINE_STR_OBJ(uname_version_obj, "k210-kpu " K210_KPU_VERSION " on MicroPython " MICROPY_GIT_TAG);
static MP_DEFINE_STR_OBJ(uname_machine_obj, BOARD_MACHINE);
static MP_DEFINE_ATTRTUPLE(
    uname_info_obj, uname_fields, 5,
    MP_ROM_PTR(&uname_sysname_obj), MP_ROM_PTR(&uname_sysname_obj), MP_ROM_PTR(&uname_release_obj),
    MP_ROM_PTR(&uname_version_obj), MP_ROM_PTR(&uname_machine_obj)
    );

static mp_obj_t os_uname(void) {
    return MP_OBJ_FROM_PTR(&uname_info_obj);
}
static MP_DEFINE_CONST_FUN_OBJ_0(os_uname_obj, os_uname);

static const mp_rom_map_elem_t os_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_os) },
    { MP_ROM_QSTR(MP_QSTR_sep), MP_ROM_QSTR(MP_QSTR__slash_) },
    { MP_ROM_QSTR(MP_QSTR_getcwd), MP_ROM_PTR(&os_getcwd_obj) },
    { MP_ROM_QSTR(MP_QSTR_chdir), MP_ROM_PTR(&os_chdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_listdir), MP_ROM_PTR(&os_listdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_ilistdir), MP_ROM_PTR(&os_ilistdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_stat), MP_ROM_PTR(&os_stat_obj) },
    { MP_ROM_QSTR(MP_QSTR_statvfs), MP_ROM_PTR(&os_statvfs_obj) },
    { MP_ROM_QSTR(MP_QSTR_mkdir), MP_ROM_PTR(&os_mkdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_rmdir), MP_ROM_PTR(&os_rmdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_remove), MP_ROM_PTR(&os_remove_obj) },
    { MP_ROM_QSTR(MP_QSTR_rename), MP_ROM_PTR(&os_rename_obj) },
    { MP_ROM_QSTR(MP_QSTR_sync), MP_ROM_PTR(&os_sync_obj) },
    { MP_ROM_QSTR(MP_QSTR_uname), MP_ROM_PTR(&os_uname_obj) },
    { MP_ROM_QSTR(MP_QSTR_mount), MP_ROM_PTR(&vfs_py_mount_obj) },
    { MP_ROM_QSTR(MP_QSTR_umount), MP_ROM_PTR(&vfs_py_umount_obj) },
};
static MP_DEFINE_CONST_DICT(os_module_globals, os_module_globals_table);

const mp_obj_module_t k210_os_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&os_module_globals,
};

MP_REGISTER_EXTENSIBLE_MODULE(MP_QSTR_os, k210_os_module);
