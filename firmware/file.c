// open() and the file objects it returns (binary FileIO and text TextIOWrapper), over FatFs.
#include <string.h>

#include "py/gc.h"
#include "py/runtime.h"
#include "py/stream.h"
#include "py/mperrno.h"

#include "vfs.h"
#include "vfs_py.h"

const char *os_path_str(mp_obj_t path_in);   // modos.c

typedef struct _file_obj_t {
    mp_obj_base_t base;
    bool open;
    bool writer;
    FIL fp;
} file_obj_t;

// The port's own record of open files (FatFs's FF_FS_LOCK is off: it also refuses a reader plus
// an appender, which upstream allows). It keeps the FAT safe with less: one writer per file, and
// no remove/rename of an open file. The GC does not scan this table, so it does not keep file
// objects alive; the finaliser takes them out.
#define OPEN_MAX 16
static file_obj_t *open_files[OPEN_MAX];

// A file is its directory entry: volume, sector and offset in the sector (same for every alias).
typedef struct {
    FATFS *fs;
    LBA_t sect;
    ptrdiff_t off;
} entry_key_t;

static entry_key_t key_of(const FIL *fp) {
    return (entry_key_t) { fp->obj.fs, fp->dir_sect, fp->dir_ptr - fp->obj.fs->win };
}

static file_obj_t *holder_of(entry_key_t k, bool writers_only) {
    for (size_t i = 0; i < OPEN_MAX; i++) {
        file_obj_t *o = open_files[i];
        if (o && o->open && (o->writer || !writers_only)) {
            entry_key_t ok = key_of(&o->fp);
            if (ok.fs == k.fs && ok.sect == k.sect && ok.off == k.off) {
                return o;
            }
        }
    }
    return NULL;
}

static file_obj_t *holder(const FIL *fp, bool writers_only) {
    return holder_of(key_of(fp), writers_only);
}

static bool table_empty(void) {
    for (size_t i = 0; i < OPEN_MAX; i++) {
        if (open_files[i]) {
            return false;
        }
    }
    return true;
}

// Finds who holds fp; when someone does, a collection first closes the unreachable ones (as after
// open(p, 'w').write(d)), which flushes their data. Returns the reachable holder or NULL.
static file_obj_t *holder_after_collect(entry_key_t k, bool writers_only) {
    if (holder_of(k, writers_only) == NULL) {
        return NULL;
    }
    gc_collect();
    return holder_of(k, writers_only);
}

static void raise_busy(const char *path, bool writer) {
    vfs_raise_oserror(MP_EBUSY, "'%s' is open%s by a file object that is still referenced; close it first",
        path, writer ? " for writing" : "");
}

FRESULT file_open_for_reading(FIL *fp, const char *ff_path) {
    // A caller's FIL on the stack is 4 KiB of stale words, which the collection below scans:
    // left as they are, they could keep the very object it has to close alive.
    memset(fp, 0, sizeof(*fp));
    FRESULT res = f_open(fp, ff_path, FA_READ);
    if (res == FR_OK && holder(fp, true) != NULL) {
        f_close(fp);
        gc_collect();
        // reopened: a collected writer has changed the entry (size, first cluster)
        res = f_open(fp, ff_path, FA_READ);
        if (res == FR_OK && holder(fp, true) != NULL) {
            f_close(fp);
            return FR_LOCKED;
        }
    }
    return res;
}

// The entry of ff_path, found by opening it: in a frame of its own, so its 4 KiB FIL is not on
// the stack (and scanned) while the collection runs.
static MP_NOINLINE bool key_of_path(const char *ff_path, entry_key_t *k) {
    FIL probe;
    if (f_open(&probe, ff_path, FA_READ) != FR_OK) {
        return false;
    }
    *k = key_of(&probe);   // f_close clears probe.obj.fs
    f_close(&probe);
    return true;
}

