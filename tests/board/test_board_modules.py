"""time, binascii, machine, sys/gc on the board, against the host's own implementations."""
import binascii
import os
import zlib

import pytest


def test_binascii_matches_host(board):
    data = os.urandom(300)
    out = board.exec(
        "import binascii\n"
        f"d = {data!r}\n"
        "print(binascii.hexlify(d).decode())\n"
        "print(binascii.b2a_base64(d).decode().strip())\n"
        "print(binascii.crc32(d), binascii.crc32(d[100:], binascii.crc32(d[:100])))\n"
        "print(binascii.unhexlify(binascii.hexlify(d)) == d, binascii.a2b_base64(binascii.b2a_base64(d)) == d)\n"
        "print(binascii.hexlify(b'\\x01\\xab', ':'), binascii.b2a_base64(b'ab', newline=False))\n"
        "print(binascii.a2b_base64(b'YW\\nJj ZA=='))\n"
    )
    lines = out.split("\n")
    assert lines[0] == binascii.hexlify(data).decode()
    assert lines[1] == binascii.b2a_base64(data).decode().strip()
    crc = zlib.crc32(data)
    assert lines[2] == f"{crc} {crc}"
    assert lines[3] == "True True"
    assert lines[4] == "b'01:ab' b'YWI='"
    assert lines[5] == "b'abcd'"


@pytest.mark.parametrize("call, word", [
    ("binascii.unhexlify(b'abc')", "odd"),
    ("binascii.unhexlify(b'zz')", "non-hex"),
    ("binascii.a2b_base64(b'Y')", "incorrect padding"),
    # data bits left over at the end: truncated or mis-padded input (upstream and CPython refuse it)
    ("binascii.a2b_base64(b'abc')", "incorrect padding"),
    ("binascii.a2b_base64(b'YQ')", "incorrect padding"),
    ("binascii.a2b_base64(b'ab*d')", "incorrect padding"),
    ("binascii.a2b_base64(b'abcde=')", "incorrect padding"),
    ("binascii.a2b_base64(b'ab=cdef=')", "incorrect padding"),
])
def test_binascii_bad_input(board, call, word):
    out = board.exec(f"import binascii\ntry:\n    {call}\nexcept ValueError as e:\n    print(e)\n")
    assert word in out


def test_base64_padding_and_skipped_characters(board):
    # what decodes: complete quanta, '=' closing a quantum, characters outside the alphabet skipped
    cases = {b"": b"", b"Zg==": b"f", b"Zm8=": b"fo", b"Zm9v": b"foo", b"Zm9v\n": b"foo",
             b"Zm\x009v\n": b"foo", b"Zm9v==": b"foo", b"Zm9v===YmFy": b"foobar", b"f4D+": b"\x7f\x80\xfe",
             b"YQ==": b"a", b"YWI=": b"ab"}
    out = board.exec("import binascii\n" + "".join(f"print(binascii.a2b_base64({k!r}))\n" for k in cases))
    assert out.splitlines() == [repr(v) for v in cases.values()]


@pytest.mark.qemu_subset
def test_ticks_add_accepts_exactly_the_open_half_period(board):
    out = board.exec(
        "import time\n"
        "period = time.ticks_add(0, -1) + 1\n"
        "half = period // 2\n"
        "for d in (-half, half):\n"
        "    try:\n"
        "        time.ticks_add(0, d); print('accepted', d == half)\n"
        "    except OverflowError as e:\n"
        "        print('OverflowError')\n"
        "t = time.ticks_ms()\n"
        "for d in (-half + 1, half - 1, 0, 1, -1):\n"
        "    u = time.ticks_add(t, d)\n"
        "    print(time.ticks_diff(u, t) == d, time.ticks_diff(t, u) == -d)\n"
        "print(period & (period - 1) == 0)\n"
    )
    assert out.splitlines() == ["OverflowError", "OverflowError"] + ["True True"] * 5 + ["True"]


