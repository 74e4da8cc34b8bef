"""The format-neutral op kernels both kmodel formats call (modules/kpu/kernels/: binary, unary,
reduce, reduce_window2d, matmul, resize_image) on hand-computed cases, including the parameters
that select one runtime's arithmetic (mean by division or by scale, bias first or last). The
model tests cover them end to end; these pin each convention by hand."""
from __future__ import annotations

import ctypes
import math

import numpy as np
import pytest

F, I32 = ctypes.c_float, ctypes.c_int32
INF = float("inf")
NO_CLAMP = (-INF, INF)
F32_, U8_ = 0, 1
ADD, SUB, MUL, DIV, MIN, MAX = range(6)
MEAN, RMIN, RMAX, SUM = range(4)
DIVIDE, SCALE = 0, 1
BIAS_FIRST, BIAS_LAST = 0, 1
BILINEAR, NEAREST = 0, 1
UNARY_NEG, UNARY_SQUARE, UNARY_LOGISTIC = 6, 9, 10


class Shape(ctypes.Structure):
    _fields_ = [("d", I32 * 4)]


class Range(ctypes.Structure):
    _fields_ = [("lo", F), ("hi", F)]


class Padding(ctypes.Structure):
    _fields_ = [("before", I32), ("after", I32)]


class Binary(ctypes.Structure):
    _fields_ = [("op", ctypes.c_int), ("a_shape", Shape), ("b_shape", Shape), ("out_shape", Shape), ("act", Range)]


class Reduce(ctypes.Structure):
    _fields_ = [("op", ctypes.c_int), ("in_shape", Shape), ("out_shape", Shape), ("init", F), ("mean", ctypes.c_int),
                ("in_elems", ctypes.c_size_t), ("out_elems", ctypes.c_size_t)]


class Window(ctypes.Structure):
    _fields_ = [("op", ctypes.c_int), ("dtype", ctypes.c_int), ("in_shape", Shape), ("out_h", I32), ("out_w", I32),
                ("pad_h", Padding), ("pad_w", Padding)] + [
                (n, I32) for n in ("filter_h", "filter_w", "stride_h", "stride_w", "dilation_h", "dilation_w")] + [
                ("init", F), ("act", Range)]


class Matmul(ctypes.Structure):
    _fields_ = [("a_rows", I32), ("a_cols", I32), ("b_cols", I32), ("b_transposed", ctypes.c_bool),
                ("bias_order", ctypes.c_int), ("act", Range)]


class Resize(ctypes.Structure):
    _fields_ = [("mode", ctypes.c_int), ("dtype", ctypes.c_int), ("in_shape", Shape), ("out_h", I32), ("out_w", I32),
                ("align_corners", ctypes.c_bool)]


def shape(*d):
    return Shape((I32 * 4)(*d))


def floats(*v):
    return (F * len(v))(*v)


@pytest.fixture
def so(kpusim):
    return kpusim.lib


def binary(so, op, a, a_shape, b, b_shape, out_shape, act=NO_CLAMP):
    n = math.prod(out_shape)
    out = (F * n)()
    p = Binary(op, shape(*a_shape), shape(*b_shape), shape(*out_shape), Range(*act))
    so.kernel_binary(floats(*a), floats(*b), out, ctypes.byref(p))
    return list(out)


def test_binary_same_shapes_and_clamp(so):
    assert binary(so, ADD, [1, 2, 3], (1, 1, 1, 3), [10, 20, 30], (1, 1, 1, 3), (1, 1, 1, 3)) == [11, 22, 33]
    assert binary(so, SUB, [1, 2, 3], (1, 1, 1, 3), [10, 20, 30], (1, 1, 1, 3), (1, 1, 1, 3), (-15, 0)) == [-9, -15, -15]
    assert binary(so, DIV, [1, -1], (1, 1, 1, 2), [4, 0], (1, 1, 1, 2), (1, 1, 1, 2)) == [0.25, -INF]


def test_binary_broadcasts_index_zero(so):
    # a is 2 x 2, b one row of 2: every row of a meets b's only row
    assert binary(so, MUL, [1, 2, 3, 4], (1, 1, 2, 2), [10, 100], (1, 1, 1, 2), (1, 1, 2, 2)) == [10, 200, 30, 400]
    # min / max against a per-channel scalar (b is 2 channels of 1)
    assert binary(so, MAX, [1, 5, 7, 2], (1, 2, 1, 2), [3, 4], (1, 2, 1, 1), (1, 2, 1, 2)) == [3, 5, 7, 4]
    assert binary(so, MIN, [1, 5, 7, 2], (1, 2, 1, 2), [3, 4], (1, 2, 1, 1), (1, 2, 1, 2)) == [1, 3, 4, 2]


