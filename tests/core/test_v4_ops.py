"""Each kmodel v4 kernel (modules/kpu/ops_v4/) against its numpy reference (tests/v4ref/ops.py,
written from docs/kmodel-spec.md 4.3): a one-node model per case, built by tests/v4ref/writer.py,
parsed, validated and run by the C code. u8 results exact; f32 results exact where the spec
fixes the operation order, within a few ulp where libm (exp, log, sin, cos) is involved."""
from __future__ import annotations

import os
import struct
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "v4ref"))

import ops  # noqa: E402
from clib import MR, Lib, Loaded, V4Error  # noqa: E402
from writer import CONST, F32, MAIN, U8, V4, mr, shape  # noqa: E402

FMAX = float(np.finfo(np.float32).max)
FULL = struct.pack("<2f", -FMAX, FMAX)
rng = np.random.default_rng(20240)


@pytest.fixture(scope="module")
def lib() -> Lib:
    return Lib("numpy")


def run_node(lib: Lib, opcode: int, body: bytes, consts: bytes, out: bytes, main_mem: int = 1 << 16) -> bytes:
    """One node reading constants/main, output range `out`; returns the output range's bytes."""
    m = V4(main_mem=main_mem, inputs=[(mr(MAIN, F32, main_mem - 4, 4), (1, 1, 1, 1))], outputs=[out],
           constants=consts, nodes=[(opcode, body)])
    model = Loaded(lib, m.build())
    model.set_input(b"\0" * 4)
    model.run()
    return model.range_bytes(MR(*struct.unpack("<4I", out)))


def f32s(n: int, lo: float = -4, hi: float = 4) -> np.ndarray:
    return rng.uniform(lo, hi, n).astype(np.float32)


def u8s(n: int) -> np.ndarray:
    return rng.integers(0, 256, n, dtype=np.uint8)


def ulps(a: np.ndarray, b: np.ndarray) -> int:
    ai, bi = a.view(np.int32).astype(np.int64), b.view(np.int32).astype(np.int64)
    both_nan = np.isnan(a) & np.isnan(b)
    return int(np.max(np.where(both_nan, 0, np.abs(ai - bi)), initial=0))


@pytest.mark.parametrize("op", range(6))
@pytest.mark.parametrize("bshape", [(1, 2, 3, 4), (1, 2, 1, 4), (1, 1, 3, 1)])
def test_binary(lib, op, bshape):
    ashape, oshape = (1, 2, 3, 4), (1, 2, 3, 4)
    a, b = f32s(24), f32s(int(np.prod(bshape)), 0.5, 3)
    consts = a.tobytes() + b.tobytes()
    body = (mr(CONST, F32, 0, 96) + mr(CONST, F32, 96, b.nbytes) + mr(MAIN, F32, 0, 96) + struct.pack("<I", op)
            + shape(*ashape) + shape(*bshape) + shape(*oshape) + struct.pack("<2f", -2.5, 3.0))
    got = np.frombuffer(run_node(lib, 0x00, body, consts, mr(MAIN, F32, 0, 96)), np.float32)
    np.testing.assert_array_equal(got, ops.binary(a, b, op, ashape, bshape, oshape, -2.5, 3.0))


