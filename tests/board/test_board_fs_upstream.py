"""Files and mounts as upstream MicroPython scripts and tools expect them (issue 17): listdir with
no argument, dropped writers, a reader plus an appender, the directory after a soft reset,
filesystems written in Python mounted with os.mount and imported from."""
import subprocess

import pytest

from kpu_board import IRIS_IN, IRIS_OUT, model_bytes
from simproc import ROOT

# A filesystem in Python, as mpremote's RemoteFS is one: a dict of path -> bytes (None: directory).
# (No class inside a function: the core's closure call hands memcpy a NULL, which UBSan stops.)
MEMFS = '''
import io, os
class MemWriter:
    def __init__(self, files, p):
        self.files, self.p, self.buf = files, p, io.BytesIO()
    def write(self, b):
        return self.buf.write(b)
    def close(self):
        self.files[self.p] = self.buf.getvalue()
class MemFS:
    def __init__(self, files):
        self.files = files
        self.log = []
    def mount(self, readonly, mkfs):
        self.log.append(('mount', readonly, mkfs))
    def umount(self):
        self.log.append(('umount',))
    def _get(self, p):
        if p != '/' and p not in self.files:
            raise OSError(2)
        return self.files.get(p)
    def stat(self, p):
        d = self._get(p)
        if d is None:
            return (0x4000, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        return (0x8000, 0, 0, 0, 0, 0, len(d), 0, 0, 0)
    def statvfs(self, p):
        return (1024, 1024, 64, 60, 60, 0, 0, 0, 0, 255)
    def ilistdir(self, p):
        base = p.rstrip('/') + '/'
        for k in sorted(self.files):
            if k.startswith(base) and '/' not in k[len(base):]:
                yield (k[len(base):], 0x4000 if self.files[k] is None else 0x8000, 0)
    def chdir(self, p):
        if self._get(p) is not None:
            raise OSError(20)
    def open(self, p, mode):
        if 'w' in mode:
            return MemWriter(self.files, p)
        d = self._get(p)
        return io.BytesIO(d) if 'b' in mode else io.StringIO(d.decode())
    def mkdir(self, p):
        self.files[p] = None
    def remove(self, p):
        self._get(p)
        del self.files[p]
    rmdir = remove
    def rename(self, a, b):
        self.files[b] = self.files.pop(a)
fs = MemFS({'/lib': None, '/lib/memmod.py': b'def twice(x):\\n    return 2 * x\\n',
            '/data.txt': b'line one\\nline two\\n'})
'''


def clean(board, *paths):
    board.exec("import os\nfor p in %r:\n    try:\n        os.remove(p)\n    except OSError:\n        pass\n" % (paths,))


@pytest.mark.qemu_subset
def test_listdir_and_ilistdir_without_argument_list_the_current_directory(board):
    board.exec("import os\ntry:\n    os.mkdir('/sd/ls_here')\nexcept OSError:\n    pass\n"
               "f = open('/sd/ls_here/one.txt', 'w'); f.write('1'); f.close()\nos.chdir('/sd/ls_here')")
    assert board.eval("os.listdir()") == ["one.txt"]
    assert board.eval("list(os.ilistdir())") == [("one.txt", 0x8000, 0, 1)]
    board.exec("os.chdir('/')")
    assert sorted(board.eval("os.listdir()")) == ["flash", "sd"]
    board.exec("os.remove('/sd/ls_here/one.txt'); os.rmdir('/sd/ls_here')")


@pytest.mark.qemu_subset
def test_dropped_writer_does_not_block_remove_or_rename(board):
    clean(board, "/sd/dw_a.txt", "/sd/dw_b.txt", "/sd/dw_c.txt")
    # the issue's own lines: the unclosed writer is flushed and closed, not left to block
    out = board.exec("import os\nopen('/sd/dw_a.txt', 'w').write('abc'); os.remove('/sd/dw_a.txt')\n"
                     "print('dw_a.txt' in os.listdir('/sd'))")
    assert out.strip() == "False"
    out = board.exec("open('/sd/dw_b.txt', 'w').write('x' * 700); os.rename('/sd/dw_b.txt', '/sd/dw_c.txt')\n"
                     "print(open('/sd/dw_c.txt').read() == 'x' * 700)")
    assert out.strip() == "True"
    # inside a function too
    out = board.exec("def f(p):\n    open(p, 'w').write('in function')\n    os.remove(p)\n    return 'ok'\n"
                     "print(f('/sd/dw_a.txt'))")
    assert out.strip() == "ok"
    clean(board, "/sd/dw_c.txt")