def test_ticks_wrap_and_sleep(board):
    out = board.exec(
        "import time\n"
        "t0 = time.ticks_ms(); time.sleep_ms(120); d = time.ticks_diff(time.ticks_ms(), t0)\n"
        "u0 = time.ticks_us(); time.sleep_us(2000); du = time.ticks_diff(time.ticks_us(), u0)\n"
        "print(d >= 120, du >= 2000)\n"
        "m = time.ticks_add(0, -1)\n"
        "print(time.ticks_diff(time.ticks_add(m, 5), m), time.ticks_diff(0, m))\n"
        "print(time.time() > 1700000000, time.gmtime(0)[:6], time.mktime((2000, 1, 1, 0, 0, 0, 0, 0)))\n"
        "print(time.ticks_cpu() >= 0)\n"
    )
    assert out.split("\n")[:4] == ["True True", "5 1", "True (1970, 1, 1, 0, 0, 0) 946684800", "True"]


def test_machine_basics(board):
    out = board.exec(
        "import machine, sys, os\n"
        "print(machine.freq(), len(machine.unique_id()), sys.platform)\n"
        "print(machine.heap_size(), os.uname().sysname)\n"
        "import uos, utime, ubinascii\n"
        "print(uos is os)\n"
    )
    assert out.split("\n")[:3] == ["400000000 8 k210", "524288 k210", "True"]


def test_heap_size_setting_applies_at_next_reset(board):
    try:
        board.exec("import machine; machine.heap_size(1024 * 1024)")
        assert board.exec("import machine; print(machine.heap_size())").strip() == "524288"
        board.reset()
        out = board.exec("import machine, gc; gc.collect(); print(machine.heap_size(), gc.mem_free() + gc.mem_alloc())")
        heap, total = map(int, out.split())
        assert heap == 1024 * 1024
        assert 1000 * 1024 < total <= 1024 * 1024
    finally:
        board.exec("import machine; machine.heap_size(512 * 1024)")
        board.reset()
    assert board.exec("import machine; print(machine.heap_size())").strip() == "524288"


@pytest.mark.parametrize("value, word", [(1000, "multiple of 4096"), (4096, "65536"), (8 * 1024 * 1024, "6 MiB")])
def test_heap_size_rejects_impossible_values(board, value, word):
    out = board.exec(f"import machine\ntry:\n    machine.heap_size({value})\nexcept ValueError as e:\n    print(e)\n")
    assert word in out and str(value) in out


def test_gc_stress_returns_memory(board):
    out = board.exec(
        "import gc\n"
        "gc.collect(); start = gc.mem_free()\n"
        "for rnd in range(5):\n"
        "    d = {}\n"
        "    for i in range(1500):\n"
        "        d[i] = [str(i)] * 3\n"
        "    l = [bytearray(100) for _ in range(500)]\n"
        "    del d, l\n"
        "    gc.collect()\n"
        "big = None\n"
        "try:\n"
        "    big = bytearray(600 * 1024)\n"
        "except MemoryError:\n"
        "    print('MemoryError')\n"
        "gc.collect(); end = gc.mem_free()\n"
        "print(abs(end - start) < 2048, big is None)\n"
        "print(2 ** 200 // 3 ** 50, sum(x * x for x in range(100000)))\n"
    )
    lines = out.split("\n")
    assert lines[0] == "MemoryError"
    assert lines[1] == "True True"
    assert lines[2] == f"{2 ** 200 // 3 ** 50} {sum(x * x for x in range(100000))}"


def test_machine_soft_reset_clears_state(board):
    board.exec("import machine\nX_MARK = 5")
    assert board.exec("print('X_MARK' in globals())").strip() == "True"
    board.reset()
    assert board.exec("print('X_MARK' in globals())").strip() == "False"


@pytest.mark.qemu_subset
def test_error_texts_read_in_full(board):
    # The cross-built boards store MP_ERROR_TEXT strings compressed (MICROPY_ROM_TEXT_COMPRESSION);
    # the simulated board does not. Both must print the same words: the core's and the port's own.
    out = board.exec(
        "import json\n"
        "for f in (lambda: [].pop(), lambda: int('x'), lambda: 'a' + 1, lambda: 1 // 0,\n"
        "          lambda: json.loads('[1,'), lambda: open('/sd/no-such.txt')):\n"
        "    try:\n"
        "        f()\n"
        "    except Exception as e:\n"
        "        print(type(e).__name__, e)\n"
    )
    assert out.strip().splitlines() == [
        "IndexError pop from empty list",
        "ValueError invalid syntax for integer with base 10",
        "TypeError unsupported types for __add__: 'str', 'int'",
        "ZeroDivisionError divide by zero",
        "ValueError syntax error in JSON: input ends at offset 3, expected a value",
        "OSError [Errno 2] ENOENT",
    ], out