def test_concat(lib):
    parts = [u8s(2 * 3 * 4), u8s(2 * 1 * 4), u8s(2 * 2 * 4)]
    dims = [3, 1, 2]
    consts = b"".join(p.tobytes() for p in parts)
    offs = np.cumsum([0] + [p.size for p in parts])
    body = mr(MAIN, U8, 0, 48) + struct.pack("<3I", 4, 2, 3)
    body += b"".join(mr(CONST, U8, int(offs[i]), parts[i].size) for i in range(3)) + struct.pack("<3i", *dims)
    got = np.frombuffer(run_node(lib, 0x01, body, consts, mr(MAIN, U8, 0, 48)), np.uint8)
    want = np.concatenate([p.reshape(2, d * 4) for p, d in zip(parts, dims)], axis=1).ravel()
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("groups,dil", [(1, (1, 1)), (2, (1, 2))])
def test_conv2d(lib, groups, dil):
    in_shape, oc, fh, fw, sh, sw = (1, 4, 7, 6), 4, 3, 2, 2, 1
    pad_h, pad_w = (1, 1), (0, 2)
    x = f32s(int(np.prod(in_shape)))
    w = f32s(oc * 4 // groups * fh * fw, -1, 1)
    bias = f32s(oc)
    oh = ops.out_size(7, fh, sh, dil[0], *pad_h)
    ow = ops.out_size(6, fw, sw, dil[1], *pad_w)
    n_out = oc * oh * ow
    body = (mr(CONST, F32, 0, x.nbytes) + mr(MAIN, F32, 0, 4 * n_out) + shape(*in_shape) + struct.pack("<2i", groups, oc)
            + struct.pack("<4i", *pad_h, *pad_w) + struct.pack("<6i", fh, fw, sh, sw, *dil) + struct.pack("<2f", -1.5, FMAX)
            + w.tobytes() + bias.tobytes())
    got = np.frombuffer(run_node(lib, 0x02, body, x.tobytes(), mr(MAIN, F32, 0, 4 * n_out)), np.float32)
    want = ops.conv2d(x, w, bias, in_shape, groups, oc, pad_h, pad_w, fh, fw, sh, sw, dil[0], dil[1], -1.5, FMAX)
    np.testing.assert_array_equal(got, want)


def test_dequantize(lib):
    q = u8s(37)
    body = mr(CONST, U8, 0, 37) + mr(MAIN, F32, 0, 148) + struct.pack("<if", 12, 3.7)
    got = np.frombuffer(run_node(lib, 0x03, body, q.tobytes(), mr(MAIN, F32, 0, 148)), np.float32)
    np.testing.assert_array_equal(got, ops.dequantize(q, 12, 3.7))


def test_matmul(lib):
    a, b, bias = f32s(3 * 5), f32s(5 * 4), f32s(4)
    body = (mr(CONST, F32, 0, 60) + mr(CONST, F32, 60, 80) + mr(MAIN, F32, 0, 48) + struct.pack("<3i", 3, 5, 4)
            + struct.pack("<2f", -3, 3) + bias.tobytes())
    got = np.frombuffer(run_node(lib, 0x04, body, a.tobytes() + b.tobytes(), mr(MAIN, F32, 0, 48)), np.float32)
    np.testing.assert_array_equal(got, ops.matmul(a, b, bias, 3, 5, 4, -3, 3))


@pytest.mark.parametrize("dtype", [F32, U8])
def test_pad_and_crop(lib, dtype):
    in_shape = (1, 2, 4, 5)
    paddings = [(0, 0), (1, 0), (-1, 2), (2, -3)]
    x = f32s(40) if dtype == F32 else u8s(40)
    e = 4 if dtype == F32 else 1
    value = struct.pack("<If", F32, 7.25) if dtype == F32 else struct.pack("<IB3x", U8, 9)
    out_shape = [in_shape[i] + sum(paddings[i]) for i in range(4)]
    n = int(np.prod(out_shape)) * e
    body = (mr(CONST, dtype, 0, x.nbytes) + mr(MAIN, dtype, 0, n) + shape(*in_shape)
            + b"".join(struct.pack("<2i", *p) for p in paddings) + value)
    got = np.frombuffer(run_node(lib, 0x05, body, x.tobytes(), mr(MAIN, dtype, 0, n)), x.dtype)
    np.testing.assert_array_equal(got, ops.pad(x, in_shape, paddings, np.float32(7.25) if dtype == F32 else 9))


@pytest.mark.parametrize("count", [40, 41])
def test_quantize(lib, count):
    # values that land exactly on .5 after scaling: rne for pairs, roundf for an odd last one
    # the last element is a tie too (0.75 * 2 + 3 = 4.5): 4 for an even count, 5 for an odd one
    x = np.concatenate([f32s(count - 6, -3, 70), np.array([0.25, -0.25, 1.25, 100.0, 0.625, 0.75], np.float32)]).astype(np.float32)
    body = mr(CONST, F32, 0, 4 * count) + mr(MAIN, U8, 0, count) + struct.pack("<if", 3, 2.0)
    got = np.frombuffer(run_node(lib, 0x06, body, x.tobytes(), mr(MAIN, U8, 0, count)), np.uint8)
    np.testing.assert_array_equal(got, ops.quantize(x, 3, 2.0))
    assert got[-1] == (5 if count % 2 else 4)


@pytest.mark.parametrize("op", range(4))
def test_reduce(lib, op):
    in_shape, out_shape = (1, 3, 4, 5), (1, 3, 1, 1)
    x = f32s(60)
    body = (mr(CONST, F32, 0, 240) + mr(MAIN, F32, 0, 12) + struct.pack("<I", op) + shape(*in_shape) + shape(*out_shape)
            + struct.pack("<f", [0.0, FMAX, -FMAX, 0.0][op]))
    got = np.frombuffer(run_node(lib, 0x07, body, x.tobytes(), mr(MAIN, F32, 0, 12)), np.float32)
    np.testing.assert_array_equal(got, ops.reduce(x, op, in_shape, out_shape, [0.0, FMAX, -FMAX, 0.0][op], 60, 3))


@pytest.mark.parametrize("op", range(4))
def test_reduce_window2d(lib, op):
    in_shape = (1, 2, 5, 6)
    x = f32s(60)
    oh, ow = ops.out_size(5, 3, 2, 1, 1, 1), ops.out_size(6, 2, 2, 1, 0, 1)
    n = 2 * oh * ow * 4
    init = [0.0, FMAX, -FMAX, 0.0][op]
    body = (mr(CONST, F32, 0, 240) + mr(MAIN, F32, 0, n) + struct.pack("<I", op) + shape(*in_shape)
            + struct.pack("<4i", 1, 1, 0, 1) + struct.pack("<6i", 3, 2, 2, 2, 1, 1) + struct.pack("<f", init) + struct.pack("<2f", -1, 2))
    got = np.frombuffer(run_node(lib, 0x08, body, x.tobytes(), mr(MAIN, F32, 0, n)), np.float32)
    np.testing.assert_array_equal(got, ops.reduce_window2d(x, op, in_shape, (1, 1), (0, 1), 3, 2, 2, 2, 1, 1, init, -1, 2))


def test_memory_copy_drops_ragged_tail(lib):
    x = u8s(10)
    body = mr(CONST, U8, 0, 10) + mr(MAIN, U8, 0, 10)
    got = np.frombuffer(run_node(lib, 0x09, body, x.tobytes(), mr(MAIN, U8, 0, 10)), np.uint8)
    np.testing.assert_array_equal(got[:8], x[:8])
    np.testing.assert_array_equal(got[8:], 0)     # main memory starts zeroed; the tail is not copied


@pytest.mark.parametrize("dtype,mode,align", [(F32, 0, 0), (F32, 0, 1), (U8, 0, 1), (U8, 1, 0), (F32, 1, 0)])
def test_resize_image(lib, dtype, mode, align):
    in_shape, oh, ow = (1, 2, 5, 7), 8, 4
    x = f32s(70, 0, 10) if dtype == F32 else u8s(70)
    e = 4 if dtype == F32 else 1
    n = 2 * oh * ow * e
    body = (mr(CONST, dtype, 0, x.nbytes) + mr(MAIN, dtype, 0, n) + shape(*in_shape) + struct.pack("<3i", oh, ow, mode)
            + struct.pack("<B3x", align))
    got = np.frombuffer(run_node(lib, 0x0A, body, x.tobytes(), mr(MAIN, dtype, 0, n)), x.dtype)
    np.testing.assert_array_equal(got, ops.resize_image(x, in_shape, oh, ow, mode, align))


def test_softmax(lib):
    x = f32s(24, -5, 5)
    body = mr(CONST, F32, 0, 96) + mr(MAIN, F32, 0, 96) + struct.pack("<2if", 8, 3, 1.5)
    got = np.frombuffer(run_node(lib, 0x0B, body, x.tobytes(), mr(MAIN, F32, 0, 96)), np.float32)
    assert ulps(got, ops.softmax(x, 8, 3, 1.5)) <= 4      # expf vs numpy exp


@pytest.mark.parametrize("dtype", [F32, U8])
def test_transpose(lib, dtype):
    in_shape, perm = (2, 3, 4, 5), (0, 2, 3, 1)
    x = f32s(120) if dtype == F32 else u8s(120)
    body = mr(CONST, dtype, 0, x.nbytes) + mr(MAIN, dtype, 0, x.nbytes) + shape(*in_shape) + shape(*perm)
    got = np.frombuffer(run_node(lib, 0x0C, body, x.tobytes(), mr(MAIN, dtype, 0, x.nbytes)), x.dtype)
    np.testing.assert_array_equal(got, ops.transpose(x, in_shape, perm))


def test_strided_slice(lib):
    in_shape = (1, 4, 6, 7)
    x = u8s(168)
    begin, end, strides = (0, 3, 1, 6), (1, 0, 6, -1), (1, -1, 2, -3)
    want = ops.strided_slice(x, in_shape, begin, end, strides)
    body = (mr(CONST, U8, 0, 168) + mr(MAIN, U8, 0, want.size) + shape(*in_shape) + shape(*begin) + shape(*end)
            + shape(*strides) + b"\0" * 20)
    got = np.frombuffer(run_node(lib, 0x0D, body, x.tobytes(), mr(MAIN, U8, 0, want.size)), np.uint8)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("op", range(10))
def test_unary(lib, op):
    x = f32s(33, 0.1, 6) if op in (5, 7) else f32s(33)
    body = mr(CONST, F32, 0, 132) + mr(MAIN, F32, 0, 132) + struct.pack("<I", op)
    got = np.frombuffer(run_node(lib, 0x0E, body, x.tobytes(), mr(MAIN, F32, 0, 132)), np.float32)
    want = ops.unary(x, op)
    if op in (2, 3, 5, 8):      # libm cos exp log sin: a few ulp
        assert ulps(got, want) <= 2
    else:
        np.testing.assert_array_equal(got, want)


def test_quantized_conv2d(lib):
    in_shape, oc, groups, fh, fw = (1, 4, 6, 5), 6, 2, 3, 3
    pad_h, pad_w = (1, 1), (1, 0)
    x, w = u8s(120), u8s(oc * 2 * 9)
    bias = rng.integers(-3000, 3000, oc).astype(np.int32)
    q = (-120, -131, 1518500250, 38, 7)
    oh, ow = ops.out_size(6, fh, 1, 1, *pad_h), ops.out_size(5, fw, 2, 1, *pad_w)
    n = oc * oh * ow
    body = (mr(CONST, U8, 0, 120) + mr(MAIN, U8, 0, n) + shape(*in_shape) + struct.pack("<2i", groups, oc)
            + struct.pack("<4i", *pad_h, *pad_w) + struct.pack("<6i", fh, fw, 1, 2, 1, 1) + struct.pack("<5i", *q)
            + bias.tobytes() + w.tobytes())
    got = np.frombuffer(run_node(lib, 0x0F, body, x.tobytes(), mr(MAIN, U8, 0, n)), np.uint8)
    want = ops.quantized_conv2d(x, w, bias, in_shape, groups, oc, pad_h, pad_w, fh, fw, 1, 2, 1, 1, *q)
    np.testing.assert_array_equal(got, want)
    assert len(set(want.tolist())) > 10     # not saturated: the case exercises the arithmetic


def test_quantized_matmul(lib):
    a, b = u8s(3 * 7), u8s(7 * 5)
    bias = rng.integers(-5000, 5000, 5).astype(np.int32)
    q = (-128, -100, 1717986918, 40, 11)
    body = (mr(CONST, U8, 0, 21) + mr(CONST, U8, 24, 35) + mr(MAIN, U8, 0, 15) + struct.pack("<3i", 3, 7, 5)
            + struct.pack("<5i", *q) + bias.tobytes())
    got = np.frombuffer(run_node(lib, 0x10, body, a.tobytes() + b"\0" * 3 + b.tobytes(), mr(MAIN, U8, 0, 15)), np.uint8)
    np.testing.assert_array_equal(got, ops.quantized_matmul(a, b, bias, 3, 7, 5, *q))


@pytest.mark.parametrize("op", range(6))
@pytest.mark.parametrize("bshape", [(1, 2, 3, 4), (1, 2, 1, 1)])
def test_quantized_binary(lib, op, bshape):
    ashape = oshape = (1, 2, 3, 4)
    a, b = u8s(24), u8s(int(np.prod(bshape)))
    b[0] = 128           # with b_off = -128 this gives a zero divisor: x / 0 = -1 as on RISC-V
    args = (-120, 1 << 20, 14, -128, 3 << 19, 15, 100, 1 << 25, 26) if op != 3 else (-120, 1 << 20, 10, -128, 1 << 20, 15, 50, 1 << 20, 12)
    body = (mr(CONST, U8, 0, 24) + mr(CONST, U8, 24, b.size) + mr(MAIN, U8, 0, 24) + struct.pack("<I", op)
            + shape(*ashape) + shape(*bshape) + shape(*oshape) + struct.pack("<9i", *args[:6], args[6], args[7], args[8]))
    got = np.frombuffer(run_node(lib, 0x11, body, a.tobytes() + b.tobytes(), mr(MAIN, U8, 0, 24)), np.uint8)
    # body order: a_off a_mul a_shift b_off b_mul b_shift out_offset out_mul out_shift
    want = ops.quantized_binary(a, b, op, ashape, bshape, oshape, *args[:6], args[6], args[7], args[8])
    np.testing.assert_array_equal(got, want)


def test_table_lookup1d(lib):
    x, table = u8s(50), u8s(256)
    body = mr(CONST, U8, 0, 50) + mr(CONST, U8, 56, 256) + mr(MAIN, U8, 0, 50)
    got = np.frombuffer(run_node(lib, 0x12, body, x.tobytes() + b"\0" * 6 + table.tobytes(), mr(MAIN, U8, 0, 50)), np.uint8)
    np.testing.assert_array_equal(got, table[x])


@pytest.mark.parametrize("act", [FULL, struct.pack("<2f", -0.5, 0.75)])
def test_conv2d_transpose(lib, act):
    in_shape, out_shape, groups = (1, 4, 3, 4), (1, 2, 7, 8), 2
    fh, fw, sh, sw = 3, 3, 2, 2
    x, w, bias = f32s(48), f32s(2 * 2 * 9, -1, 1), f32s(2)
    lo, hi = struct.unpack("<2f", act)
    body = (mr(CONST, F32, 0, 192) + mr(MAIN, F32, 0, 448) + shape(*in_shape) + shape(*out_shape) + struct.pack("<i", groups)
            + struct.pack("<4i", 1, 1, 0, 1) + struct.pack("<6i", fh, fw, sh, sw, 1, 1) + act + w.tobytes() + bias.tobytes())
    got = np.frombuffer(run_node(lib, 0x13, body, x.tobytes(), mr(MAIN, F32, 0, 448)), np.float32)
    want = ops.conv2d_transpose(x, w, in_shape, out_shape, groups, (1, 1), (0, 1), fh, fw, sh, sw, 1, 1, lo, hi)
    np.testing.assert_array_equal(got, want)


def nnil_prog(*parts) -> bytes:
    out = b""
    for p in parts:
        out += struct.pack("<Bf", 0x06, p) if isinstance(p, float) else bytes([p])
    return out


@pytest.mark.parametrize("code", [
    # sigmoid(x) = 1 / (1 + exp(-x))
    nnil_prog(0x05, 0x05, 0x03, 0x26, 0x23, 0x40, 0x43, 0xA0),
    # clamp(x * 2.5 - 1, 0, 6), with dup/pop noise and nop padding after ret
    nnil_prog(0x03, 0x01, 0x02, 2.5, 0x42, 0x05, 0x41, 0x04, 6.0, 0x80, 0xA0, 0x00, 0x00),
    # min(max(|x|, 0.5), floor(x^2)) + rsqrt(x^2 + 1) + ceil(x)
    nnil_prog(0x03, 0x20, 0.5, 0x45, 0x03, 0x29, 0x24, 0x44, 0x03, 0x29, 0x05, 0x40, 0x27, 0x40, 0x03, 0x21, 0x40, 0xA0),
])
def test_nnil_unary_method(lib, code):
    x = f32s(21)
    body = mr(CONST, F32, 0, 84) + mr(MAIN, F32, 0, 84) + code
    got = np.frombuffer(run_node(lib, 0x14, body, x.tobytes(), mr(MAIN, F32, 0, 84)), np.float32)
    assert ulps(got, ops.nnil(x, code)) <= 2


@pytest.mark.parametrize("code,why", [
    (nnil_prog(0x40, 0xA0), "underflow"),
    (nnil_prog(*([0x05] * 65), 0xA0), "overflow"),
    (nnil_prog(0x03, 0x77, 0xA0), "unknown nnil opcode"),
    (bytes([0x00] * 5 + [0x06, 0, 0]), "immediate"),   # body ends 8-aligned right after
])
def test_nnil_bad_programs_refused_at_load(lib, code, why):
    body = mr(CONST, F32, 0, 4) + mr(MAIN, F32, 0, 4) + code
    m = V4(main_mem=64, inputs=[(mr(MAIN, F32, 60, 4), (1, 1, 1, 1))], outputs=[mr(MAIN, F32, 0, 4)],
           constants=b"\0" * 8, nodes=[(0x14, body)])
    with pytest.raises(V4Error, match=why):
        lib.parse(m.build())
