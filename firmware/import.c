// What the core needs to import .py files and run boot.py/main.py from /sd and /flash.
#include <string.h>

#include "py/runtime.h"
#include "py/lexer.h"
#include "py/builtin.h"
#include "py/reader.h"
#include "py/mperrno.h"

#include "py/stream.h"

#include "vfs.h"
#include "vfs_py.h"

// stat of a path inside a Python filesystem; any exception it raises means "not there".
static mp_import_stat_t py_stat(int py, const char *inner) {
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        mp_obj_t st = vfs_py_call(py, MP_QSTR_stat, inner, 0, NULL);
        mp_int_t mode = mp_obj_get_int(mp_obj_subscr(st, MP_OBJ_NEW_SMALL_INT(0), MP_OBJ_SENTINEL));
        nlr_pop();
        return (mode & 0x4000) ? MP_IMPORT_STAT_DIR : MP_IMPORT_STAT_FILE;
    }
    return MP_IMPORT_STAT_NO_EXIST;
}

// A file inside a Python filesystem: fs.open(inner, 'rb') read to the end in the chunk size the
// file asks for (mpremote's files ask for what fits a serial buffer).
static void py_reader(mp_reader_t *reader, int py, const char *inner) {
    mp_obj_t mode = MP_OBJ_NEW_QSTR(MP_QSTR_rb);
    mp_obj_t file = vfs_py_call(py, MP_QSTR_open, inner, 1, &mode);
    vstr_t src;
    vstr_init(&src, 256);
    nlr_buf_t nlr;
    if (nlr_push(&nlr) == 0) {
        const mp_stream_p_t *stream = mp_get_stream_raise(file, MP_STREAM_OP_READ | MP_STREAM_OP_IOCTL);
        int err;
        mp_uint_t chunk = stream->ioctl(file, MP_STREAM_GET_BUFFER_SIZE, 0, &err);
        if (chunk == MP_STREAM_ERROR || chunk == 0 || chunk > 4096) {
            chunk = 256;
        }
        for (;;) {
            char *dst = vstr_add_len(&src, chunk);
            mp_uint_t got = stream->read(file, dst, chunk, &err);
            if (got == MP_STREAM_ERROR) {
                mp_raise_OSError(err);
            }
            vstr_cut_tail_bytes(&src, chunk - got);
            if (got == 0) {
                break;
            }
        }
        nlr_pop();
    } else {
        mp_stream_close(file);
        vstr_clear(&src);
        nlr_jump(nlr.ret_val);
    }
    mp_stream_close(file);
    size_t len = src.len;
    char *buf = vstr_null_terminated_str(&src);   // the reader frees src.alloc bytes
    mp_reader_new_mem(reader, (const byte *)buf, len, src.alloc);
}

mp_import_stat_t mp_import_stat(const char *path) {
    char ff_path[VFS_PATH_MAX];
    vfs_vol_t vol;
    int py;
    if (vfs_resolve_any(path, ff_path, sizeof(ff_path), &vol, &py) != 0) {
        return MP_IMPORT_STAT_NO_EXIST;
    }
    if (vol == VFS_PYTHON) {
        return py_stat(py, ff_path);
    }
    if (vol == VFS_ROOT || strlen(ff_path) <= 3) {
        return MP_IMPORT_STAT_DIR;
    }
    FILINFO fno;
    if (f_stat(ff_path, &fno) != FR_OK) {
        return MP_IMPORT_STAT_NO_EXIST;
    }
    return (fno.fattrib & AM_DIR) ? MP_IMPORT_STAT_DIR : MP_IMPORT_STAT_FILE;
}

// A module's source or .mpy file (the core's reader for both): read whole into the GC heap and
// handed to a memory reader, which frees it.
void mp_reader_new_file(mp_reader_t *reader, qstr filename) {
    char ff_path[VFS_PATH_MAX];
    vfs_vol_t vol;
    int py;
    int r = vfs_resolve_any(qstr_str(filename), ff_path, sizeof(ff_path), &vol, &py);
    if (r != 0) {
        mp_raise_OSError(-r);
    }
    if (vol == VFS_PYTHON) {
        py_reader(reader, py, ff_path);
        return;
    }
    FIL fp;
    FRESULT res = file_open_for_reading(&fp, ff_path);
    if (res != FR_OK) {
        mp_raise_OSError(vfs_errno(res));
    }
    size_t len = f_size(&fp);
    byte *buf = m_new_maybe(byte, len ? len : 1);
    if (buf == NULL) {
        f_close(&fp);
        mp_raise_msg_varg(&mp_type_MemoryError, MP_ERROR_TEXT("%s: %u bytes do not fit the GC heap"),
            qstr_str(filename), (unsigned)len);
    }
    UINT got = 0;
    res = f_read(&fp, buf, len, &got);
    f_close(&fp);
    if (res != FR_OK || got != len) {
        m_del(byte, buf, len ? len : 1);
        mp_raise_OSError(res != FR_OK ? vfs_errno(res) : MP_EIO);
    }
    mp_reader_new_mem(reader, buf, len, len ? len : 1);
}

mp_lexer_t *mp_lexer_new_from_file(qstr filename) {
    mp_reader_t reader;
    mp_reader_new_file(&reader, filename);
    return mp_lexer_new(filename, reader);
}