def test_reachable_writer_blocks_remove_and_rename_with_a_message_naming_it(board):
    clean(board, "/sd/held.txt", "/sd/held2.txt")
    out = board.exec(
        "import os\nh = open('/sd/held.txt', 'w'); h.write('kept')\n"
        "for op in (lambda: os.remove('/sd/held.txt'), lambda: os.rename('/sd/held.txt', '/sd/held2.txt')):\n"
        "    try:\n        op()\n        print('no error')\n"
        "    except OSError as e:\n        print(e.errno, e)\n"
        "h.close(); print(open('/sd/held.txt').read()); os.remove('/sd/held.txt')")
    lines = out.strip().splitlines()
    assert len(lines) == 3
    for line in lines[:2]:
        assert line.startswith("16 [Errno 16] EBUSY: '/sd/held.txt' is open for writing")
        assert line.endswith("close it first")
    assert lines[2] == "kept"


@pytest.mark.qemu_subset
def test_reader_can_be_joined_by_an_appender_as_upstream(board):
    # what upstream's io/file_readline does: read a line, append, read on
    out = board.exec(
        "f = open('/sd/ra.txt', 'w'); f.write('first\\nsecond\\n'); f.close()\n"
        "r = open('/sd/ra.txt')\nprint(repr(r.readline()))\n"
        "a = open('/sd/ra.txt', 'a'); a.write('third\\n'); a.close()\n"
        "print(repr(r.readline())); r.close()\n"
        "print(repr(open('/sd/ra.txt').read()))")
    assert out.split() == ["'first\\n'", "'second\\n'", "'first\\nsecond\\nthird\\n'"]
    clean(board, "/sd/ra.txt")


def test_second_writer_on_one_file_is_refused_and_the_file_stays_whole(board):
    out = board.exec(
        "a = open('/sd/two.txt', 'w'); a.write('A' * 5000)\n"
        "for m in ('w', 'a', 'r+'):\n"
        "    try:\n        open('/sd/two.txt', m)\n        print('opened', m)\n"
        "    except OSError as e:\n        print(e.errno)\n"
        "a.close(); print(len(open('/sd/two.txt').read()))")
    assert out.split() == ["16", "16", "16", "5000"]
    clean(board, "/sd/two.txt")


@pytest.mark.qemu_subset
def test_kpu_load_reads_what_a_dropped_writer_wrote(board):
    data = model_bytes("iris_nncase01_v3.kmodel")
    board.put(data, "/sd/iris_src.kmodel")
    out = board.exec(
        "import kpu, array\n"
        "open('/sd/iris_dw.kmodel', 'wb').write(open('/sd/iris_src.kmodel', 'rb').read())\n"
        f"m = kpu.load('/sd/iris_dw.kmodel'); print(list(kpu.forward(m, array.array('f', {IRIS_IN}))))\n"
        "kpu.deinit(m)")
    assert eval(out.strip()) == pytest.approx(IRIS_OUT, abs=1e-4)
    # a writer still held: kpu.load says so instead of reading a half-written file
    out = board.exec(
        "h = open('/sd/iris_dw.kmodel', 'ab')\n"
        "try:\n    kpu.load('/sd/iris_dw.kmodel')\nexcept OSError as e:\n    print(e)\nh.close()")
    assert "still has it open for writing; close it first" in out
    clean(board, "/sd/iris_dw.kmodel", "/sd/iris_src.kmodel")