// Whether a file object has path open (writers_only: for writing). Its own frame, so the
// resolved path and the probe are off the stack when the caller collects.
static MP_NOINLINE bool held(const char *path, bool writers_only) {
    char ff_path[VFS_PATH_MAX];
    vfs_vol_t vol;
    entry_key_t k;
    return vfs_resolve(path, ff_path, sizeof(ff_path), &vol) == 0 && vol != VFS_ROOT
        && key_of_path(ff_path, &k) && holder_of(k, writers_only) != NULL;
}

// Zeroes the stack just below the caller: the collector's own frames (a jmp_buf is mostly
// unwritten bytes) then hold no stale words from calls that have returned.
static MP_NOINLINE void scrub_stack_below(void) {
    volatile uintptr_t scratch[256];   // volatile: the stores must not be optimised away
    for (size_t i = 0; i < MP_ARRAY_SIZE(scratch); i++) {
        scratch[i] = 0;
    }
}

void file_release_unreachable(const char *path, bool writers_only) {
    // The collection runs here, near the top of the call, because the GC scans the stack
    // conservatively: stale words in deeper frames often still hold the pointer to the very
    // file object just dropped (as in open(p, 'w').write(d) in a function).
    if (!table_empty() && held(path, writers_only)) {
        scrub_stack_below();
        gc_collect();
    }
}

static file_obj_t *volume_holder(const FATFS *fs) {
    for (size_t i = 0; i < OPEN_MAX; i++) {
        file_obj_t *o = open_files[i];
        if (o && o->open && o->fp.obj.fs == fs) {
            return o;
        }
    }
    return NULL;
}

void file_check_volume_unused(vfs_vol_t vol) {
    FATFS *fs = vfs_fatfs(vol);
    if (volume_holder(fs) == NULL) {
        return;
    }
    scrub_stack_below();
    gc_collect();
    file_obj_t *o = volume_holder(fs);
    if (o != NULL) {
        vfs_raise_oserror(MP_EBUSY, "a file on '/%s' is open%s by a file object that is still referenced; close it before umount",
            vfs_mount_name(vol), o->writer ? " for writing" : "");
    }
}

void file_check_unused(const char *ff_path, const char *path) {
    entry_key_t k;
    if (table_empty() || !key_of_path(ff_path, &k)) {
        return;   // nothing open; or a directory or no such file: the caller's own call says which
    }
    file_obj_t *o = holder_after_collect(k, false);
    if (o != NULL) {
        raise_busy(path, o->writer);
    }
}

static bool track(file_obj_t *o) {
    for (size_t i = 0; i < OPEN_MAX; i++) {
        if (open_files[i] == NULL) {
            open_files[i] = o;
            return true;
        }
    }
    return false;
}

static void untrack(file_obj_t *o) {
    for (size_t i = 0; i < OPEN_MAX; i++) {
        if (open_files[i] == o) {
            open_files[i] = NULL;
        }
    }
}

extern const mp_obj_type_t file_fileio_type;
extern const mp_obj_type_t file_textio_type;

static void file_print(const mp_print_t *print, mp_obj_t self_in, mp_print_kind_t kind) {
    (void)kind;
    mp_printf(print, "<io.%s %p>", mp_obj_get_type_str(self_in), MP_OBJ_TO_PTR(self_in));
}

static file_obj_t *file_checked(mp_obj_t self_in, int *errcode) {
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (!self->open) {
        *errcode = MP_EBADF;
        return NULL;
    }
    return self;
}

static mp_uint_t file_read(mp_obj_t self_in, void *buf, mp_uint_t size, int *errcode) {
    file_obj_t *self = file_checked(self_in, errcode);
    if (!self) {
        return MP_STREAM_ERROR;
    }
    UINT got;
    FRESULT res = f_read(&self->fp, buf, size, &got);
    if (res != FR_OK) {
        *errcode = vfs_errno(res);
        return MP_STREAM_ERROR;
    }
    return got;
}

