"""scripts/k210tools/png.py against an independent reader (tests/pngread.py): exact round trip,
the chunk layout, and refused sizes."""
import zlib

import numpy as np
import pytest

import pngread
from k210tools import png


@pytest.mark.parametrize("w,h", [(1, 1), (320, 240), (7, 3), (240, 240)])
def test_round_trip(tmp_path, w, h):
    rgb = np.random.default_rng(w * h).integers(0, 256, (h, w, 3), dtype=np.uint8)
    out = tmp_path / "f.png"
    png.write_rgb(out, w, h, rgb.tobytes())
    assert np.array_equal(pngread.read(out.read_bytes()), rgb)
    assert not (tmp_path / "f.png.part").exists()


def test_layout_is_plain_png():
    data = png.encode_rgb(2, 1, bytes([255, 0, 0, 0, 0, 255]))
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR" and data[16:29] == bytes.fromhex("00000002 00000001 08 02 000000".replace(" ", ""))
    assert data[-12:] == b"\x00\x00\x00\x00IEND" + zlib.crc32(b"IEND").to_bytes(4, "big")


def test_bad_sizes_refused(tmp_path):
    with pytest.raises(ValueError, match="needs 12 RGB bytes, got 11"):
        png.encode_rgb(2, 2, bytes(11))
    with pytest.raises(ValueError, match="0x5"):
        png.encode_rgb(0, 5, b"")
    out = tmp_path / "keep.png"
    out.write_bytes(b"old")
    with pytest.raises(ValueError):
        png.write_rgb(out, 2, 2, bytes(3))
    assert out.read_bytes() == b"old"          # a failed write leaves the file as it was
