"""Mounts of Python filesystems as upstream MicroPython v1.23 treats them (issue 17): a filesystem
that keeps its own current directory (it has chdir and getcwd) receives relative paths unchanged
and answers getcwd; one mounted at '/' takes every path no mount point takes; fs.mount() is
called before a mount point in use is refused. Each filesystem here records the calls it gets."""
import pytest

# A recording filesystem: every call is appended to LOG as a tuple; `fail` makes chdir raise
# ENOENT. KeepFS adds getcwd, so it keeps its own directory (joined like mpremote's RemoteFS).
# (No class inside a function: the core's closure call hands memcpy a NULL, which UBSan stops.)
RECFS = '''
import os, vfs, io
LOG = []
class RecFS:
    def __init__(self, tag, names=(), fail=False):
        self.tag, self.names, self.fail, self.cwd = tag, list(names), fail, '/'
    def mount(self, readonly, mkfs):
        LOG.append((self.tag, 'mount', readonly, mkfs))
    def umount(self):
        LOG.append((self.tag, 'umount'))
    def chdir(self, p):
        LOG.append((self.tag, 'chdir', p))
        if self.fail:
            raise OSError(2)
        self.cwd = p if p.startswith('/') else self.cwd.rstrip('/') + '/' + p
    def ilistdir(self, p):
        LOG.append((self.tag, 'ilistdir', p))
        return iter([(n, 0x8000, 0, 1) for n in self.names])
    def stat(self, p):
        LOG.append((self.tag, 'stat', p))
        return (0x8000, 0, 0, 0, 0, 0, 5, 0, 0, 0)
    def statvfs(self, p):
        LOG.append((self.tag, 'statvfs', p))
        return (512, 512, 10, 9, 9, 0, 0, 0, 0, 255)
    def open(self, p, mode):
        LOG.append((self.tag, 'open', p, mode))
        return io.BytesIO(b'hello') if 'b' in mode else io.StringIO('hello')
    def mkdir(self, p):
        LOG.append((self.tag, 'mkdir', p))
    def rmdir(self, p):
        LOG.append((self.tag, 'rmdir', p))
    def remove(self, p):
        LOG.append((self.tag, 'remove', p))
    def rename(self, a, b):
        LOG.append((self.tag, 'rename', a, b))
class KeepFS(RecFS):
    def getcwd(self):
        LOG.append((self.tag, 'getcwd'))
        return self.cwd
def log():
    out = [tuple(e) for e in LOG]
    LOG.clear()
    return out
'''


def _cleanup(board):
    board.exec("for f, p in vfs.mount():\n    if p not in ('/sd', '/flash'):\n        vfs.umount(p)\nos.chdir('/sd')")


def test_mount_is_told_before_a_mount_point_in_use_is_refused(board):
    board.exec(RECFS + "vfs.mount(KeepFS('a'), '/rec')")
    try:
        out = board.exec("try:\n    vfs.mount(KeepFS('b'), '/rec', readonly=True)\nexcept OSError as e:\n    print(e.errno)")
        assert out.strip() == "1"   # EPERM
        assert board.eval("log()") == [("a", "mount", False, False), ("b", "mount", True, False)]
        assert board.eval("[p for f, p in vfs.mount()]") == ["/flash", "/sd", "/rec"]
    finally:
        _cleanup(board)


def test_filesystem_keeping_its_own_directory_gets_relative_paths_unchanged(board):
    board.exec(RECFS + "fs = KeepFS('k', ['x.txt'])\nvfs.mount(fs, '/keep')\nlog()")
    try:
        board.exec("os.chdir('/keep')")
        assert board.eval("log()") == [("k", "chdir", "/")]
        # the mount point alone: what the filesystem says '/' adds nothing
        assert board.eval("os.getcwd()") == "/keep"
        assert board.eval("os.listdir()") == ["x.txt"]
        assert board.eval("log()") == [("k", "getcwd"), ("k", "ilistdir", "")]
        board.exec("os.chdir('sub')\nos.mkdir('d')\nos.rmdir('d')\nos.remove('f')\nos.rename('f', 'g')\n"
                   "st = os.stat('f')\nr = open('f').read()\nw = open('f', 'wb')")
        assert board.eval("log()") == [
            ("k", "chdir", "sub"), ("k", "mkdir", "d"), ("k", "rmdir", "d"), ("k", "remove", "f"),
            ("k", "rename", "f", "g"), ("k", "stat", "f"), ("k", "open", "f", "r"), ("k", "open", "f", "wb")]
        assert board.eval("os.getcwd()") == "/keep/sub"
        # absolute paths still go through the mount table
        assert board.eval("os.stat('/keep/y')[6]") == 5
        assert board.eval("(log(), os.listdir('/sd') == os.listdir('/sd/'))") == ([("k", "getcwd"), ("k", "stat", "/y")], True)
        board.exec("os.chdir('/sd')")
        assert board.eval("os.getcwd()") == "/sd"
        assert board.eval("'x.txt' in os.listdir()") is False   # relative paths are FatFs's again
    finally:
        _cleanup(board)


