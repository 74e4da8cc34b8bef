"""kmodel v3 CPU layers (kmodel-spec.md 2.5 and 3.6) on a numpy main buffer.

Each function takes the parsed body, the main buffer (uint8 array) and the AI SRAM, performs the
layer in place and returns its output (u8 or float32 array). Float arithmetic is float32 with
the C operation order: sums are accumulated sequentially (np.cumsum / explicit loops, never
numpy's pairwise reductions), products and sums are rounded separately (no FMA). expf/sqrtf come
from numpy's float32 routines, which may differ from libm in the last ulp: compare softmax,
logistic and l2-norm results with a few-ulp tolerance, everything else exactly.
"""
from __future__ import annotations

from typing import Callable, Dict

import numpy as np

from k210tools.kmodel import v3

from . import layout
from .kpu import round_carry

F32 = np.float32
FLT_MIN = np.finfo(np.float32).tiny


def _u8(main: np.ndarray, at: int, n: int) -> np.ndarray:
    if at + n > main.size:
        raise ValueError(f"main buffer range [{at}, {at + n}) exceeds main_mem_usage {main.size}")
    return main[at:at + n].copy()


def _f32(main: np.ndarray, at: int, n: int) -> np.ndarray:
    return _u8(main, at, 4 * n).view("<f4").astype(F32)


def put_main(main: np.ndarray, at: int, arr: np.ndarray) -> np.ndarray:
    raw = np.ascontiguousarray(arr).view(np.uint8).reshape(-1) if arr.dtype != np.uint8 else arr.reshape(-1)
    if at + raw.size > main.size:
        raise ValueError(f"main buffer range [{at}, {at + raw.size}) exceeds main_mem_usage {main.size}")
    main[at:at + raw.size] = raw
    return arr


