"""A PNG writer for LCD frames: 8-bit RGB, no interlace, one IDAT compressed with zlib (PNG
specification, ISO/IEC 15948: signature, IHDR, IDAT, IEND, each chunk with its CRC-32)."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_rgb(width: int, height: int, rgb: bytes) -> bytes:
    """PNG bytes of a width x height image given as rows of R, G, B bytes (top row first)."""
    if width <= 0 or height <= 0:
        raise ValueError(f"PNG of {width}x{height}: both sides must be at least 1 pixel")
    if len(rgb) != width * height * 3:
        raise ValueError(f"PNG of {width}x{height} needs {width * height * 3} RGB bytes, got {len(rgb)}")
    stride = width * 3
    # filter type 0 (None) on every row: frames are small and zlib does the work
    raw = b"".join(b"\x00" + rgb[y * stride:(y + 1) * stride] for y in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)   # depth 8, colour type 2 (RGB)
    return SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw, 6)) + _chunk(b"IEND", b"")


def write_rgb(path: str | Path, width: int, height: int, rgb: bytes) -> None:
    """Writes the PNG through PATH.part and a rename, so a failed write leaves PATH as it was."""
    path = Path(path)
    part = path.with_name(path.name + ".part")
    try:
        part.write_bytes(encode_rgb(width, height, rgb))
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
