// The board's two filesystems and the path rules shared by os, open() and import:
// "/sd/..." is FatFs volume 0, "/flash/..." volume 1, "/" lists the mounted ones.
#ifndef K210_VFS_H
#define K210_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include "ff.h"

#define VFS_PATH_MAX 256

// VFS_PYTHON: a filesystem written in Python, mounted with os.mount (vfs_py.c)
typedef enum { VFS_SD = 0, VFS_FLASH = 1, VFS_COUNT = 2, VFS_ROOT = -1, VFS_PYTHON = -2 } vfs_vol_t;

// Mounts /flash (formatting the region if it holds no filesystem, as MaixPy does) and /sd (only a
// blank, never-formatted card is formatted). Prints a line for a volume that cannot be mounted.
void vfs_mount_all(void);
void vfs_unmount_all(void);
bool vfs_is_mounted(vfs_vol_t vol);
const char *vfs_mount_name(vfs_vol_t vol);   // "sd", "flash"
FATFS *vfs_fatfs(vfs_vol_t vol);

// vfs.umount('/sd') or ('/flash'), as upstream allows: the volume is gone until the next soft
// reset mounts it again (vfs_remount_unmounted). The caller has checked that no file is open on it.
void vfs_umount_volume(vfs_vol_t vol);
void vfs_remount_unmounted(void);
// file.c: raises OSError EBUSY naming the volume while a reachable file object has a file open on
// it (after a collection has closed the unreachable ones, which flushes what they wrote).
void file_check_volume_unused(vfs_vol_t vol);

// Sets the current directory to where a board starts: /sd when a card is mounted, else /flash
// (as MaixPy), else /. Runs at every soft reset, so main.py starts there whatever ran before.
void vfs_reset_cwd(void);

// Turns a path (absolute, or relative to the current directory; ".", ".." and repeated "/" are
// folded) into the FatFs path "N:/a/b". Returns 0, or -ENOENT for a path outside any mounted
// volume, -ENAMETOOLONG. *vol is VFS_ROOT for "/" itself.
// A path inside a Python filesystem gives -EOPNOTSUPP: C readers (kpu.load) need FatFs files.
int vfs_resolve(const char *path, char *ff_path, size_t len, vfs_vol_t *vol);

// The same for os, open() and import: a path inside a Python filesystem gives *vol = VFS_PYTHON,
// *py = its mount slot and in ff_path the path inside it ("/" or "/a/b").
int vfs_resolve_any(const char *path, char *ff_path, size_t len, vfs_vol_t *vol, int *py);

// The absolute, folded form of path ("/" or "/a/b"); 0 or -ENAMETOOLONG.
int vfs_abspath(const char *path, char *out, size_t len);

// Slot of the Python filesystem whose mount point is abs or a parent of it, or -1; *inner is
// set to the rest of abs (implemented by vfs_py.c, or a stub that finds none). A filesystem
// mounted at "/" is not matched here: vfs_py_root() names it, and it gets what nothing else takes.
int vfs_py_match(const char *abs, const char **inner);
int vfs_py_root(void);              // slot of the filesystem mounted at "/", or -1

// The current directory. Upstream's model where a Python filesystem keeps its own (it has
// chdir and getcwd, as mpremote's RemoteFS and upstream's tests do): after a chdir into it,
// relative paths go to it unchanged and getcwd asks it (vfs_cwd_py() is its slot). Everywhere
// else (FatFs volumes, "/", a filesystem without getcwd) the port keeps one absolute path and
// hands filesystems absolute paths inside them.
const char *vfs_getcwd(void);       // that absolute path (kept in both cases)
int vfs_cwd_py(void);               // slot of the filesystem keeping the directory, or -1
int vfs_chdir(const char *path);    // 0 or -errno
bool vfs_cwd_within(const char *abs);   // the current directory is abs or below it
// vfs_py.c: fs.chdir(inner) (or a stat check without chdir); 0 or -errno. *keeps_own: the
// filesystem keeps its own directory (see above).
int vfs_py_chdir(int py, const char *inner, bool *keeps_own);

// file.c, for readers outside open() (kpu.load, import, boot scripts) and for remove/rename:
// a file held by an unreachable file object is released by a collection first (closing it
// flushes what it wrote). f_open for reading, or FR_LOCKED while a reachable object writes it.
FRESULT file_open_for_reading(FIL *fp, const char *ff_path);
// Collects when a file object holds path open (for writing: writers_only), from the caller's
// frame: call it first thing in a binding, before its own buffers are on the stack.
void file_release_unreachable(const char *path, bool writers_only);
// Raises OSError EBUSY naming path when a reachable file object has ff_path open.
void file_check_unused(const char *ff_path, const char *path);

int vfs_errno(FRESULT res);         // FatFs result -> positive errno
const char *vfs_strerror(FRESULT res);   // FatFs result -> its errno's text (no libc strerror table)

#endif
