"""hashlib on the board against the host's hashlib (FIPS 180-4 test vectors included), across
the padding boundaries, in pieces, and upstream's rule that digest() finishes a hash."""
import hashlib

import pytest

MESSAGES = [b"", b"abc", b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", b"\xff" * 55,
            b"\xff" * 56, b"\xff" * 63, b"\xff" * 64, b"\x00" * 65, bytes(range(256)) * 9, b"abcd" * 1000]


@pytest.mark.qemu_subset
@pytest.mark.parametrize("algo", ["sha256", "sha1"])
def test_digests_match_host(board, algo):
    out = board.exec("import hashlib\n" + "".join(
        f"print(hashlib.{algo}({m!r}).digest().hex())\n" for m in MESSAGES))
    assert out.splitlines() == [hashlib.new(algo, m).hexdigest() for m in MESSAGES]


def test_fips_180_vectors(board):
    out = board.exec("import hashlib\n"
                     "print(hashlib.sha256(b'abc').digest().hex())\n"
                     "print(hashlib.sha1(b'abc').digest().hex())\n")
    assert out.splitlines() == ["ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                                "a9993e364706816aba3e25717850c26c9cd0d89d"]


@pytest.mark.parametrize("algo", ["sha256", "sha1"])
def test_update_in_pieces(board, algo):
    data = bytes((i * 7 + 3) & 0xFF for i in range(1000))
    out = board.exec(
        f"import hashlib\nd = bytes((i * 7 + 3) & 0xFF for i in range(1000))\n"
        f"h = hashlib.{algo}()\n"
        "for a, b in ((0, 1), (1, 64), (64, 65), (65, 200), (200, 1000)):\n"
        "    h.update(d[a:b])\n"
        "print(h.digest().hex())\n"
        f"h = hashlib.{algo}(b'x'); h.update(memoryview(b'yz')); h.update(bytearray(b'w')); print(h.digest().hex())\n")
    assert out.splitlines() == [hashlib.new(algo, data).hexdigest(), hashlib.new(algo, b"xyzw").hexdigest()]


def test_digest_finishes_the_hash(board):
    out = board.exec(
        "import hashlib, uhashlib\n"
        "for algo in (hashlib.sha256, hashlib.sha1):\n"
        "    h = algo(b'123'); h.digest()\n"
        "    for call in (h.digest, lambda: h.update(b'4')):\n"
        "        try:\n"
        "            call(); print('no error')\n"
        "        except ValueError as e:\n"
        "            print(e)\n"
        "try:\n    hashlib.sha256(5)\nexcept TypeError:\n    print('TypeError')\n"
        "print(uhashlib is hashlib)\n")
    lines = out.splitlines()
    assert lines[:4] == ["digest() after digest(): this hash is finished; create a new one",
                         "update() after digest(): this hash is finished; create a new one"] * 2
    assert lines[4:] == ["TypeError", "True"]
