"""vfs.umount of the board's own volumes, as upstream MicroPython allows it (its tests unmount
everything before mounting their own filesystems): refused while a file object still holds a file
there, gone from every path until the next soft reset, which mounts it again with its files."""
import pytest


def test_umount_sd_refused_while_a_file_is_open_then_gone_until_soft_reset(board):
    board.exec("import os, vfs\nf = open('/sd/umount_probe.txt', 'w')\nf.write('kept across umount')")
    out = board.exec("try:\n    vfs.umount('/sd')\nexcept OSError as e:\n    print(e.errno, e)")
    assert out.startswith("16 ") and "'/sd' is open for writing" in out
    assert board.eval("sorted(os.listdir('/'))") == ["flash", "sd"]
    board.exec("f.close()\ndel f\nos.chdir('/sd')\nvfs.umount('/sd')")
    assert board.eval("os.listdir('/')") == ["flash"]
    assert board.eval("os.getcwd()") == "/"    # the directory went with the volume
    out = board.exec("try:\n    open('/sd/umount_probe.txt')\nexcept OSError as e:\n    print(e.errno)")
    assert out.strip() == "19"   # ENODEV: no volume there now
    assert [m[1] for m in board.eval("[(str(a), b) for a, b in vfs.mount()]")] == ["/flash"]
    board.reset()
    assert sorted(board.eval("__import__('os').listdir('/')")) == ["flash", "sd"]
    assert board.eval("open('/sd/umount_probe.txt').read()") == "kept across umount"
    assert board.eval("__import__('os').getcwd()") == "/sd"
    board.exec("import os; os.remove('/sd/umount_probe.txt')")


def test_a_dropped_writer_does_not_block_umount(board):
    # the unreachable file object is collected (and flushed) first, as for remove and rename
    board.exec("import vfs\ndef w():\n    open('/flash/dropped.txt', 'w').write('flushed')\nw()\nvfs.umount('/flash')")
    assert board.eval("__import__('os').listdir('/')") == ["sd"]
    board.reset()
    assert board.eval("open('/flash/dropped.txt').read()") == "flushed"
    board.exec("import os; os.remove('/flash/dropped.txt')")


def test_with_every_volume_unmounted_a_python_filesystem_serves_execfile(board):
    board.exec(
        "import io, os, vfs\n"
        "class F(io.IOBase):\n"
        "    def __init__(self, b):\n        self.b, self.o = b, 0\n"
        "    def ioctl(self, r, a):\n        return 0\n"
        "    def readinto(self, buf):\n"
        "        n = min(len(buf), len(self.b) - self.o)\n"
        "        buf[:n] = self.b[self.o:self.o + n]\n        self.o += n\n        return n\n"
        "class FS:\n"
        "    opened = []\n"
        "    def open(self, p, m):\n"
        "        self.opened.append((p, m))\n"
        "        if p != '/hello.py':\n            raise OSError(2)\n"
        "        return F(b'print(6 * 7)')\n"
        "for p in os.listdir('/'):\n    vfs.umount('/' + p)\n"
        "fs = FS()\nvfs.mount(fs, '/only')\n")
    assert board.eval("os.listdir('/')") == ["only"]
    out = board.exec("execfile('/only/hello.py')\ntry:\n    execfile('/only/none.py')\nexcept OSError as e:\n    print(e.errno)")
    assert out.split() == ["42", "2"]
    assert board.eval("fs.opened") == [("/hello.py", "rb"), ("/none.py", "rb")]
    board.reset()
    assert sorted(board.eval("__import__('os').listdir('/')")) == ["flash", "sd"]


@pytest.mark.parametrize("path", ["/sd", "/flash"])
def test_umount_of_a_volume_already_unmounted_is_einval(board, path):
    out = board.exec(f"import vfs\nvfs.umount({path!r})\ntry:\n    vfs.umount({path!r})\nexcept OSError as e:\n    print(e.errno)")
    assert out.strip() == "22"
    board.reset()


def test_a_python_mount_point_is_not_a_directory_to_create_or_remove(board):
    # upstream refuses these without calling the filesystem; so does the port, as for /sd
    board.exec(
        "import os, vfs\n"
        "class Rec:\n"
        "    calls = []\n"
        "    def mkdir(self, p):\n        self.calls.append(('mkdir', p))\n"
        "    def rmdir(self, p):\n        self.calls.append(('rmdir', p))\n"
        "    def remove(self, p):\n        self.calls.append(('remove', p))\n"
        "rec = Rec()\nvfs.mount(rec, '/rec')\n")
    try:
        out = board.exec("for f in (os.mkdir, os.rmdir, os.remove):\n"
                         "    try:\n        f('/rec')\n    except OSError as e:\n        print(e.errno)\n"
                         "os.mkdir('/rec/sub')\nos.rmdir('/rec/sub')\nprint(rec.calls)")
        assert out.splitlines() == ["17", "16", "21", "[('mkdir', '/sub'), ('rmdir', '/sub')]"]
        # mount points in "/" are listed as upstream lists them: (name, type, inode)
        assert sorted(board.eval("list(os.ilistdir('/'))")) == [
            ("flash", 0x4000, 0), ("rec", 0x4000, 0), ("sd", 0x4000, 0)]
    finally:
        board.exec("vfs.umount('/rec')")