def test_soft_reset_returns_to_the_start_directory(board):
    board.exec("import os\ntry:\n    os.mkdir('/sd/wander')\nexcept OSError:\n    pass\nos.chdir('/sd/wander')")
    assert board.eval("os.getcwd()") == "/sd/wander"
    board.reset()
    # where a powered-on board starts: /sd with a card (MaixPy's rule)
    assert board.eval("__import__('os').getcwd()") == "/sd"
    board.exec("import os; os.rmdir('/sd/wander')")


@pytest.mark.qemu_subset
def test_python_filesystem_mount_import_read_and_umount(board):
    board.exec(MEMFS + "os.mount(fs, '/mem')")
    try:
        assert board.eval("fs.log") == [("mount", False, False)]
        assert board.eval("sorted(os.listdir('/'))") == ["flash", "mem", "sd"]
        assert board.eval("os.listdir('/mem')") == ["data.txt", "lib"]
        assert board.eval("(os.stat('/mem/data.txt')[0], os.stat('/mem/data.txt')[6])") == (0x8000, 18)
        assert board.eval("os.statvfs('/mem')[:4]") == (1024, 1024, 64, 60)
        # import through sys.path, then relative to the current directory as mpremote does
        board.exec("import sys; sys.path.append('/mem/lib')")
        assert board.eval("__import__('memmod').twice(21)") == 42
        board.exec("os.chdir('/mem')")
        assert board.eval("os.getcwd()") == "/mem"
        assert board.eval("open('data.txt').read()") == "line one\nline two\n"
        assert board.eval("os.listdir()") == ["data.txt", "lib"]
        board.exec("w = open('new.bin', 'wb'); w.write(b'\\x00\\xff'); w.close()\n"
                   "os.rename('/mem/new.bin', 'moved.bin'); os.mkdir('d')")
        assert board.eval("(fs.files['/moved.bin'], fs.files['/d'])") == (b"\x00\xff", None)
        board.exec("os.remove('moved.bin'); os.rmdir('/mem/d')")
        assert board.eval("'/moved.bin' in fs.files or '/d' in fs.files") is False
        out = board.exec("try:\n    os.rename('/mem/data.txt', '/sd/data.txt')\nexcept OSError as e:\n    print(e.errno)")
        assert out.strip() == "18"   # EXDEV
        out = board.exec("try:\n    open('/mem/none.txt')\nexcept OSError as e:\n    print(e.errno)")
        assert out.strip() == "2"
        out = board.exec("try:\n    __import__('kpu').load('/mem/data.txt')\nexcept OSError as e:\n    print(e)")
        assert "not from a mounted Python filesystem" in out
    finally:
        board.exec("os.umount('/mem')")
    assert board.eval("fs.log[-1]") == ("umount",)
    # the directory went away with the mount: back where a board starts
    assert board.eval("os.getcwd()") == "/sd"
    assert sorted(board.eval("os.listdir('/')")) == ["flash", "sd"]


