// The mount table of Python filesystems, os.mount/os.umount and the vfs module.
#include <stdarg.h>
#include <string.h>

#include "py/runtime.h"
#include "py/mperrno.h"
#include "py/objstr.h"
#include "py/builtin.h"

#include "vfs.h"
#include "vfs_py.h"

// Slot i: the filesystem object and its mount point ("/remote"), both reachable through the
// root pointers so the GC keeps them.
MP_REGISTER_ROOT_POINTER(mp_obj_t k210_vfs_py_fs[VFS_PY_MAX]);
MP_REGISTER_ROOT_POINTER(mp_obj_t k210_vfs_py_path[VFS_PY_MAX]);

void vfs_py_init(void) {
    for (int i = 0; i < VFS_PY_MAX; i++) {
        MP_STATE_VM(k210_vfs_py_fs)[i] = MP_OBJ_NULL;
        MP_STATE_VM(k210_vfs_py_path)[i] = MP_OBJ_NULL;
    }
}

NORETURN void vfs_raise_oserror(int err, const char *fmt, ...) {
    vstr_t v;
    vstr_init(&v, 64);
    va_list ap;
    va_start(ap, fmt);
    mp_print_t print = { &v, (mp_print_strn_t)vstr_add_strn };
    mp_vprintf(&print, fmt, ap);
    va_end(ap);
    mp_obj_t args[2] = { MP_OBJ_NEW_SMALL_INT(err), mp_obj_new_str_from_vstr(&v) };
    nlr_raise(mp_obj_exception_make_new(&mp_type_OSError, 2, 0, args));
}

const char *vfs_py_name(int py) {
    mp_obj_t p = MP_STATE_VM(k210_vfs_py_path)[py];
    return p == MP_OBJ_NULL ? NULL : mp_obj_str_get_str(p) + 1;
}

int vfs_py_match(const char *abs, const char **inner) {
    for (int i = 0; i < VFS_PY_MAX; i++) {
        mp_obj_t p = MP_STATE_VM(k210_vfs_py_path)[i];
        if (p == MP_OBJ_NULL) {
            continue;
        }
        size_t n;
        const char *mp = mp_obj_str_get_data(p, &n);
        if (n > 1 && strncmp(abs, mp, n) == 0 && (abs[n] == 0 || abs[n] == '/')) {
            *inner = abs + n;
            return i;
        }
    }
    return -1;
}

mp_obj_t vfs_py_call(int py, qstr meth, const char *inner, size_t n_extra, const mp_obj_t *extra) {
    mp_obj_t call[2 + 3];
    mp_load_method(MP_STATE_VM(k210_vfs_py_fs)[py], meth, call);
    call[2] = mp_obj_new_str(inner, strlen(inner));
    for (size_t i = 0; i < n_extra && i < 3; i++) {
        call[3 + i] = extra[i];
    }
    return mp_call_method_n_kw(1 + n_extra, 0, call);
}

int vfs_py_root(void) {
    for (int i = 0; i < VFS_PY_MAX; i++) {
        mp_obj_t p = MP_STATE_VM(k210_vfs_py_path)[i];
        if (p != MP_OBJ_NULL && strcmp(mp_obj_str_get_str(p), "/") == 0) {
            return i;
        }
    }
    return -1;
}

static bool has_method(mp_obj_t obj, qstr meth) {
    mp_obj_t dest[2];
    mp_load_method_maybe(obj, meth, dest);
    return dest[0] != MP_OBJ_NULL;
}

int vfs_py_chdir(int py, const char *inner, bool *keeps_own) {
    mp_obj_t fs = MP_STATE_VM(k210_vfs_py_fs)[py];
    mp_obj_t call[3];
    mp_load_method_maybe(fs, MP_QSTR_chdir, call);
    if (call[0] != MP_OBJ_NULL) {
        call[2] = mp_obj_new_str(inner, strlen(inner));
        mp_call_method_n_kw(1, 0, call);   // the filesystem raises for a bad path
        *keeps_own = has_method(fs, MP_QSTR_getcwd);
        return 0;
    }
    *keeps_own = false;
    mp_obj_t st = vfs_py_call(py, MP_QSTR_stat, inner, 0, NULL);
    mp_int_t mode = mp_obj_get_int(mp_obj_subscr(st, MP_OBJ_NEW_SMALL_INT(0), MP_OBJ_SENTINEL));
    return (mode & 0x4000) ? 0 : -MP_ENOTDIR;
}