def test_filesystem_without_getcwd_gets_absolute_paths_inside_it(board):
    board.exec(RECFS + "vfs.mount(RecFS('p'), '/plain')\nos.chdir('/plain')\nlog()")
    try:
        assert board.eval("os.getcwd()") == "/plain"
        board.exec("os.mkdir('d')\nos.listdir()")
        assert board.eval("log()") == [("p", "mkdir", "/d"), ("p", "ilistdir", "/")]
    finally:
        _cleanup(board)


def test_failed_chdir_and_umount_of_the_current_filesystem(board):
    board.exec(RECFS + "vfs.mount(KeepFS('f', fail=True), '/bad')\nvfs.mount(KeepFS('g'), '/good')\nlog()")
    try:
        out = board.exec("try:\n    os.chdir('/bad/sub')\nexcept OSError as e:\n    print(e.errno)")
        assert out.strip() == "2"
        assert board.eval("(log(), os.getcwd())") == ([("f", "chdir", "/sub")], "/sd")
        board.exec("os.chdir('/good')\nvfs.umount('/good')")
        # the directory went away with its filesystem: back where a board starts
        assert board.eval("os.getcwd()") == "/sd"
        assert board.eval("log()") == [("g", "chdir", "/"), ("g", "umount")]
    finally:
        _cleanup(board)


def test_filesystem_mounted_at_root_beside_the_board_volumes(board):
    board.exec(RECFS + "root = KeepFS('r', ['r1', 'r2'])\nvfs.mount(root, '/')\nlog()")
    try:
        # '/' itself stays a directory of the board; statvfs and listing ask the filesystem
        assert board.eval("os.stat('/')") == (0x4000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        assert board.eval("os.statvfs('/')[:2]") == (512, 512)
        assert board.eval("os.listdir('/')") == ["sd", "flash", "r1", "r2"]
        assert board.eval("log()") == [("r", "statvfs", "/"), ("r", "ilistdir", "/")]
        # the board's volumes are still FatFs; anything else under '/' is the filesystem's
        board.exec("open('/sd/rootfs_probe.txt', 'w').write('fat')")
        assert board.eval("open('/sd/rootfs_probe.txt').read()") == "fat"
        board.exec("os.remove('/sd/rootfs_probe.txt')")
        assert board.eval("(os.stat('/elsewhere/f')[6], log())") == (5, [("r", "stat", "/elsewhere/f")])
        # a relative path from '/' goes to it unchanged, as upstream
        board.exec("os.chdir('/')\nlog()\nopen('rel.txt').read()")
        assert board.eval("log()") == [("r", "open", "rel.txt", "r")]
        # a second filesystem below it, chdir into each and back to '/'
        board.exec("vfs.mount(KeepFS('m', ['m1']), '/mnt')\nlog()")
        assert board.eval("os.listdir('/')") == ["mnt", "sd", "flash", "r1", "r2"]
        assert board.eval("(os.listdir('/mnt'), log())") == (["m1"], [("r", "ilistdir", "/"), ("m", "ilistdir", "/")])
        board.exec("os.chdir('/mnt')\nos.listdir()\nos.chdir('/deep')\nos.listdir()\nos.chdir('/')")
        assert board.eval("log()") == [("m", "chdir", "/"), ("m", "ilistdir", ""), ("r", "chdir", "/deep"),
                                       ("r", "ilistdir", ""), ("r", "chdir", "/")]
        assert board.eval("os.getcwd()") == "/"
        board.exec("vfs.umount('/')")
        assert board.eval("log()") == [("r", "umount")]
        assert "r1" not in board.eval("os.listdir('/')")
        assert "mnt" in board.eval("os.listdir('/')")
    finally:
        _cleanup(board)


def test_mount_points_below_others_are_still_refused(board):
    board.exec(RECFS + "vfs.mount(KeepFS('r'), '/')")
    try:
        out = board.exec("try:\n    vfs.mount(KeepFS('n'), '/a/b')\nexcept OSError as e:\n    print(e)")
        assert "EINVAL: cannot mount at '/a/b'" in out
        out = board.exec("try:\n    vfs.mount(KeepFS('s'), '/')\nexcept OSError as e:\n    print(e.errno)")
        assert out.strip() == "1"
    finally:
        _cleanup(board)


def test_soft_reset_forgets_the_filesystem_directory(board):
    board.exec(RECFS + "vfs.mount(KeepFS('k'), '/keep')\nos.chdir('/keep')")
    board.reset()
    assert board.eval("__import__('os').getcwd()") == "/sd"
    assert board.eval("'keep' in __import__('os').listdir('/')") is False


@pytest.fixture(autouse=True)
def _vfs(board):
    board.exec("import os, vfs")
