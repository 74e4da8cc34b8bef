"""The shared CPU kernels (modules/kpu/kernels/) on hand-computed cases: each runtime's rounding
(v3's roundf everywhere, v4's half-to-even pairs), NaN handling, the SDK's softmax max floor,
concat's block order, the table lookup. The model tests cover them end to end; these pin the
edge cases by hand."""
from __future__ import annotations

import ctypes
import math

import pytest

F = ctypes.c_float


class Softmax(ctypes.Structure):
    _fields_ = [("beta", F), ("sdk_max_floor", ctypes.c_bool)]


class Quant(ctypes.Structure):
    _fields_ = [("sub", F), ("mul", F), ("add", F), ("rounding", ctypes.c_int), ("nan_value", ctypes.c_uint8)]


HALF_AWAY, PAIRS_EVEN = 0, 1


@pytest.fixture
def so(kpusim):
    lib = kpusim.lib
    lib.kernel_dequantize.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, F, F]
    return lib


def floats(*v):
    return (F * len(v))(*v)


def quantize(so, xs, q: Quant) -> list[int]:
    out = (ctypes.c_uint8 * len(xs))()
    so.kernel_quantize(floats(*xs), out, ctypes.c_size_t(len(xs)), ctypes.byref(q))
    return list(out)


def test_quantize_v3_rounds_half_away_and_nan_is_zero(so):
    q = Quant(0.0, 1.0, 0.0, HALF_AWAY, 0)
    assert quantize(so, [0.5, 1.5, 2.5, -0.4, float("nan"), 300.0, -7.0], q) == [1, 2, 3, 0, 0, 255, 0]
    q = Quant(1.0, 0.5, 0.0, HALF_AWAY, 0)               # (x - 1) * 0.5
    assert quantize(so, [4.0, 2.0], q) == [2, 1]         # 1.5 -> 2, 0.5 -> 1


def test_quantize_v4_rounds_pairs_to_even_and_nan_saturates(so):
    q = Quant(0.0, 1.0, 0.0, PAIRS_EVEN, 255)
    assert quantize(so, [0.5, 1.5, 2.5], q) == [0, 2, 3]   # pair: 0, 2 (even); odd last: roundf
    assert quantize(so, [2.5, 3.5], q) == [2, 4]
    assert quantize(so, [float("nan"), 1.0], q) == [255, 1]
    q = Quant(0.0, 2.0, 10.0, PAIRS_EVEN, 255)            # x * 2 + zero point 10
    assert quantize(so, [-5.0, 0.25], q) == [0, 10]       # 0.0; 10.5 -> 10 (even)


def test_dequantize(so):
    out = (F * 3)()
    so.kernel_dequantize(bytes([0, 1, 255]), out, 3, 0.5, -1.0)
    assert list(out) == [-1.0, -0.5, 126.5]


def test_softmax_max_floor_of_the_sdk(so):
    out = (F * 2)()
    so.kernel_softmax(floats(-1000.0, -1000.0), out, ctypes.c_size_t(2), ctypes.c_size_t(1),
                      ctypes.byref(Softmax(1.0, False)))
    assert list(out) == [0.5, 0.5]
    # the SDK starts the max at FLT_MIN: exp(-1000) underflows to 0 and 0/0 is NaN
    so.kernel_softmax(floats(-1000.0, -1000.0), out, ctypes.c_size_t(2), ctypes.c_size_t(1),
                      ctypes.byref(Softmax(1.0, True)))
    assert all(math.isnan(v) for v in out)


def test_softmax_rows_and_beta(so):
    out = (F * 4)()
    so.kernel_softmax(floats(0.0, math.log(3.0), 1.0, 1.0), out, ctypes.c_size_t(2), ctypes.c_size_t(2),
                      ctypes.byref(Softmax(1.0, False)))
    assert list(out) == pytest.approx([0.25, 0.75, 0.5, 0.5], rel=1e-6)
    so.kernel_softmax(floats(0.0, math.log(3.0)), out, ctypes.c_size_t(2), ctypes.c_size_t(1),
                      ctypes.byref(Softmax(2.0, False)))       # beta 2: weights 1 and 9
    assert list(out)[:2] == pytest.approx([0.1, 0.9], rel=1e-6)


def test_concat_blocks_per_outer_index(so):
    a, b = b"AB", b"xyzw"                                      # outer 2: blocks of 1 and 2 bytes
    ins = (ctypes.c_char_p * 2)(a, b)
    sizes = (ctypes.c_size_t * 2)(1, 2)
    out = ctypes.create_string_buffer(6)
    so.kernel_concat(out, ins, sizes, ctypes.c_size_t(2), ctypes.c_size_t(2))
    assert out.raw == b"AxyBzw"


def test_table_lookup(so):
    table = bytes(255 - i for i in range(256))
    out = ctypes.create_string_buffer(3)
    so.kernel_table_lookup(bytes([0, 7, 255]), out, ctypes.c_size_t(3), table)
    assert out.raw == bytes([255, 248, 0])