// os.getcwd() while the filesystem in the current directory keeps its own: upstream's answer,
// the mount point followed by what fs.getcwd() says ("/" adding nothing; alone for "/").
mp_obj_t vfs_py_getcwd(int py) {
    mp_obj_t call[2];
    mp_load_method(MP_STATE_VM(k210_vfs_py_fs)[py], MP_QSTR_getcwd, call);
    mp_obj_t inner = mp_call_method_n_kw(0, 0, call);
    size_t n;
    const char *mp = mp_obj_str_get_data(MP_STATE_VM(k210_vfs_py_path)[py], &n);
    if (n == 1) {
        return inner;
    }
    const char *in = mp_obj_str_get_str(inner);
    vstr_t v;
    vstr_init(&v, n + strlen(in) + 1);
    vstr_add_strn(&v, mp, n);
    if (strcmp(in, "/") != 0) {
        vstr_add_str(&v, in);
    }
    return mp_obj_new_str_from_vstr(&v);
}

// The slot mounted at the folded path abs, or -1.
static int slot_at(const char *abs) {
    for (int i = 0; i < VFS_PY_MAX; i++) {
        mp_obj_t p = MP_STATE_VM(k210_vfs_py_path)[i];
        if (p != MP_OBJ_NULL && strcmp(mp_obj_str_get_str(p), abs) == 0) {
            return i;
        }
    }
    return -1;
}

static void call_if_present(mp_obj_t fs, qstr meth, size_t n_args, const mp_obj_t *args) {
    mp_obj_t call[4];
    mp_load_method_maybe(fs, meth, call);
    if (call[0] != MP_OBJ_NULL) {
        for (size_t i = 0; i < n_args; i++) {
            call[2 + i] = args[i];
        }
        mp_call_method_n_kw(n_args, 0, call);
    }
}

// The mounts for vfs.mount() with no argument: (fs, mount point) for each, built-in ones first.
static mp_obj_t mount_list(void);

static mp_obj_t vfs_py_mount(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_fs, ARG_path, ARG_readonly, ARG_mkfs };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_fs, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_path, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_readonly, MP_ARG_KW_ONLY | MP_ARG_BOOL, {.u_bool = false} },
        { MP_QSTR_mkfs, MP_ARG_KW_ONLY | MP_ARG_BOOL, {.u_bool = false} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    if (n_args == 0 && kw_args->used == 0) {
        return mount_list();
    }
    if (args[ARG_path].u_obj == mp_const_none) {
        mp_raise_TypeError(MP_ERROR_TEXT("mount(fs, path): the mount point is missing"));
    }
    mp_obj_t fs = args[ARG_fs].u_obj;
    char abs[VFS_PATH_MAX];
    const char *path = mp_obj_str_get_str(args[ARG_path].u_obj);
    if (vfs_abspath(path, abs, sizeof(abs)) != 0) {
        mp_raise_OSError(MP_ENAMETOOLONG);
    }
    // upstream's protocol: fs.mount(readonly, mkfs) is told first, and may refuse; the mount
    // point is checked after it
    mp_obj_t margs[2] = { mp_obj_new_bool(args[ARG_readonly].u_bool), mp_obj_new_bool(args[ARG_mkfs].u_bool) };
    call_if_present(fs, MP_QSTR_mount, 2, margs);
    if (strchr(abs + 1, '/') != NULL) {
        vfs_raise_oserror(MP_EINVAL, "cannot mount at '%s': mount points are '/' or top-level directories such as /remote", abs);
    }
    for (int v = 0; v < VFS_COUNT; v++) {
        if (strcmp(abs + 1, vfs_mount_name((vfs_vol_t)v)) == 0) {
            vfs_raise_oserror(MP_EPERM, "'%s' is the board's built-in volume; mount elsewhere", abs);
        }
    }
    if (slot_at(abs) >= 0) {
        vfs_raise_oserror(MP_EPERM, "'%s' is already a mount point; umount it first", abs);
    }
    int free_slot = -1;
    for (int i = VFS_PY_MAX - 1; i >= 0; i--) {
        if (MP_STATE_VM(k210_vfs_py_path)[i] == MP_OBJ_NULL) {
            free_slot = i;
        }
    }
    if (free_slot < 0) {
        vfs_raise_oserror(MP_EPERM, "%d filesystems are mounted already (the most there can be); umount one first", VFS_PY_MAX);
    }
    MP_STATE_VM(k210_vfs_py_fs)[free_slot] = fs;
    MP_STATE_VM(k210_vfs_py_path)[free_slot] = mp_obj_new_str(abs, strlen(abs));
    return mp_const_none;
}
MP_DEFINE_CONST_FUN_OBJ_KW(vfs_py_mount_obj, 0, vfs_py_mount);