static mp_uint_t file_write(mp_obj_t self_in, const void *buf, mp_uint_t size, int *errcode) {
    file_obj_t *self = file_checked(self_in, errcode);
    if (!self) {
        return MP_STREAM_ERROR;
    }
    UINT put;
    FRESULT res = f_write(&self->fp, buf, size, &put);
    if (res != FR_OK) {
        *errcode = vfs_errno(res);
        return MP_STREAM_ERROR;
    }
    if (put != size) {
        // FatFs reports a full volume as a short write
        *errcode = MP_ENOSPC;
        return MP_STREAM_ERROR;
    }
    return put;
}

static mp_uint_t file_ioctl(mp_obj_t self_in, mp_uint_t request, uintptr_t arg, int *errcode) {
    file_obj_t *self = MP_OBJ_TO_PTR(self_in);
    if (request == MP_STREAM_CLOSE) {
        if (self->open) {
            self->open = false;
            untrack(self);
            FRESULT res = f_close(&self->fp);
            if (res != FR_OK) {
                *errcode = vfs_errno(res);
                return MP_STREAM_ERROR;
            }
        }
        return 0;
    }
    if (!file_checked(self_in, errcode)) {
        return MP_STREAM_ERROR;
    }
    FRESULT res = FR_OK;
    switch (request) {
        case MP_STREAM_SEEK: {
            struct mp_stream_seek_t *s = (struct mp_stream_seek_t *)arg;
            FSIZE_t base = s->whence == MP_SEEK_CUR ? f_tell(&self->fp)
                         : s->whence == MP_SEEK_END ? f_size(&self->fp) : 0;
            mp_off_t target = (mp_off_t)base + s->offset;
            if (target < 0) {
                *errcode = MP_EINVAL;
                return MP_STREAM_ERROR;
            }
            res = f_lseek(&self->fp, (FSIZE_t)target);
            s->offset = f_tell(&self->fp);
            break;
        }
        case MP_STREAM_FLUSH:
            res = f_sync(&self->fp);
            break;
        case MP_STREAM_POLL:
            // a regular file never blocks: always ready for what was asked (as POSIX poll says)
            return arg & (MP_STREAM_POLL_RD | MP_STREAM_POLL_WR);
        default:
            *errcode = MP_EINVAL;
            return MP_STREAM_ERROR;
    }
    if (res != FR_OK) {
        *errcode = vfs_errno(res);
        return MP_STREAM_ERROR;
    }
    return 0;
}