def test_unary(so):
    out = (F * 3)()
    so.kernel_unary(floats(0.0, 2.0, -3.0), out, ctypes.c_size_t(3), UNARY_LOGISTIC)
    assert out[0] == 0.5
    assert out[1] == pytest.approx(1 / (1 + math.exp(-2)), rel=1e-6)
    so.kernel_unary(floats(0.0, 2.0, -3.0), out, ctypes.c_size_t(3), UNARY_SQUARE)
    assert list(out) == [0, 4, 9]
    so.kernel_unary(floats(0.0, 2.0, -3.0), out, ctypes.c_size_t(3), UNARY_NEG)
    assert list(out) == [0, -2, 3]


def reduce(so, op, xs, in_shape, out_shape, mean=SCALE, init=0.0):
    out = (F * math.prod(out_shape))()
    p = Reduce(op, shape(*in_shape), shape(*out_shape), init, mean, math.prod(in_shape), math.prod(out_shape))
    so.kernel_reduce(floats(*xs), out, ctypes.byref(p))
    return list(out)


def test_reduce_axes(so):
    xs = [1, 2, 3, 4, 5, 6]                                  # 2 rows of 3
    assert reduce(so, SUM, xs, (1, 1, 2, 3), (1, 1, 2, 1)) == [6, 15]
    assert reduce(so, SUM, xs, (1, 1, 2, 3), (1, 1, 1, 3)) == [5, 7, 9]
    assert reduce(so, RMAX, xs, (1, 1, 2, 3), (1, 1, 1, 1), init=-INF) == [6]
    assert reduce(so, RMIN, xs, (1, 1, 2, 3), (1, 1, 1, 1), init=INF) == [1]


def test_reduce_mean_divides_or_scales(so):
    # sum 5 over 3 elements: 5 / 3 and 5 * f32(1/3) round to neighbouring floats
    divided = float(np.float32(5) / np.float32(3))
    scaled = float(np.float32(5) * (np.float32(1) / np.float32(3)))
    assert divided != scaled
    assert reduce(so, MEAN, [1, 1, 3], (1, 1, 1, 3), (1, 1, 1, 1), DIVIDE) == [divided]
    assert reduce(so, MEAN, [1, 1, 3], (1, 1, 1, 3), (1, 1, 1, 1), SCALE) == [scaled]


def window(so, op, dtype, xs, in_shape, out_hw, filt, stride, pad=(0, 0), dilation=(1, 1), init=0.0, act=NO_CLAMP):
    n = in_shape[0] * in_shape[1] * out_hw[0] * out_hw[1]
    src = floats(*xs) if dtype == F32_ else bytes(xs)
    out = (F * n)() if dtype == F32_ else ctypes.create_string_buffer(n)
    p = Window(op, dtype, shape(*in_shape), out_hw[0], out_hw[1], Padding(pad[0], 0), Padding(pad[1], 0),
               filt[0], filt[1], stride[0], stride[1], dilation[0], dilation[1], init, Range(*act))
    so.kernel_reduce_window2d(src, out, ctypes.byref(p))
    return list(out) if dtype == F32_ else list(out.raw)


MAP3 = [1, 2, 3,
        4, 5, 6,
        7, 8, 9]


def test_window_mean_counts_in_range_taps(so):
    # 2x2 windows, stride 2 over 3x3: the right and bottom windows are clipped to 2 and 1 taps
    assert window(so, MEAN, F32_, MAP3, (1, 1, 3, 3), (2, 2), (2, 2), (2, 2)) == [3, 4.5, 7.5, 9]
    # padding 1 before: the first window holds only element 1
    assert window(so, MEAN, F32_, MAP3, (1, 1, 3, 3), (2, 2), (2, 2), (2, 2), pad=(1, 1)) == [1, 2.5, 5.5, 7]


def test_window_max_dilation_clamp_and_u8(so):
    # a 2x2 window with dilation 2 reads the corners of the 3x3 map
    assert window(so, RMAX, F32_, MAP3, (1, 1, 3, 3), (1, 1), (2, 2), (1, 1), dilation=(2, 2), init=-INF) == [9]
    assert window(so, SUM, F32_, MAP3, (1, 1, 3, 3), (1, 1), (2, 2), (1, 1), dilation=(2, 2), act=(0, 16)) == [16]
    # u8 max starting from 0, 2 channels
    assert window(so, RMAX, U8_, [3, 1, 0, 2, 250, 7, 9, 8], (1, 2, 2, 2), (1, 1), (2, 2), (2, 2)) == [3, 250]


