"""v3 RESIZE_NEAREST_NEIGHBOR / QUANTIZED_... (formats/v3/ops/resize_nearest_neighbor.c kv3_resize_nearest_neighbor, one
function for both element sizes) against indices worked out by hand: source index
floor(o * in / out), clamped to the last row/column."""
from __future__ import annotations

import ctypes
import struct

import pytest


class Params(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint32) for n in ("in_w", "in_h", "channels", "out_w", "out_h")]


@pytest.fixture
def resize(kpusim):
    fn = kpusim.lib.kv3_resize_nearest_neighbor
    fn.argtypes = [ctypes.c_char_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(Params)]
    return fn


# 2 channels of 2 x 3 -> 3 x 5: rows floor(o * 2/3) = 0, 0, 1; columns floor(o * 3/5) = 0, 0, 1, 1, 2
ROWS, COLS = [0, 0, 1], [0, 0, 1, 1, 2]


def expected(values):
    return [values[c * 6 + y * 3 + x] for c in range(2) for y in ROWS for x in COLS]


def test_u8(resize):
    src = bytes(range(10, 22))
    out = ctypes.create_string_buffer(30)
    resize(src, out, 1, ctypes.byref(Params(3, 2, 2, 5, 3)))
    assert list(out.raw) == expected(list(src))


def test_f32_copies_bits(resize):
    vals = [float(i) + 0.25 for i in range(12)]
    vals[4] = float("-inf")
    src = struct.pack("<12f", *vals)
    out = ctypes.create_string_buffer(30 * 4)
    resize(src, out, 4, ctypes.byref(Params(3, 2, 2, 5, 3)))
    assert list(struct.unpack("<30f", out.raw)) == expected(vals)


def test_downscale_clamps_to_the_last_row(resize):
    src = bytes(range(16))                        # 1 channel 4 x 4 -> 2 x 3
    out = ctypes.create_string_buffer(6)
    resize(src, out, 1, ctypes.byref(Params(4, 4, 1, 3, 2)))
    # rows floor(o * 2) = 0, 2; columns floor(o * 4/3) = 0, 1, 2
    assert list(out.raw) == [0, 1, 2, 8, 9, 10]