// read() / read(None) / read(-1) on a binary file: one allocation of the size left in the file.
// The stream's own readall grows its buffer by realloc, which needs old + new at the peak and
// fails for a 230 KB image on a fragmented heap. Text files and sized reads go to the stream.
static mp_obj_t file_read_method(size_t n_args, const mp_obj_t *args) {
    bool all = n_args == 1 || args[1] == mp_const_none
        || (mp_obj_is_small_int(args[1]) && MP_OBJ_SMALL_INT_VALUE(args[1]) < 0);
    file_obj_t *self = MP_OBJ_TO_PTR(args[0]);
    // only for a readable file: on one opened 'a' or 'w' the stream's read raises EBADF/EPERM, as
    // upstream's does (the size left there is 0, which would return b'' instead)
    if (all && self->open && (self->fp.flag & FA_READ) && mp_obj_get_type(args[0]) == &file_fileio_type) {
        FSIZE_t size = f_size(&self->fp), at = f_tell(&self->fp);
        mp_obj_t sized[2] = { args[0], mp_obj_new_int_from_uint(size > at ? (mp_uint_t)(size - at) : 0) };
        return mp_call_function_n_kw(MP_OBJ_FROM_PTR(&mp_stream_read_obj), 2, 0, sized);
    }
    return mp_call_function_n_kw(MP_OBJ_FROM_PTR(&mp_stream_read_obj), n_args, 0, args);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(file_read_obj, 1, 2, file_read_method);

// Closing on garbage collection keeps FatFs's open-file table from filling with lost files.
static mp_obj_t file___del__(mp_obj_t self_in) {
    int errcode;
    file_ioctl(self_in, MP_STREAM_CLOSE, 0, &errcode);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(file___del___obj, file___del__);

static const mp_rom_map_elem_t file_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&file_read_obj) },
    { MP_ROM_QSTR(MP_QSTR_readinto), MP_ROM_PTR(&mp_stream_readinto_obj) },
    { MP_ROM_QSTR(MP_QSTR_readline), MP_ROM_PTR(&mp_stream_unbuffered_readline_obj) },
    { MP_ROM_QSTR(MP_QSTR_readlines), MP_ROM_PTR(&mp_stream_unbuffered_readlines_obj) },
    { MP_ROM_QSTR(MP_QSTR_write), MP_ROM_PTR(&mp_stream_write_obj) },
    { MP_ROM_QSTR(MP_QSTR_flush), MP_ROM_PTR(&mp_stream_flush_obj) },
    { MP_ROM_QSTR(MP_QSTR_close), MP_ROM_PTR(&mp_stream_close_obj) },
    { MP_ROM_QSTR(MP_QSTR_seek), MP_ROM_PTR(&mp_stream_seek_obj) },
    { MP_ROM_QSTR(MP_QSTR_tell), MP_ROM_PTR(&mp_stream_tell_obj) },
    { MP_ROM_QSTR(MP_QSTR___del__), MP_ROM_PTR(&file___del___obj) },
    { MP_ROM_QSTR(MP_QSTR___enter__), MP_ROM_PTR(&mp_identity_obj) },
    { MP_ROM_QSTR(MP_QSTR___exit__), MP_ROM_PTR(&mp_stream___exit___obj) },
};
static MP_DEFINE_CONST_DICT(file_locals_dict, file_locals_dict_table);

static const mp_stream_p_t fileio_stream_p = {
    .read = file_read,
    .write = file_write,
    .ioctl = file_ioctl,
};

static const mp_stream_p_t textio_stream_p = {
    .read = file_read,
    .write = file_write,
    .ioctl = file_ioctl,
    .is_text = true,
};

MP_DEFINE_CONST_OBJ_TYPE(
    file_fileio_type, MP_QSTR_FileIO, MP_TYPE_FLAG_ITER_IS_STREAM,
    print, file_print,
    protocol, &fileio_stream_p,
    locals_dict, &file_locals_dict
    );

MP_DEFINE_CONST_OBJ_TYPE(
    file_textio_type, MP_QSTR_TextIOWrapper, MP_TYPE_FLAG_ITER_IS_STREAM,
    print, file_print,
    protocol, &textio_stream_p,
    locals_dict, &file_locals_dict
    );

// mode: one of r/w/a/x, optional '+', optional 'b' or 't' (Python's rules, minus newline handling)
static BYTE parse_mode(const char *mode, bool *text) {
    BYTE flags = 0;
    *text = true;
    for (const char *m = mode; *m; m++) {
        switch (*m) {
            case 'r': flags |= FA_READ; break;
            case 'w': flags |= FA_WRITE | FA_CREATE_ALWAYS; break;
            case 'a': flags |= FA_WRITE | FA_OPEN_APPEND; break;
            case 'x': flags |= FA_WRITE | FA_CREATE_NEW; break;
            case '+': flags |= FA_READ | FA_WRITE; break;
            case 'b': *text = false; break;
            case 't': *text = true; break;
            default:
                mp_raise_msg_varg(&mp_type_ValueError, MP_ERROR_TEXT("invalid mode '%s'"), mode);
        }
    }
    if (!(flags & (FA_READ | FA_WRITE))) {
        flags |= FA_READ;
    }
    return flags;
}

