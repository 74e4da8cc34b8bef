"""Helpers for the kpu board tests: real models onto the simulated board, flash copies, kmodel v3
header figures computed here from the format spec (independent of the C loader)."""
from __future__ import annotations

import binascii
import struct

from realmodels import model_path  # noqa: E402

FLASH_MODELS = 0x300000
IRIS_IN = [5.1, 3.8, 1.9, 0.4]
IRIS_OUT = [16.077795, 5.607656, -2.071745]


def model_bytes(name: str) -> bytes:
    return model_path(name).read_bytes()


def put_model(board, name: str, remote: str | None = None, data: bytes | None = None) -> str:
    """Copies a model (or given bytes) to /sd once per board state; returns the board path.
    No soft reset: inputs reach kpu.forward as paths or ledger images, so a fragmented GC heap
    does not matter to them."""
    data = model_bytes(name) if data is None else data
    remote = remote or "/sd/" + name
    size = board.eval(f"__import__('os').stat({remote!r})[6] if {remote.rsplit('/', 1)[1]!r} in "
                      f"__import__('os').listdir({remote.rsplit('/', 1)[0]!r}) else -1")
    if size != len(data) or _board_crc(board, remote) != binascii.crc32(data):
        board.put(data, remote)
    return remote


def _board_crc(board, remote: str) -> int:
    return int(board.exec(
        "import binascii\n"
        "c = 0\n"
        f"with open({remote!r}, 'rb') as f:\n"
        "    while True:\n"
        "        b = f.read(8192)\n"
        "        if not b:\n"
        "            break\n"
        "        c = binascii.crc32(b, c)\n"
        "print(c)\n", timeout=60))


def to_flash(board, sd_path: str, offset: int) -> None:
    """Copies a file from the board's SD card to raw flash at offset, in 4 KiB chunks, on the board."""
    board.exec(
        "import machine\n"
        "f = machine.Flash()\n"
        f"src = open({sd_path!r}, 'rb')\n"
        f"off = {offset}\n"
        "while True:\n"
        "    b = src.read(4096)\n"
        "    if not b:\n"
        "        break\n"
        "    f.write(off, b)\n"
        "    off += len(b)\n"
        "src.close()\n", timeout=120)


def v3_charge(data: bytes) -> tuple[int, int, int]:
    """(image bytes, main bytes, ledger charge) of a v3 file, from the v3 header (docs/kmodel-formats.md) and the ledger rule (docs/memory.md)."""
    layers, main, outputs = struct.unpack_from("<I4xII", data, 12)
    tables = 28 + 8 * outputs + 8 * layers
    image = tables + sum(struct.unpack_from("<I", data, 28 + 8 * outputs + 8 * i + 4)[0] for i in range(layers))
    a = lambda x: (x + 127) // 128 * 128  # noqa: E731
    return image, main, a(image) + a(main)


def mem_sum(info: dict) -> int:
    return info["image"] + info["stacks"] + info["gc_heap"] + info["pool"] + info["ai_sram"]
