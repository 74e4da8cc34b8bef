"""Files on the board's /sd and /flash: binary safety, sizes, persistence, errors."""
import os
import zlib

import pytest

# MicroPython closes files only when told (no refcounting): board code writes through this.
W = "def _w(p, m, d):\n    with open(p, m) as f:\n        f.write(d)\n"


@pytest.mark.qemu_subset
def test_all_byte_values_round_trip(board):
    board.exec("f = open('/sd/bytes.bin', 'wb'); f.write(bytes(range(256))); f.close()")
    assert board.get("/sd/bytes.bin") == bytes(range(256))
    out = board.exec("print(open('/sd/bytes.bin', 'rb').read() == bytes(range(256)))")
    assert out.strip() == "True"


def test_one_mib_file_written_on_board(board):
    # a deterministic pattern generated on the board, checked against the host's own CRC-32
    board.exec(
        "import binascii\n"
        "blk = bytearray(4096)\n"
        "crc = 0\n"
        "with open('/sd/big.bin', 'wb') as f:\n"
        "    for i in range(256):\n"
        "        for j in range(4096):\n"
        "            blk[j] = (i * 7 + j * 13) & 255\n"
        "        f.write(blk)\n"
        "        crc = binascii.crc32(blk, crc)\n"
        "print(crc)\n"
    )
    expected = bytearray()
    for i in range(256):
        expected += bytes((i * 7 + j * 13) & 255 for j in range(4096))
    size = board.eval("__import__('os').stat('/sd/big.bin')[6]")
    assert size == 1 << 20
    assert zlib.crc32(board.get("/sd/big.bin")) == zlib.crc32(expected)


def test_one_mib_random_file_put_and_checked_on_board(board, tmp_path):
    data = os.urandom(1 << 20)
    src = tmp_path / "rand.bin"
    src.write_bytes(data)
    board.put(str(src), "/sd/rand.bin")
    crc = board.exec(
        "import binascii\n"
        "crc = 0\n"
        "buf = bytearray(8192)\n"
        "with open('/sd/rand.bin', 'rb') as f:\n"
        "    while True:\n"
        "        n = f.readinto(buf)\n"
        "        if not n:\n"
        "            break\n"
        "        crc = binascii.crc32(memoryview(buf)[:n], crc)\n"
        "print(crc)\n"
    )
    crc = int(crc)
    assert crc == zlib.crc32(data)


def test_text_mode_lines_seek_tell_append(board):
    out = board.exec(
        "with open('/flash/t.txt', 'w') as f:\n"
        "    f.write('alpha\\nbeta\\n')\n"
        "with open('/flash/t.txt', 'a') as f:\n"
        "    f.write('gamma\\n')\n"
        "f = open('/flash/t.txt')\n"
        "print(f.readline().strip(), [l.strip() for l in f])\n"
        "f.seek(6); print(f.tell(), f.read(4)); f.close()\n"
        "print(type(open('/flash/t.txt').read()).__name__, type(open('/flash/t.txt', 'rb').read()).__name__)\n"
    )
    assert out.split("\n")[:3] == ["alpha ['beta', 'gamma']", "6 beta", "str bytes"]


def test_readinto_and_write_return_counts(board):
    out = board.exec(
        "with open('/sd/r.bin', 'wb') as f:\n"
        "    print(f.write(b'0123456789'))\n"
        "b = bytearray(4)\n"
        "with open('/sd/r.bin', 'rb') as f:\n"
        "    f.seek(-4, 2); print(f.readinto(b), bytes(b), f.read())\n"
    )
    assert out.split("\n")[:2] == ["10", "4 b'6789' b''"]


@pytest.mark.qemu_subset
def test_os_directory_operations(board):
    out = board.exec(
        W +
        "import os\n"
        "os.mkdir('/sd/d'); os.mkdir('/sd/d/e')\n"
        "_w('/sd/d/e/f.txt', 'w', 'x')\n"
        "os.chdir('/sd/d'); print(os.getcwd(), os.listdir('e'))\n"
        "os.rename('e/f.txt', 'e/g.txt'); print(os.listdir('/sd/d/e'))\n"
        "print(sorted(t[:2] for t in os.ilistdir('/sd/d')))\n"
        "st = os.stat('e/g.txt'); print(st[0] & 0xF000 == 0x8000, st[6])\n"
        "print(os.stat('/sd')[0] & 0xF000 == 0x4000)\n"
        "os.remove('e/g.txt'); os.rmdir('e'); os.chdir('..'); os.rmdir('d')\n"
        "print('d' in os.listdir('/sd'), os.getcwd())\n"
        "s = os.statvfs('/flash'); print(s[0] == 4096, s[2] > 600, s[3] <= s[2])\n"
    )
    assert out.split("\n")[:7] == [
        "/sd/d ['f.txt']",
        "['g.txt']",
        "[('e', 16384)]",
        "True 1",
        "True",
        "False /sd",
        "True True True",
    ]


@pytest.mark.parametrize(
    "code, err",
    [
        ("open('/sd/missing.txt')", "ENOENT"),
        ("__import__('os').mkdir('/sd/dup'); __import__('os').mkdir('/sd/dup')", "EEXIST"),
        ("open('/sd/full', 'w').close(); __import__('os').mkdir('/sd/ne'); open('/sd/ne/x', 'w').close(); __import__('os').rmdir('/sd/ne')", "ENOTEMPTY"),
        ("open('/sd')", "EISDIR"),
        ("__import__('os').remove('/sd/nothere')", "ENOENT"),
        ("__import__('os').listdir('/nodrive')", "ENOENT"),
        ("__import__('os').rename('/sd/full', '/flash/full')", "EXDEV"),
    ],
)
def test_os_errors_carry_errno(board, code, err):
    out = board.exec(
        "import errno\n"
        "try:\n"
        f"    {code}\n"
        "    print('no error')\n"
        "except OSError as e:\n"
        "    print(errno.errorcode[e.errno])\n"
    )
    assert out.strip() == err


