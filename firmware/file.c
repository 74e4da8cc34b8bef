// open() and the file objects it returns (binary FileIO and text TextIOWrapper), over FatFs.
#include <string.h>

#include "py/gc.h"
#include "py/runtime.h"
#include "py/stream.h"
#include "py/mperrno.h"

#include "vfs.h"

const char *os_path_str(mp_obj_t path_in);   // modos.c

typedef struct _file_obj_t {
    mp_obj_base_t base;
    bool open;
    FIL fp;
} file_obj_t;

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

// Closing on garbage collection keeps FatFs's open-file table from filling with lost files.
static mp_obj_t file___del__(mp_obj_t self_in) {
    int errcode;
    file_ioctl(self_in, MP_STREAM_CLOSE, 0, &errcode);
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_1(file___del___obj, file___del__);

static const mp_rom_map_elem_t file_locals_dict_table[] = {
    { MP_ROM_QSTR(MP_QSTR_read), MP_ROM_PTR(&mp_stream_read_obj) },
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

static mp_obj_t file_open(mp_obj_t path_in, const char *mode) {
    bool text;
    BYTE flags = parse_mode(mode, &text);
    char ff_path[VFS_PATH_MAX];
    vfs_vol_t vol;
    int r = vfs_resolve(os_path_str(path_in), ff_path, sizeof(ff_path), &vol);
    if (r != 0) {
        mp_raise_OSError(-r);
    }
    if (vol == VFS_ROOT || strlen(ff_path) <= 3) {
        mp_raise_OSError(MP_EISDIR);
    }
    file_obj_t *o = mp_obj_malloc_with_finaliser(file_obj_t, text ? &file_textio_type : &file_fileio_type);
    o->open = false;
    FRESULT res = f_open(&o->fp, ff_path, flags);
    if (res == FR_LOCKED || res == FR_TOO_MANY_OPEN_FILES) {
        // Often a file object that is unreachable but not yet finalised, as after
        // open(p, 'w').write(d): collecting closes (and flushes) it, then the open can go ahead.
        gc_collect();
        res = f_open(&o->fp, ff_path, flags);
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
    return file_open(args[ARG_file].u_obj, mp_obj_str_get_str(args[ARG_mode].u_obj));
}
MP_DEFINE_CONST_FUN_OBJ_KW(mp_builtin_open_obj, 1, builtin_open);