def seqsum(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Sequential float32 sum along axis (C loop order), not numpy's pairwise sum."""
    if x.shape[axis] == 0:
        return np.zeros(np.delete(x.shape, axis), dtype=F32)
    return np.take(np.cumsum(x.astype(F32), axis=axis, dtype=F32), -1, axis=axis)


def roundf(x: np.ndarray) -> np.ndarray:
    """C roundf: half away from zero (float64 keeps |x| + 0.5 exact for float32 inputs)."""
    d = x.astype(np.float64)
    return np.sign(d) * np.floor(np.abs(d) + 0.5)


def add(b: v3.Add, main, ai):
    return put_main(main, b.out, _f32(main, b.in_a, b.count) + _f32(main, b.in_b, b.count))


def quantized_add(b: v3.QuantizedAdd, main, ai):
    a = _u8(main, b.in_a, b.count).astype(np.int64) + b.a_offset
    c = _u8(main, b.in_b, b.count).astype(np.int64) + b.b_offset
    if b.a_shift == b.b_shift:
        v = (a * b.a_mul + c * b.b_mul) >> b.a_shift
    else:
        v = ((a * b.a_mul) >> b.a_shift) + ((c * b.b_mul) >> b.b_shift)
    v = round_carry(v * b.out_mul, np.int64(b.out_shift)) + b.out_offset
    return put_main(main, b.out, np.clip(v, 0, 255).astype(np.uint8))


def global_average_pool2d(b: v3.GlobalAveragePool2D, main, ai):
    x = _f32(main, b.in_, b.channels * b.kernel_size).reshape(b.channels, b.kernel_size)
    return put_main(main, b.out, seqsum(x, 1) / F32(b.kernel_size))


def _pool_windows(b):
    """For each output pixel, its clipped window; yields (ky, kx) masks in C loop order."""
    oy = np.arange(b.out_h)[:, None] * b.stride_h - b.pad_h
    ox = np.arange(b.out_w)[None, :] * b.stride_w - b.pad_w
    for ky in range(b.kernel_h):
        for kx in range(b.kernel_w):
            y, x = oy + ky, ox + kx
            ok = (y >= 0) & (y < b.in_h) & (x >= 0) & (x < b.in_w)
            yield np.clip(y, 0, b.in_h - 1), np.clip(x, 0, b.in_w - 1), ok


def quantized_max_pool2d(b: v3.QuantizedMaxPool2D, main, ai):
    x = _u8(main, b.in_, b.in_c * b.in_h * b.in_w).reshape(b.in_c, b.in_h, b.in_w)[:b.out_c]
    out = np.zeros((b.out_c, b.out_h, b.out_w), dtype=np.uint8)
    for y, xx, ok in _pool_windows(b):
        out = np.maximum(out, np.where(ok, x[:, y, xx], 0).astype(np.uint8))
    return put_main(main, b.out, out)


def average_pool2d(b: v3.AveragePool2D, main, ai):
    x = _f32(main, b.in_, b.in_c * b.in_h * b.in_w).reshape(b.in_c, b.in_h, b.in_w)[:b.out_c]
    acc = np.zeros((b.out_c, b.out_h, b.out_w), dtype=F32)
    cnt = np.zeros((b.out_h, b.out_w), dtype=np.int64)
    for y, xx, ok in _pool_windows(b):
        acc = np.where(ok, acc + x[:, y, xx], acc).astype(F32)
        cnt += ok
    return put_main(main, b.out, (acc / cnt.astype(F32)).astype(F32))   # act ignored, as the SDK does


def quantize(b: v3.Quantize, main, ai):
    inv = F32(1) / F32(b.scale)
    q = roundf((_f32(main, b.in_, b.count) - F32(b.bias)) * inv)
    return put_main(main, b.out, np.clip(q, 0, 255).astype(np.uint8))


def dequantize(b: v3.Dequantize, main, ai):
    return put_main(main, b.out, _u8(main, b.in_, b.count).astype(F32) * F32(b.scale) + F32(b.bias))


def channelwise_dequantize(b: v3.ChannelwiseDequantize, main, ai):
    q = _u8(main, b.in_, b.channels * b.channel_size).reshape(b.channels, b.channel_size).astype(F32)
    p = np.array(b.params, dtype=F32).reshape(b.channels, 2)
    return put_main(main, b.out, (q * p[:, :1] + p[:, 1:]).reshape(-1))


def requantize(b: v3.Requantize, main, ai):
    return put_main(main, b.out, np.frombuffer(b.table, np.uint8)[_u8(main, b.in_, b.count)])


def l2_normalization(b: v3.L2Normalization, main, ai):
    x = _f32(main, b.in_, b.channels)
    s = max(seqsum(x * x), F32(1e-10))
    return put_main(main, b.out, x * (F32(1) / np.sqrt(F32(s))))


def softmax(b: v3.Softmax, main, ai):
    x = _f32(main, b.in_, b.channels)
    m = max(F32(FLT_MIN), x.max())
    e = np.exp(x - m).astype(F32)
    return put_main(main, b.out, e / seqsum(e))


def logistic(b: v3.Logistic, main, ai):
    x = _f32(main, b.in_, b.channels)
    return put_main(main, b.out, F32(1) / (F32(1) + np.exp(-x).astype(F32)))


def concat(b: v3.Concat, main, ai):
    data = np.concatenate([_u8(main, s, n) for s, n in b.inputs]) if b.inputs else np.zeros(0, np.uint8)
    put_main(main, b.out, data)
    return data if b.TYPE == v3.QuantizedConcat.TYPE else data.view("<f4").astype(F32)


def fully_connected(b: v3.FullyConnected, main, ai):
    x = _f32(main, b.in_, b.in_channels)
    wts = np.frombuffer(b.weights, "<f4").astype(F32).reshape(b.out_channels, b.in_channels)
    acc = np.zeros(b.out_channels, dtype=F32)
    for i in range(b.in_channels):   # i ascending, product and sum rounded separately
        acc = (acc + x[i] * wts[:, i]).astype(F32)
    acc = (acc + np.frombuffer(b.bias, "<f4").astype(F32)).astype(F32)
    if b.act == v3.ACT_RELU:
        acc = np.maximum(acc, F32(0))
    elif b.act == v3.ACT_RELU6:
        acc = np.minimum(np.maximum(acc, F32(0)), F32(6))
    elif b.act != v3.ACT_LINEAR:
        raise ValueError(f"FULLY_CONNECTED act {b.act}: expected 0 (linear), 1 (relu) or 2 (relu6)")
    return put_main(main, b.out, acc)


def tf_flatten(b: v3.TfFlatten, main, ai):
    x = _f32(main, b.in_, b.channels * b.height * b.width).reshape(b.channels, b.height, b.width)
    return put_main(main, b.out, np.ascontiguousarray(x.transpose(1, 2, 0)).reshape(-1))


def _resize_index(b: v3.ResizeNearestNeighbor):
    sy, sx = F32(b.in_h) / F32(b.out_h), F32(b.in_w) / F32(b.out_w)
    iy = np.minimum(np.floor(np.arange(b.out_h, dtype=F32) * sy).astype(np.int64), b.in_h - 1)
    ix = np.minimum(np.floor(np.arange(b.out_w, dtype=F32) * sx).astype(np.int64), b.in_w - 1)
    return iy, ix


def resize_nearest_neighbor(b: v3.ResizeNearestNeighbor, main, ai):
    iy, ix = _resize_index(b)
    n = b.channels * b.in_h * b.in_w
    quant = b.TYPE == v3.QuantizedResizeNearestNeighbor.TYPE
    x = (_u8(main, b.in_, n) if quant else _f32(main, b.in_, n)).reshape(b.channels, b.in_h, b.in_w)
    return put_main(main, b.out, np.ascontiguousarray(x[:, iy][:, :, ix]))


def k210_add_padding(b: v3.K210AddPadding, main, ai):
    """C-vector -> pixel (0, 0) of a C x 4 x 4 map; the other 15 pixels keep stale data."""
    x = _u8(main, b.in_, b.channels)
    ci = np.arange(b.channels)
    addr = b.kpu_out * 64 + (ci // 4) * 256 + (ci % 4) * 16
    if b.channels and addr.max() >= layout.AI_SRAM_BYTES:
        raise ValueError(f"K210_ADD_PADDING at line {b.kpu_out} x {b.channels} channels leaves the AI SRAM")
    ai[addr] = x
    return x


def k210_remove_padding(b: v3.K210RemovePadding, main, ai):
    return put_main(main, b.out, _u8(main, b.in_, 16 * b.channels)[::16].copy())


def k210_upload(b: v3.K210Upload, main, ai):
    x = _u8(main, b.in_, b.channels * b.height * b.width).reshape(b.channels, b.height, b.width)
    layout.store(ai, b.kpu_out, x)
    return x


CPU_LAYERS: Dict[type, Callable] = {
    v3.Add: add, v3.QuantizedAdd: quantized_add, v3.GlobalAveragePool2D: global_average_pool2d,
    v3.QuantizedMaxPool2D: quantized_max_pool2d, v3.AveragePool2D: average_pool2d, v3.Quantize: quantize,
    v3.Dequantize: dequantize, v3.Requantize: requantize, v3.L2Normalization: l2_normalization,
    v3.Softmax: softmax, v3.Logistic: logistic, v3.Concat: concat, v3.QuantizedConcat: concat,
    v3.FullyConnected: fully_connected, v3.TfFlatten: tf_flatten,
    v3.ResizeNearestNeighbor: resize_nearest_neighbor, v3.QuantizedResizeNearestNeighbor: resize_nearest_neighbor,
    v3.ChannelwiseDequantize: channelwise_dequantize, v3.K210AddPadding: k210_add_padding,
    v3.K210RemovePadding: k210_remove_padding, v3.K210Upload: k210_upload,
}