def test_rename_replaces_existing_file(board):
    out = board.exec(
        W +
        "_w('/sd/a.txt', 'w', 'new'); _w('/sd/b.txt', 'w', 'old')\n"
        "__import__('os').rename('/sd/a.txt', '/sd/b.txt')\n"
        "print(open('/sd/b.txt').read(), 'a.txt' in __import__('os').listdir('/sd'))\n"
    )
    assert out.strip() == "new False"


def test_full_sd_raises_enospc_and_keeps_earlier_file(board):
    out = board.exec(
        W +
        "import os, errno, binascii\n"
        "keep = bytes(range(256)) * 64\n"
        "_w('/sd/keep.bin', 'wb', keep)\n"
        "st = os.statvfs('/sd'); free0 = st[0] * st[3]\n"   # other tests may have left files
        "blk = bytes(65536)\n"
        "n = 0\n"
        "try:\n"
        "    with open('/sd/filler.bin', 'wb') as f:\n"
        "        while True:\n"
        "            f.write(blk); n += 1\n"
        "except OSError as e:\n"
        "    print(errno.errorcode[e.errno], n * 65536 > free0 - 256 * 1024)\n"
        "print(open('/sd/keep.bin', 'rb').read() == keep)\n"
        "os.remove('/sd/filler.bin')\n"
        "st = os.statvfs('/sd'); print(st[0] * st[3] == free0)\n",
        timeout=120,
    )
    assert out.split("\n")[:3] == ["ENOSPC True", "True", "True"]


@pytest.mark.qemu_subset
def test_files_persist_across_soft_reset_and_restart(board):
    payload = bytes(range(256)) * 4
    board.exec(W + f"_w('/sd/persist.bin', 'wb', {payload!r}); _w('/flash/persist.txt', 'w', 'kept')")
    board.reset()
    assert board.get("/sd/persist.bin") == payload
    board.restart()
    assert board.get("/sd/persist.bin") == payload
    assert board.exec("print(open('/flash/persist.txt').read())").strip() == "kept"


@pytest.mark.qemu_subset
@pytest.mark.parametrize("collect", [
    "import os; os.remove('/sd/rb.txt')",   # the collection os.remove runs to close a dropped reader
    "import gc; gc.collect()",
])
def test_soft_reset_after_a_collection_in_the_raw_repl(board, collect):
    # The raw REPL keeps the script's text in a GC block referenced only from its own stack frame.
    # With -flto that loop was once inlined into k210_main above the GC's stack top: the collection
    # freed the block, the soft reset freed it again (gc.c assertion, board dead).
    out = board.exec("f = open('/sd/rb.txt', 'w'); f.write('abc'); f.close()\n"
                     "print(open('/sd/rb.txt').read())\n" + collect + "\n"
                     "print('x' * 100)\n")   # allocations that would reuse a wrongly freed block
    assert out.split() == ["abc", "x" * 100]
    board.reset()
    assert board.exec("import os\nprint(1 + 1, 'rb.txt' in os.listdir('/sd'))").split() == \
        ["2", "False" if "remove" in collect else "True"]
    board.reset()   # a second time: the new interpreter's collections are sound too


@pytest.mark.qemu_subset
def test_read_of_a_file_open_only_for_writing_raises(board):
    # read() with no size once took the size left (0 at the end of an 'ab' file) and gave b''
    out = board.exec(W + "_w('/sd/wo.bin', 'wb', b'abc')\n"
                     "for mode in ('ab', 'wb', 'a'):\n"
                     "    f = open('/sd/wo.bin', mode)\n"
                     "    for args in ((), (1,), (-1,)):\n"
                     "        try:\n"
                     "            print(mode, args, repr(f.read(*args)))\n"
                     "        except OSError:\n"
                     "            print(mode, args, 'OSError')\n"
                     "    f.close()\n"
                     "print(open('/sd/wo.bin', 'rb').read())\n")
    lines = out.strip().splitlines()
    assert lines[:-1] == [f"{m} {a} OSError" for m in ("ab", "wb", "a") for a in ("()", "(1,)", "(-1,)")], out
    assert lines[-1] == "b''"   # the last 'wb' and 'a' opens truncated it, then wrote nothing


def test_import_from_sd_lib_and_boot_main_scripts(board):
    board.exec(
        W +
        "import os\n"
        "try:\n    os.mkdir('/sd/lib')\nexcept OSError:\n    pass\n"
        "_w('/sd/lib/mymod.py', 'w', 'VALUE = 41 + 1\\n')\n"
        "_w('/flash/boot.py', 'w', 'BOOTED = 1\\nwith open(\"/sd/boot.log\", \"a\") as f:\\n    f.write(\"b\")\\n')\n"
    )
    assert board.exec("import mymod; print(mymod.VALUE)").strip() == "42"
    board.reset()
    try:
        assert board.exec("print(BOOTED, open('/sd/boot.log').read())").strip() == "1 b"
    finally:
        board.exec("import os; os.remove('/flash/boot.py')")


def test_reopen_after_unclosed_write_sees_the_data(board):
    # open(p, 'w').write(d) leaves an unreachable, unclosed file; the next open of p must not
    # fail with EBUSY and must read what was written.
    out = board.exec("open('/sd/unclosed.txt', 'w').write('abc' * 100)\nprint(len(open('/sd/unclosed.txt').read()))")
    assert out.strip() == "300"