def matmul(so, a, b, bias, rows, cols, bcols, transposed, order, act=NO_CLAMP):
    out = (F * (rows * bcols))()
    p = Matmul(rows, cols, bcols, transposed, order, Range(*act))
    so.kernel_matmul(floats(*a), floats(*b), out, floats(*bias), ctypes.byref(p))
    return list(out)


def test_matmul_layouts(so):
    a = [1, 2, 3, 4]                                          # 2 x 2
    b = [5, 6, 7, 8]                                          # [[5, 6], [7, 8]]
    assert matmul(so, a, b, [0, 100], 2, 2, 2, False, BIAS_FIRST) == [19, 122, 43, 150]
    bt = [5, 7, 6, 8]                                         # the same b stored [col][row]
    assert matmul(so, a, bt, [0, 100], 2, 2, 2, True, BIAS_LAST) == [19, 122, 43, 150]
    assert matmul(so, a, b, [0, 100], 2, 2, 2, False, BIAS_FIRST, (0, 100)) == [19, 100, 43, 100]


def test_matmul_bias_order(so):
    # 1 + 1e8 + 1 - 1e8 is 0 in f32 (1e8's step is 8); 1e8 + 1 - 1e8 + 1 is 1
    a, b = [1e8, 1.0, -1e8], [1.0, 1.0, 1.0]
    assert matmul(so, a, b, [1.0], 1, 3, 1, False, BIAS_FIRST) == [0.0]
    assert matmul(so, a, b, [1.0], 1, 3, 1, True, BIAS_LAST) == [1.0]


def resize(so, mode, dtype, xs, in_shape, out_hw, align=False):
    n = in_shape[0] * in_shape[1] * out_hw[0] * out_hw[1]
    src = floats(*xs) if dtype == F32_ else bytes(xs)
    out = (F * n)() if dtype == F32_ else ctypes.create_string_buffer(n)
    p = Resize(mode, dtype, shape(*in_shape), out_hw[0], out_hw[1], align)
    so.kernel_resize_image(src, out, ctypes.byref(p))
    return list(out) if dtype == F32_ else list(out.raw)


def test_resize_bilinear(so):
    m = [0, 10, 20, 30]
    # align_corners: scale (2-1)/(3-1) = 0.5, the corners kept
    assert resize(so, BILINEAR, F32_, m, (1, 1, 2, 2), (3, 3), True) == [0, 5, 10, 10, 15, 20, 20, 25, 30]
    # scale 2/4: sources 0, 0.5, 1, 1.5; the last row and column repeat (the neighbour is clamped)
    assert resize(so, BILINEAR, F32_, m, (1, 1, 2, 2), (4, 4)) == [
        0, 5, 10, 10, 10, 15, 20, 20, 20, 25, 30, 30, 20, 25, 30, 30]
    # u8 truncates: the centre of [[0, 1], [2, 3]] is 1.5 -> 1
    assert resize(so, BILINEAR, U8_, [0, 1, 2, 3], (1, 1, 2, 2), (3, 3), True)[4] == 1


def test_resize_nearest_two_channels(so):
    # 2 -> 3 columns: sources floor(o * 2/3) = 0, 0, 1
    assert resize(so, NEAREST, U8_, [1, 2, 3, 4], (1, 2, 1, 2), (1, 3)) == [1, 1, 2, 3, 3, 4]


class QBinary(ctypes.Structure):
    _fields_ = [("op", ctypes.c_uint32), ("a_shape", Shape), ("b_shape", Shape), ("out_shape", Shape)] + [
        (n, I32) for n in ("a_offset", "a_mul", "a_shift", "b_offset", "b_mul", "b_shift", "out_offset", "out_mul",
                           "out_shift")]


def test_quantized_binary_divides_rounding_and_by_zero_as_risc_v(so):
    # identity scales, out offset 100: div is (a + b/2) / b, and x / 0 is -1 as on the K210
    s = shape(1, 1, 1, 3)
    p = QBinary(DIV, s, s, s, 0, 1, 0, 0, 1, 0, 100, 1, 0)
    out = ctypes.create_string_buffer(3)
    so.kernel_quantized_binary(bytes([7, 5, 9]), bytes([2, 0, 3]), out, ctypes.byref(p))
    assert list(out.raw) == [100 + 4, 100 - 1, 100 + 3]     # (7+1)/2, 5/0, (9+1)/3
