// What the core needs to import .py files and run boot.py/main.py from /sd and /flash.
#include <string.h>

#include "py/runtime.h"
#include "py/lexer.h"
#include "py/builtin.h"
#include "py/reader.h"
#include "py/mperrno.h"

#include "vfs.h"

mp_import_stat_t mp_import_stat(const char *path) {
    char ff_path[VFS_PATH_MAX];
    vfs_vol_t vol;
    if (vfs_resolve(path, ff_path, sizeof(ff_path), &vol) != 0) {
        return MP_IMPORT_STAT_NO_EXIST;
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

// The whole source is read into the GC heap and handed to a memory reader, which frees it.
mp_lexer_t *mp_lexer_new_from_file(qstr filename) {
    char ff_path[VFS_PATH_MAX];
    vfs_vol_t vol;
    int r = vfs_resolve(qstr_str(filename), ff_path, sizeof(ff_path), &vol);
    if (r != 0) {
        mp_raise_OSError(-r);
    }
    FIL fp;
    FRESULT res = f_open(&fp, ff_path, FA_READ);
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
    mp_reader_t reader;
    mp_reader_new_mem(&reader, buf, len, len ? len : 1);
    return mp_lexer_new(filename, reader);
}