static mp_obj_t file_open(mp_obj_t path_in, mp_obj_t mode_in) {
    const char *mode = mp_obj_str_get_str(mode_in);
    bool text;
    BYTE flags = parse_mode(mode, &text);
    const char *path = os_path_str(path_in);
    char ff_path[VFS_PATH_MAX];
    vfs_vol_t vol;
    int py;
    int r = vfs_resolve_any(path, ff_path, sizeof(ff_path), &vol, &py);
    if (r != 0) {
        mp_raise_OSError(-r);
    }
    if (vol == VFS_PYTHON) {
        // a filesystem written in Python (os.mount) makes its own file objects
        return vfs_py_call(py, MP_QSTR_open, ff_path, 1, &mode_in);
    }
    if (vol == VFS_ROOT || strlen(ff_path) <= 3) {
        mp_raise_OSError(MP_EISDIR);
    }
    file_obj_t *o = mp_obj_malloc_with_finaliser(file_obj_t, text ? &file_textio_type : &file_fileio_type);
    o->open = false;
    o->writer = (flags & FA_WRITE) != 0;
    // 'w' must not truncate before the checks below: open the entry as it is first
    BYTE first = (flags & FA_CREATE_ALWAYS) ? (BYTE)((flags & ~FA_CREATE_ALWAYS) | FA_OPEN_ALWAYS) : flags;
    FRESULT res = f_open(&o->fp, ff_path, first);
    if (res == FR_OK && holder(&o->fp, true) != NULL) {
        // A writer holds it, often one that is unreachable but not yet finalised (as after
        // open(p, 'w').write(d)): collecting closes and flushes it. One writer per file: two
        // would each extend the cluster chain their own way.
        f_close(&o->fp);
        gc_collect();
        res = f_open(&o->fp, ff_path, first);
        if (res == FR_OK && o->writer && holder(&o->fp, true) != NULL) {
            f_close(&o->fp);
            raise_busy(path, true);
        }
    }
    if (res == FR_OK && first != flags) {
        f_close(&o->fp);
        res = f_open(&o->fp, ff_path, flags);
    }
    if (res == FR_OK && !track(o)) {
        gc_collect();   // file objects that are unreachable but not yet finalised
        if (!track(o)) {
            f_close(&o->fp);
            mp_raise_OSError(MP_EMFILE);
        }
    }
    if (res != FR_OK) {
        if (res == FR_NO_FILE || res == FR_DENIED) {
            // FatFs says "no file"/"denied" for a directory too: name it as Python would
            FILINFO fno;
            if (f_stat(ff_path, &fno) == FR_OK && (fno.fattrib & AM_DIR)) {
                mp_raise_OSError(MP_EISDIR);
            }
        }
        mp_raise_OSError(vfs_errno(res));
    }
    o->open = true;
    return MP_OBJ_FROM_PTR(o);
}

static mp_obj_t builtin_open(size_t n_args, const mp_obj_t *pos_args, mp_map_t *kw_args) {
    enum { ARG_file, ARG_mode, ARG_buffering, ARG_encoding };
    static const mp_arg_t allowed_args[] = {
        { MP_QSTR_file, MP_ARG_OBJ | MP_ARG_REQUIRED, {.u_rom_obj = MP_ROM_NONE} },
        { MP_QSTR_mode, MP_ARG_OBJ, {.u_rom_obj = MP_ROM_QSTR(MP_QSTR_r)} },
        { MP_QSTR_buffering, MP_ARG_INT, {.u_int = -1} },
        { MP_QSTR_encoding, MP_ARG_OBJ | MP_ARG_KW_ONLY, {.u_rom_obj = MP_ROM_NONE} },
    };
    mp_arg_val_t args[MP_ARRAY_SIZE(allowed_args)];
    mp_arg_parse_all(n_args, pos_args, kw_args, MP_ARRAY_SIZE(allowed_args), allowed_args, args);
    if (mp_obj_is_str(args[ARG_file].u_obj)) {
        file_release_unreachable(os_path_str(args[ARG_file].u_obj), true);
    }
    return file_open(args[ARG_file].u_obj, args[ARG_mode].u_obj);
}
MP_DEFINE_CONST_FUN_OBJ_KW(mp_builtin_open_obj, 1, builtin_open);
