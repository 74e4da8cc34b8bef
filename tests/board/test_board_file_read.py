"""read() without a size on a binary file allocates once, from the size left in the file (the
stream's readall grows by realloc and needs old + new at its peak: a 230 KB image failed on a
512 KiB heap). Sized reads, text files and read(None) / read(-1) keep their meaning."""


def test_read_all_allocates_the_size_left_once(board):
    out = board.exec(
        "import gc, os\n"
        "with open('/sd/r230.bin', 'wb') as f:\n"
        "    b = bytearray(4096)\n"
        "    for i in range(56):\n"
        "        b[0] = i\n"
        "        f.write(b)\n"
        "    f.write(b'tail')\n"
        "b = None\n"
        "f = open('/sd/r230.bin', 'rb')\n"
        "gc.collect(); gc.disable()\n"
        "m0 = gc.mem_free()\n"
        "x = f.read()\n"
        "used = m0 - gc.mem_free()\n"
        "gc.enable()\n"
        "print(len(x), x[4096], x[-4:], used)\n"
        "x = None\n"
        "f.seek(229370)\n"
        "print(f.read(), f.read(), f.seek(0), len(f.read(None)), f.seek(-2, 2), f.read(-1), f.read(3))\n"
        "f.close()\n"
        "with open('/sd/r.txt', 'w') as t:\n"
        "    t.write('h\\u00e9llo')\n"
        "with open('/sd/r.txt') as t:\n"
        "    print(t.read(), end=' ')\n"
        "with open('/sd/r.txt') as t:\n"
        "    print(t.read(2))\n"
        "os.remove('/sd/r230.bin'); os.remove('/sd/r.txt')\n")
    first, second, third = out.strip().splitlines()
    n, b1, tail, used = first.split(" ", 3)[0], first.split(" ")[1], first.split(" ")[2], int(first.split(" ")[3])
    assert (n, b1, tail) == ("229380", "1", "b'tail'")
    # one block of the file's size (+1 for the terminator, 16-byte granules, the bytes object)
    assert 229380 <= used <= 229380 + 128
    assert second == "b'\\x00\\x00\\x00\\x00\\x00\\x00tail' b'' 0 229380 229378 b'il' b''"
    assert third == "héllo hé"
