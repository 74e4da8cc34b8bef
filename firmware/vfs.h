// The board's two filesystems and the path rules shared by os, open() and import:
// "/sd/..." is FatFs volume 0, "/flash/..." volume 1, "/" lists the mounted ones.
#ifndef K210_VFS_H
#define K210_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include "ff.h"

#define VFS_PATH_MAX 256

typedef enum { VFS_SD = 0, VFS_FLASH = 1, VFS_COUNT = 2, VFS_ROOT = -1 } vfs_vol_t;

// Mounts /flash (formatting the region if it holds no filesystem, as MaixPy does) and /sd (only a
// blank, never-formatted card is formatted). Prints a line for a volume that cannot be mounted.
void vfs_mount_all(void);
void vfs_unmount_all(void);
bool vfs_is_mounted(vfs_vol_t vol);
const char *vfs_mount_name(vfs_vol_t vol);   // "sd", "flash"
FATFS *vfs_fatfs(vfs_vol_t vol);

// Turns a path (absolute, or relative to the current directory; ".", ".." and repeated "/" are
// folded) into the FatFs path "N:/a/b". Returns 0, or -ENOENT for a path outside any mounted
// volume, -ENAMETOOLONG. *vol is VFS_ROOT for "/" itself.
int vfs_resolve(const char *path, char *ff_path, size_t len, vfs_vol_t *vol);

const char *vfs_getcwd(void);
int vfs_chdir(const char *path);    // 0 or -errno

int vfs_errno(FRESULT res);         // FatFs result -> positive errno

#endif