// The current directory is inside the filesystem of slot: it keeps it, or the port's absolute
// directory resolves to it. Not inlined: its path buffer must not widen umount's frame, whose
// stale words the collection before unmounting a built-in volume would scan (a dropped file
// object found there would stay alive and block the umount).
static MP_NOINLINE bool cwd_on(int slot) {
    if (vfs_cwd_py() >= 0) {
        return vfs_cwd_py() == slot;
    }
    char ff_path[VFS_PATH_MAX];
    vfs_vol_t vol;
    int py;
    return vfs_resolve_any(vfs_getcwd(), ff_path, sizeof(ff_path), &vol, &py) == 0
           && vol == VFS_PYTHON && py == slot;
}

// umount(path) or umount(fs), as upstream.
static mp_obj_t vfs_py_umount(mp_obj_t what) {
    int slot = -1;
    char abs[VFS_PATH_MAX] = "";
    if (mp_obj_is_str(what)) {
        if (vfs_abspath(mp_obj_str_get_str(what), abs, sizeof(abs)) != 0) {
            mp_raise_OSError(MP_ENAMETOOLONG);
        }
        slot = slot_at(abs);
        for (int v = 0; slot < 0 && v < VFS_COUNT; v++) {
            if (strcmp(abs + 1, vfs_mount_name((vfs_vol_t)v)) == 0 && vfs_is_mounted((vfs_vol_t)v)) {
                // as upstream's umount of its VfsFat; the next soft reset mounts it again
                file_check_volume_unused((vfs_vol_t)v);
                vfs_umount_volume((vfs_vol_t)v);
                return mp_const_none;
            }
        }
    } else {
        for (int i = 0; i < VFS_PY_MAX; i++) {
            if (MP_STATE_VM(k210_vfs_py_fs)[i] == what && MP_STATE_VM(k210_vfs_py_path)[i] != MP_OBJ_NULL) {
                slot = i;
            }
        }
    }
    if (slot < 0) {
        mp_raise_OSError(MP_EINVAL);   // upstream: not a mount point
    }
    mp_obj_t fs = MP_STATE_VM(k210_vfs_py_fs)[slot];
    bool cwd_inside = cwd_on(slot);
    MP_STATE_VM(k210_vfs_py_fs)[slot] = MP_OBJ_NULL;
    MP_STATE_VM(k210_vfs_py_path)[slot] = MP_OBJ_NULL;
    if (cwd_inside) {
        vfs_reset_cwd();   // the directory is gone: go where a board starts
    }
    call_if_present(fs, MP_QSTR_umount, 0, NULL);
    return mp_const_none;
}
MP_DEFINE_CONST_FUN_OBJ_1(vfs_py_umount_obj, vfs_py_umount);

// The built-in volumes as seen by vfs.mount(): "<VfsFat /sd>" objects whose methods take paths
// inside the volume, as upstream's VfsFat does, and forward them to os. The type is not exported:
// upstream's vfs.VfsFat(block_device) makes a filesystem on a block device, which the board's two
// fixed volumes do not offer (so scripts and tests that need it see it absent and skip).
typedef struct _vfs_fat_obj_t {
    mp_obj_base_t base;
    vfs_vol_t vol;
} vfs_fat_obj_t;

static void vfs_fat_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    vfs_fat_obj_t *self = MP_OBJ_TO_PTR(self_in);
    mp_printf(print, "<VfsFat /%s>", vfs_mount_name(self->vol));
}

extern const mp_obj_module_t k210_os_module;

// os.<name>("/<volume>" + path, *rest)
static mp_obj_t vfs_fat_forward(qstr name, size_t n_args, const mp_obj_t *args) {
    vfs_fat_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    mp_obj_t fun = mp_load_attr(MP_OBJ_FROM_PTR(&k210_os_module), name);
    mp_obj_t call[3];
    size_t n = 0;
    for (size_t i = 1; i < n_args && n < 3; i++) {
        call[n++] = args[i];
    }
    if (n > 0 && mp_obj_is_str(call[0])) {
        const char *inner = mp_obj_str_get_str(call[0]);
        vstr_t v;
        vstr_init(&v, 16);
        vstr_printf(&v, "/%s%s%s", vfs_mount_name(self->vol), inner[0] == '/' ? "" : "/", inner);
        call[0] = mp_obj_new_str_from_vstr(&v);
    }
    if (name == MP_QSTR_rename && n == 2 && mp_obj_is_str(args[2])) {
        const char *inner = mp_obj_str_get_str(args[2]);
        vstr_t v;
        vstr_init(&v, 16);
        vstr_printf(&v, "/%s%s%s", vfs_mount_name(self->vol), inner[0] == '/' ? "" : "/", inner);
        call[1] = mp_obj_new_str_from_vstr(&v);
    }
    return mp_call_function_n_kw(fun, n, 0, call);
}

