"""machine.Flash: raw SPI flash access, sector-edge writes that keep their neighbours, errors."""
import pytest

SECTOR = 4096
BASE = 0x600000   # model area, far from the firmware and the /flash filesystem


def test_size_and_erased_state(board):
    out = board.exec(
        "import machine\n"
        "f = machine.Flash()\n"
        f"f.erase({BASE}, {2 * SECTOR})\n"
        f"print(f.size(), f.read({BASE}, 8), f.read({BASE + 2 * SECTOR - 4}, 4))\n"
    )
    assert out.strip() == "16777216 b'\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff' b'\\xff\\xff\\xff\\xff'"


@pytest.mark.parametrize("offset, length", [
    (BASE + SECTOR - 3, 7),           # straddles one sector edge
    (BASE + SECTOR - 1, SECTOR + 2),  # covers a whole sector plus one byte either side
    (BASE, SECTOR),                   # exactly one sector
    (BASE + 255, 2),                  # straddles a 256-byte program page
])
def test_write_across_edges_keeps_neighbours(board, offset, length):
    out = board.exec(
        "import machine\n"
        "f = machine.Flash()\n"
        f"base, off, n = {BASE - SECTOR}, {offset}, {length}\n"
        "span = 4 * 4096\n"
        "f.erase(base, span)\n"
        "before = bytes((i * 31 + 7) & 255 for i in range(span))\n"
        "f.write(base, before)\n"
        "data = bytes((i * 17 + 3) & 255 for i in range(n))\n"
        "f.write(off, data)\n"
        "after = f.read(base, span)\n"
        "expect = before[:off - base] + data + before[off - base + n:]\n"
        "print(after == expect, f.read(off, n) == data)\n"
        "buf = bytearray(n); f.readinto(off, buf); print(bytes(buf) == data)\n"
    )
    assert out.split("\n")[:2] == ["True True", "True"]


@pytest.mark.qemu_subset
def test_overwrite_needing_erase_and_programming_only(board):
    # 0x0F -> 0x0E needs no erase (bits only clear); 0x0F -> 0xF0 needs one
    out = board.exec(
        "import machine\n"
        "f = machine.Flash()\n"
        f"f.erase({BASE}, 4096); f.write({BASE}, b'\\x0f' * 4096)\n"
        f"f.write({BASE} + 10, b'\\x0e'); f.write({BASE} + 20, b'\\xf0')\n"
        f"d = f.read({BASE}, 4096)\n"
        "print(d[10], d[20], d[9], d[21], d.count(b'\\x0f'))\n"
    )
    assert out.strip() == "14 240 15 15 4094"


@pytest.mark.parametrize("call, words", [
    ("f.read(16 * 1024 * 1024 - 2, 4)", ["0xfffffe", "16777216"]),
    ("f.read(-1, 4)", ["outside"]),
    ("f.write(16 * 1024 * 1024, b'x')", ["0x1000000"]),
    ("f.erase(0x600001, 4096)", ["multiples", "4096"]),
    ("f.erase(0x600000, 100)", ["multiples"]),
])
def test_out_of_range_and_misaligned_raise_value_error(board, call, words):
    out = board.exec(
        "import machine\n"
        "f = machine.Flash()\n"
        "try:\n"
        f"    {call}\n"
        "    print('no error')\n"
        "except ValueError as e:\n"
        "    print('ValueError', e)\n"
    )
    assert out.startswith("ValueError")
    for w in words:
        assert w in out


@pytest.mark.qemu_subset
def test_flash_contents_survive_restart(board):
    board.exec(f"import machine; machine.Flash().write({BASE + 100}, b'persistent bytes')")
    board.restart()
    assert board.exec(f"import machine; print(machine.Flash().read({BASE + 100}, 16))").strip() == "b'persistent bytes'"


def test_flash_filesystem_region_is_mounted_fat(board):
    out = board.exec(
        "import machine, os\n"
        "boot = machine.Flash().read(machine.Flash.FS_OFFSET, 512)\n"
        "print(hex(machine.Flash.FS_OFFSET), boot[510:512] == b'\\x55\\xaa', 'flash' in os.listdir('/'))\n"
    )
    assert out.strip() == "0xd00000 True True"
