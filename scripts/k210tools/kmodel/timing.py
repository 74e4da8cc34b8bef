"""Predicted silicon time of a kmodel, layer by layer (`k210 model info --time`).

The same model as the firmware's modules/kpu/kpu_timing.c (kpu.netinfo's predicted_ms); a test
checks that both give the same figures for every shared model. The layer geometry is read here
from the file, independently of the firmware's parsers.

KPU layer (docs/kpu.md): the KPU streams the input map one 64-byte line per clock
into its 3x3 window and multiplies it with one output channel's weights; a line holds one row
segment of 64 columns, or the rows of 2 (W <= 32) or 4 (W <= 16) channels side by side (the
spec 3.4 layout), so narrow maps cost less per channel. A normal convolution walks every input
line once per output channel; a depthwise one once in all. Kernel size does not change the
count (the 3x3 window is parallel), pooling runs in the write-back pipeline. On top: a fixed
cost per layer (argument FIFO, weight/BN/activation fetch start, the done interrupt) and, for a
layer whose output goes to main memory, the CPU copy of that output.
CPU layer: a per-element cost on a 400 MHz RV64 core for the op kind (multiply-accumulate ops
per MAC). The constants were set once against the published figures the bench prints beside
the prediction; the README says how far to trust them.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

KPU_HZ = 400_000_000
CPU_HZ = 400_000_000
KPU_LAYER_CYCLES = 4000          # fixed cost of one KPU layer
KPU_CYCLES_PER_LINE = 1          # one 64-byte line per clock per output channel
MAIN_OUT_CYCLES_PER_BYTE = 4     # KPU output copied to main memory by the CPU (per byte, CPU clock)
CPU_LAYER_CYCLES = 2000          # fixed cost of one CPU layer (dispatch, loop set-up)
CPU_CYCLES_PER_ELEMENT = {       # per output element, 400 MHz RV64 (hard-float, no SIMD)
    "DEQUANTIZE": 8, "dequantize": 8, "QUANTIZE": 12, "quantize": 12, "REQUANTIZE": 6,
    "SOFTMAX": 60, "softmax": 60, "LOGISTIC": 60, "L2_NORMALIZATION": 20,
    "CONCAT": 2, "QUANTIZED_CONCAT": 2, "concat": 2, "memory_copy": 2, "transpose": 6, "pad": 3,
    "strided_slice": 4, "resize_image": 8, "RESIZE_NEAREST_NEIGHBOR": 8,
    "QUANTIZED_RESIZE_NEAREST_NEIGHBOR": 6, "binary": 10, "quantized_binary": 12, "ADD": 10,
    "QUANTIZED_ADD": 12, "unary": 40, "table_lookup1d": 4, "reduce": 8, "reduce_window2d": 20,
    "K210_ADD_PADDING": 4, "K210_REMOVE_PADDING": 4, "K210_UPLOAD": 2, "kpu_upload": 2,
    "TENSORFLOW_FLATTEN": 3, "GLOBAL_AVERAGE_POOL2D": 6, "QUANTIZED_MAX_POOL2D": 12,
    "AVERAGE_POOL2D": 12, "CHANNELWISE_DEQUANTIZE": 8,
    # float/quantized convolutions on the CPU: nncase puts the 3x3 depthwise ones the KPU cannot
    # do (stride 2) there, about 9 MACs per output element
    "conv2d": 40, "quantized_conv2d": 50, "conv2d_transpose": 40,
}
CPU_CYCLES_PER_MAC = {"FULLY_CONNECTED": 4, "matmul": 4, "quantized_matmul": 6}
CPU_CYCLES_DEFAULT = 10


@dataclass
class Geometry:
    """What the model needs of one layer: the fields kpu.netinfo reports."""
    kind: str
    on_kpu: bool
    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]
    in_f32: bool = False
    out_f32: bool = False
    depthwise: bool = False
    main_out: bool = False


def _quarter_lines_per_row(w: int) -> int:
    """Quarters of a 64-byte line one row of one channel takes (spec 3.4: 4 or 2 channels share
    a line); integers, so the firmware's C gives the same figure."""
    if w <= 16:
        return 1
    if w <= 32:
        return 2
    return 4 * ((w + 63) // 64)


def layer_cycles(g: Geometry) -> int:
    """Predicted cycles of one layer: KPU clock for a KPU layer, CPU clock for a CPU one."""
    if g.on_kpu:
        ic, ih, iw = g.in_shape
        oc, oh, ow = g.out_shape
        quarters = ih * _quarter_lines_per_row(iw) * ic   # input lines of the whole map, x4
        passes = 1 if g.depthwise else oc
        cycles = KPU_LAYER_CYCLES + quarters * passes * KPU_CYCLES_PER_LINE // 4
        if g.main_out:
            cycles += oc * oh * ow * MAIN_OUT_CYCLES_PER_BYTE * (KPU_HZ // 1000) // (CPU_HZ // 1000)
        return cycles
    n_in = g.in_shape[0] * g.in_shape[1] * g.in_shape[2]
    n_out = g.out_shape[0] * g.out_shape[1] * g.out_shape[2]
    if g.kind in CPU_CYCLES_PER_MAC:
        return CPU_LAYER_CYCLES + n_in * n_out * CPU_CYCLES_PER_MAC[g.kind]
    return CPU_LAYER_CYCLES + max(n_in, n_out) * CPU_CYCLES_PER_ELEMENT.get(g.kind, CPU_CYCLES_DEFAULT)


def layer_ns(g: Geometry) -> int:
    return layer_cycles(g) * 1_000_000_000 // (KPU_HZ if g.on_kpu else CPU_HZ)


def layer_ms(g: Geometry) -> float:
    """What kpu.netinfo shows as predicted_ms (integer nanoseconds first, like the C)."""
    return layer_ns(g) / 1e6


# ---- geometry from the file ----

V3_NAMES = {
    1: "ADD", 2: "QUANTIZED_ADD", 5: "GLOBAL_AVERAGE_POOL2D", 8: "QUANTIZED_MAX_POOL2D",
    9: "AVERAGE_POOL2D", 11: "QUANTIZE", 12: "DEQUANTIZE", 13: "REQUANTIZE", 14: "L2_NORMALIZATION",
    15: "SOFTMAX", 16: "CONCAT", 17: "QUANTIZED_CONCAT", 18: "FULLY_CONNECTED", 20: "TENSORFLOW_FLATTEN",
    22: "RESIZE_NEAREST_NEIGHBOR", 23: "QUANTIZED_RESIZE_NEAREST_NEIGHBOR", 24: "CHANNELWISE_DEQUANTIZE",
    25: "LOGISTIC", 10240: "K210_CONV", 10241: "K210_ADD_PADDING", 10242: "K210_REMOVE_PADDING",
    10243: "K210_UPLOAD",
}


def _u32(b: bytes, off: int) -> int:
    return struct.unpack_from("<I", b, off)[0]


def _conv_words(words: list[int]) -> tuple[tuple[int, int, int], tuple[int, int, int], bool]:
    ic, oc = (words[2] & 0x3FF) + 1, ((words[2] >> 32) & 0x3FF) + 1
    iw, ih = (words[3] & 0x3FF) + 1, ((words[3] >> 10) & 0x1FF) + 1
    ow, oh = ((words[3] >> 32) & 0x3FF) + 1, ((words[3] >> 42) & 0x1FF) + 1
    return (ic, ih, iw), (oc, oh, ow), bool((words[0] >> 3) & 1)


def v3_geometry(data: bytes) -> list[Geometry]:
    """Per layer of a v3 file: the in/out tensors as the firmware's v3 layer table sees them."""
    nout, nlayers = _u32(data, 24), _u32(data, 12)
    heads = [struct.unpack_from("<2I", data, 28 + 8 * nout + 8 * i) for i in range(nlayers)]
    body = 28 + 8 * nout + 8 * nlayers
    data = data + bytes(64)
    out: list[Geometry] = []
    for t, size in heads:
        b = body
        f = [_u32(data, b + 4 * k) for k in range(9)]
        name = V3_NAMES.get(t, str(t))
        g = Geometry(name, False, (0, 1, 1), (0, 1, 1))
        if t == 10240:
            words = list(struct.unpack_from("<12Q", data, f[2]))
            ins, outs, dw = _conv_words(words)
            g = Geometry(name, True, ins, outs, depthwise=dw, main_out=bool(f[0] & 1))
        elif t in (1, 2):
            g.in_shape = g.out_shape = (f[4], 1, 1)
        elif t == 5:
            g.in_shape, g.out_shape = (f[4], 1, f[3]), (f[4], 1, 1)
        elif t in (8, 9):
            g.in_shape, g.out_shape = (f[5], f[4], f[3]), (f[8], f[7], f[6])
        elif t in (11, 12, 13, 14, 15, 25, 10241):
            g.in_shape = g.out_shape = (f[3], 1, 1)
        elif t in (16, 17):
            n = f[2]
            total = sum(_u32(data, b + 12 + 8 * k + 4) for k in range(n))
            f32 = t == 16 and total % 4 == 0
            g.in_shape = g.out_shape = (total // 4 if f32 else total, 1, 1)
        elif t == 18:
            g.in_shape, g.out_shape = (f[3], 1, 1), (f[4], 1, 1)
        elif t == 20:
            g.in_shape, g.out_shape = (f[5], f[4], f[3]), (f[5] * f[4] * f[3], 1, 1)
        elif t in (22, 23):
            g.in_shape, g.out_shape = (f[5], f[4], f[3]), (f[5], f[7], f[6])
        elif t == 24:
            g.in_shape = g.out_shape = (f[3], 1, f[4])
        elif t == 10242:
            g.in_shape, g.out_shape = (f[3], 4, 4), (f[3], 1, 1)
        elif t == 10243:
            g.in_shape = g.out_shape = (f[5], f[4], f[3])
        out.append(g)
        body += size
    return out


V4_NAMES = {
    0x00: "binary", 0x01: "concat", 0x02: "conv2d", 0x03: "dequantize", 0x04: "matmul", 0x05: "pad",
    0x06: "quantize", 0x07: "reduce", 0x08: "reduce_window2d", 0x09: "memory_copy", 0x0A: "resize_image",
    0x0B: "softmax", 0x0C: "transpose", 0x0D: "strided_slice", 0x0E: "unary", 0x0F: "quantized_conv2d",
    0x10: "quantized_matmul", 0x11: "quantized_binary", 0x12: "table_lookup1d", 0x13: "conv2d_transpose",
    0x14: "nnil_unary_method", 0x2001: "kpu_upload", 0x2002: "kpu_conv2d",
}


def _v4_elems(dtype: int, size: int) -> int:
    return size // 4 if dtype == 0 else size


def _v4_shape(b: bytes, off: int) -> tuple[int, int, int, int]:
    return struct.unpack_from("<4i", b, off)


def v4_geometry(data: bytes) -> list[Geometry]:
    """Per node of a v4 file: in/out element counts as the firmware's v4 node table sees them."""
    (_, _, _, _, consts, _, nodes, n_in, n_out, _) = struct.unpack_from("<10I", data)
    off = 40 + 32 * n_in + 16 * n_out + consts
    heads = [struct.unpack_from("<2I", data, off + 8 * i) for i in range(nodes)]
    body = off + 8 * nodes
    data = data + bytes(128)
    out: list[Geometry] = []
    for op, size in heads:
        b = body
        name = V4_NAMES.get(op, f"opcode 0x{op:x}")
        if op == 0x2002:
            words = list(struct.unpack_from("<12Q", data, b + 24))
            ins, outs, dw = _conv_words(words)
            mo_size = _u32(data, b + 12)
            n = _u32(data, b + 16)                   # batch
            out.append(Geometry(name, True, ins, (n * outs[0], outs[1], outs[2]), depthwise=dw,
                                main_out=mo_size != 0))
            body += size
            continue
        # output memory range and shape, as kv4_node_info reads them
        shape = None
        if op in (0x00, 0x04, 0x10, 0x11, 0x12):
            mr = struct.unpack_from("<4I", data, b + 32)
            if op in (0x00, 0x11):
                shape = _v4_shape(data, b + 84)
        elif op == 0x01:
            mr = struct.unpack_from("<4I", data, b)
        elif op == 0x2001:
            s = _v4_shape(data, b + 32)
            mr = struct.unpack_from("<4I", data, b + 16)
            shape = s
        else:
            mr = struct.unpack_from("<4I", data, b + 16)
            if op == 0x07:
                shape = _v4_shape(data, b + 52)
            elif op == 0x0C:
                s, p = _v4_shape(data, b + 32), _v4_shape(data, b + 48)
                shape = (s[p[0]], s[p[1]], s[p[2]], s[p[3]])
            elif op == 0x05:
                s = _v4_shape(data, b + 32)
                shape = tuple(s[k] + struct.unpack_from("<i", data, b + 48 + 8 * k)[0]
                              + struct.unpack_from("<i", data, b + 52 + 8 * k)[0] for k in range(4))
        dtype, msize = mr[1], mr[3]
        n = 0
        if shape is not None:
            n = shape[0] * shape[1] * shape[2] * shape[3]
        if op == 0x2001:
            o = (shape[0] * shape[1], shape[2], shape[3])
            f32 = False
        elif n > 0 and n * (4 if dtype == 0 else 1) == msize:
            o = (shape[0] * shape[1], shape[2], shape[3])
            f32 = dtype == 0
        else:
            o = (_v4_elems(dtype, msize), 1, 1)
            f32 = dtype == 0
        imr = struct.unpack_from("<4I", data, b + 28 if op == 0x01 else b)
        i = (_v4_elems(imr[1], imr[3]), 1, 1)
        out.append(Geometry(name, False, i, o, in_f32=imr[1] == 0, out_f32=f32))
        body += size
    return out


def geometry(data: bytes) -> list[Geometry]:
    if data[:4] == b"LDMK":
        return v4_geometry(data)
    return v3_geometry(data)