#define VFS_FAT_METHOD(name, lo, hi) \
    static mp_obj_t vfs_fat_##name(size_t n_args, const mp_obj_t *args) { \
        return vfs_fat_forward(MP_QSTR_##name, n_args, args); \
    } \
    static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(vfs_fat_##name##_obj, lo, hi, vfs_fat_##name);

VFS_FAT_METHOD(ilistdir, 2, 2)
VFS_FAT_METHOD(stat, 2, 2)
VFS_FAT_METHOD(statvfs, 2, 2)
VFS_FAT_METHOD(mkdir, 2, 2)
VFS_FAT_METHOD(rmdir, 2, 2)
VFS_FAT_METHOD(remove, 2, 2)
VFS_FAT_METHOD(rename, 3, 3)

static mp_obj_t vfs_fat_open(mp_obj_t self_in, mp_obj_t path_in, mp_obj_t mode_in) {
    vfs_fat_obj_t *self = MP_OBJ_TO_PTR(self_in);
    const char *inner = mp_obj_str_get_str(path_in);
    vstr_t v;
    vstr_init(&v, 16);
    vstr_printf(&v, "/%s%s%s", vfs_mount_name(self->vol), inner[0] == '/' ? "" : "/", inner);
    mp_obj_t call[2] = { mp_obj_new_str_from_vstr(&v), mode_in };
    return mp_call_function_n_kw(MP_OBJ_FROM_PTR(&mp_builtin_open_obj), 2, 0, call);
}
static MP_DEFINE_CONST_FUN_OBJ_3(vfs_fat_open_obj, vfs_fat_open);

static const mp_rom_map_elem_t vfs_fat_locals_table[] = {
    { MP_ROM_QSTR(MP_QSTR_open), MP_ROM_PTR(&vfs_fat_open_obj) },
    { MP_ROM_QSTR(MP_QSTR_ilistdir), MP_ROM_PTR(&vfs_fat_ilistdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_stat), MP_ROM_PTR(&vfs_fat_stat_obj) },
    { MP_ROM_QSTR(MP_QSTR_statvfs), MP_ROM_PTR(&vfs_fat_statvfs_obj) },
    { MP_ROM_QSTR(MP_QSTR_mkdir), MP_ROM_PTR(&vfs_fat_mkdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_rmdir), MP_ROM_PTR(&vfs_fat_rmdir_obj) },
    { MP_ROM_QSTR(MP_QSTR_remove), MP_ROM_PTR(&vfs_fat_remove_obj) },
    { MP_ROM_QSTR(MP_QSTR_rename), MP_ROM_PTR(&vfs_fat_rename_obj) },
};
static MP_DEFINE_CONST_DICT(vfs_fat_locals, vfs_fat_locals_table);

static MP_DEFINE_CONST_OBJ_TYPE(
    vfs_fat_type, MP_QSTR_VfsFat, MP_TYPE_FLAG_NONE,
    print, vfs_fat_print,
    locals_dict, &vfs_fat_locals
    );

static const vfs_fat_obj_t vfs_fat_volumes[VFS_COUNT] = {
    { { &vfs_fat_type }, VFS_SD },
    { { &vfs_fat_type }, VFS_FLASH },
};

static mp_obj_t mount_list(void) {
    mp_obj_t list = mp_obj_new_list(0, NULL);
    static const vfs_vol_t order[VFS_COUNT] = { VFS_FLASH, VFS_SD };
    for (int i = 0; i < VFS_COUNT; i++) {
        vfs_vol_t v = order[i];
        if (vfs_is_mounted(v)) {
            vstr_t p;
            vstr_init(&p, 8);
            vstr_printf(&p, "/%s", vfs_mount_name(v));
            mp_obj_t t[2] = { MP_OBJ_FROM_PTR(&vfs_fat_volumes[v]), mp_obj_new_str_from_vstr(&p) };
            mp_obj_list_append(list, mp_obj_new_tuple(2, t));
        }
    }
    for (int i = 0; i < VFS_PY_MAX; i++) {
        if (MP_STATE_VM(k210_vfs_py_path)[i] != MP_OBJ_NULL) {
            mp_obj_t t[2] = { MP_STATE_VM(k210_vfs_py_fs)[i], MP_STATE_VM(k210_vfs_py_path)[i] };
            mp_obj_list_append(list, mp_obj_new_tuple(2, t));
        }
    }
    return list;
}

static const mp_rom_map_elem_t vfs_module_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_vfs) },
    { MP_ROM_QSTR(MP_QSTR_mount), MP_ROM_PTR(&vfs_py_mount_obj) },
    { MP_ROM_QSTR(MP_QSTR_umount), MP_ROM_PTR(&vfs_py_umount_obj) },
};
static MP_DEFINE_CONST_DICT(vfs_module_globals, vfs_module_globals_table);

const mp_obj_module_t k210_vfs_module = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&vfs_module_globals,
};

MP_REGISTER_MODULE(MP_QSTR_vfs, k210_vfs_module);