def test_mount_errors_and_the_vfs_module(board):
    board.exec(MEMFS)
    out = board.exec(
        "import vfs\n"
        "for p in ('/sd', '/', '/sd/deep', '/x/y'):\n"
        "    try:\n        os.mount(fs, p)\n        print('mounted', p)\n"
        "    except OSError as e:\n        print(e.errno, e)\n"
        "os.umount('/')\n"
        "try:\n    os.umount('/nothing')\nexcept OSError as e:\n    print(e.errno)\n")
    lines = out.strip().splitlines()
    assert lines[0].startswith("1 [Errno 1] EPERM: '/sd' is the board's built-in volume")
    assert lines[1] == "mounted /"   # as upstream (test_board_vfs_root.py)
    assert all(line.startswith("22 [Errno 22] EINVAL: cannot mount at") for line in lines[2:4])
    assert lines[4:] == ["22"]   # (umount of /sd itself: test_board_vfs_umount.py)
    board.exec("vfs.mount(fs, '/m2')")
    out = board.exec("try:\n    vfs.mount(fs, '/m2')\nexcept OSError as e:\n    print(e.errno)")
    assert out.strip() == "1"
    mounts = board.eval("[(str(f), p) for f, p in vfs.mount()]")
    assert mounts[:2] == [("<VfsFat /flash>", "/flash"), ("<VfsFat /sd>", "/sd")]
    assert mounts[2][1] == "/m2"
    board.exec("vfs.umount(fs)")
    assert [p for _, p in board.eval("[(0, p) for f, p in vfs.mount()]")] == ["/flash", "/sd"]
    # the built-in volumes' objects take paths inside the volume
    assert board.eval("vfs.mount()[1][0].statvfs('/') == os.statvfs('/sd')") is True
    assert board.eval("vfs.mount()[0][0].stat('/')[0]") == 0x4000
    board.exec("sd = vfs.mount()[1][0]\nsd.mkdir('vf')\nf = sd.open('/vf/a.txt', 'w'); f.write('via VfsFat'); f.close()\n"
               "sd.rename('vf/a.txt', '/vf/b.txt')")
    assert board.eval("(open('/sd/vf/b.txt').read(), [e[0] for e in sd.ilistdir('/vf')])") == ("via VfsFat", ["b.txt"])
    board.exec("sd.remove('vf/b.txt'); sd.rmdir('/vf')")
    assert board.eval("'vf' in os.listdir('/sd')") is False
    assert board.eval("hasattr(vfs, 'VfsFat')") is False   # no FAT on a block device of one's own


def test_mounts_do_not_survive_a_soft_reset(board):
    board.exec(MEMFS + "os.mount(fs, '/mem'); os.chdir('/mem')")
    board.reset()
    assert sorted(board.eval("__import__('os').listdir('/')")) == ["flash", "sd"]
    assert board.eval("__import__('os').getcwd()") == "/sd"


def test_kpu_fmap_and_imgfile_missing_file_say_what_is_wrong(board):
    out = board.exec("import KPU as kpu\ntry:\n    kpu.fmap(None, 0)\nexcept NotImplementedError as e:\n    print(e)")
    assert "KPU.fmap(fmap, ch) is not supported" in out and "no image module" in out
    out = board.exec("import imgfile\ntry:\n    imgfile.load('/sd/no_such.bmp')\nexcept OSError as e:\n    print(e.errno, e)")
    assert out.strip() == "2 [Errno 2] ENOENT: imgfile.load: cannot open /sd/no_such.bmp"


MPY_CROSS = sorted((ROOT / "build" / "deps").glob("mpy-cross/build/mpy-cross"))


@pytest.mark.qemu_subset
def test_import_of_mpy_files_from_sd_and_from_a_python_filesystem(board, tmp_path):
    if not MPY_CROSS:
        pytest.skip("build/deps holds no mpy-cross build (run ./scripts/setup)")
    src = tmp_path / "mpymod.py"
    src.write_text("def area(w, h):\n    return w * h\nNAME = 'compiled'\n")
    subprocess.run([str(MPY_CROSS[0]), str(src)], check=True, timeout=60)
    mpy = (tmp_path / "mpymod.mpy").read_bytes()
    board.exec("import os\ntry:\n    os.mkdir('/sd/mpylib')\nexcept OSError:\n    pass")
    board.put(mpy, "/sd/mpylib/mpymod.mpy")
    assert board.eval("__import__('sys').path.append('/sd/mpylib') or "
                      "(__import__('mpymod').area(6, 7), __import__('mpymod').NAME)") == (42, "compiled")
    # the same bytes through a Python filesystem, and a file that is no .mpy at all
    board.exec(MEMFS + f"fs.files['/mpymod2.mpy'] = {mpy!r}\nfs.files['/bad.mpy'] = b'M\\x99junk'\n"
               "os.mount(fs, '/mem'); __import__('sys').path.append('/mem')")
    try:
        assert board.eval("__import__('mpymod2').area(3, 5)") == 15
        out = board.exec("try:\n    import bad\nexcept ValueError as e:\n    print('ValueError', e)")
        assert out.startswith("ValueError")
    finally:
        board.exec("os.umount('/mem'); os.remove('/sd/mpylib/mpymod.mpy'); os.rmdir('/sd/mpylib')")
