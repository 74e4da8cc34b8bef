// Filesystems written in Python, mounted with os.mount / vfs.mount (what mpremote mount uses):
// objects with open/ilistdir/stat/statvfs/mkdir/rmdir/remove/rename/chdir methods.
#ifndef K210_VFS_PY_H
#define K210_VFS_PY_H

#include "py/obj.h"

#define VFS_PY_MAX 4

void vfs_py_init(void);   // at every soft reset: nothing is mounted

// fs.<meth>(inner, *extra) for the filesystem in slot py.
mp_obj_t vfs_py_call(int py, qstr meth, const char *inner, size_t n_extra, const mp_obj_t *extra);

// The mount points, for listing "/": name of slot i without its "/", or NULL for a free slot
// ("" for the filesystem mounted at "/", whose own entries follow the mount points).
const char *vfs_py_name(int py);

// os.getcwd() while vfs_cwd_py() is py (vfs.h).
mp_obj_t vfs_py_getcwd(int py);

// OSError(err, message): prints as "[Errno N] ENAME: message", e.errno is err.
NORETURN void vfs_raise_oserror(int err, const char *fmt, ...);

MP_DECLARE_CONST_FUN_OBJ_KW(vfs_py_mount_obj);
MP_DECLARE_CONST_FUN_OBJ_1(vfs_py_umount_obj);

#endif
