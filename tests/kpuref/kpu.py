"""One KPU layer, exactly as kmodel-spec.md 3.5 describes it (numpy, int64 throughout).

rule "nncase02" (default): activation segment = highest j with v > x_start[j], banker carry shift.
rule "nncase01": highest j with x_start[j] <= v, SDK half-up carry (kpu_carry_shift).
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np

from k210tools.kmodel.v3 import ActTable, BnEntry, KpuLayerArgs, conv_weight_bytes

from . import layout

RULES = ("nncase02", "nncase01")
# fields compilers never set and whose hardware behaviour nobody documents (spec 3.5, 7.2)
UNMODELLED = ("ram_flag", "full_add", "pad_type", "first_stride", "bypass_conv", "coef_column_offset",
              "coef_row_offset", "coef_size")


def round_banker(t: np.ndarray, s: np.ndarray) -> np.ndarray:
    """nncase >= 0.2 carry shift, per element (spec 3.5 step 4), t and s int64."""
    s = np.broadcast_to(s, t.shape)
    q = t >> s
    f = t & ((np.int64(1) << s) - 1)
    h = np.where(s > 0, np.int64(1) << np.maximum(s - 1, 0), 0)
    sg = np.where(t < 0, -1, 1)
    r = np.where(f < h, q, np.where(f > h, q + sg, np.where(q & 1, q + sg, q)))
    return np.where(s == 0, t, r)


def round_carry(t: np.ndarray, s: np.ndarray) -> np.ndarray:
    """SDK kpu_carry_shift (spec 2.5): half up for t >= 0, one below for negative odd halves."""
    s = np.broadcast_to(s, t.shape)
    u = t >> np.maximum(s - 1, 0)
    r = np.where(u & 1, np.where(u >= 0, (u >> 1) + 1, (u >> 1) - 1), u >> 1)
    return np.where(s == 0, t, r)


def activate(v: np.ndarray, act: ActTable, rule: str = "nncase02") -> np.ndarray:
    """16-segment activation of int64 values v -> u8 (spec 3.5 step 4)."""
    if rule not in RULES:
        raise ValueError(f"activation rule {rule!r}: use one of {RULES}")
    xs = np.array([s.x_start for s in act.segments], dtype=np.int64)
    j = np.zeros(v.shape, dtype=np.int64)   # none matching: segment 0 (nncase leaves it undefined)
    for k in range(16):
        hit = v > xs[k] if rule == "nncase02" else v >= xs[k]
        j = np.where(hit, k, j)
    mul = np.array([s.mul for s in act.segments], dtype=np.int64)[j]
    shift = np.array([s.shift for s in act.segments], dtype=np.int64)[j]
    t = (v - xs[j]) * mul
    r = round_banker(t, shift) if rule == "nncase02" else round_carry(t, shift)
    return np.clip(r + np.array(act.bias, dtype=np.int64)[j], 0, 255).astype(np.uint8)


def _pool_pick(m: np.ndarray, size: int, dy: int, dx: int) -> np.ndarray:
    c, h, w = m.shape
    oh, ow = h // size, w // size
    ys, xs = np.arange(oh) * size + dy, np.arange(ow) * size + dx
    out = np.zeros((c, oh, ow), dtype=np.uint8)     # out-of-range -> 0
    ok_y, ok_x = ys < h, xs < w
    out[:, ok_y[:, None] & ok_x[None, :]] = m[:, ys[ok_y]][:, :, xs[ok_x]].reshape(c, -1)
    return out


def _taps(m: np.ndarray, size: int, stride: int, oh: int, ow: int, clamp: bool):
    """Yield each window tap (c, oh, ow) int64; outside the map: clamped coordinates or None (=0)."""
    c, h, w = m.shape
    for ky in range(size):
        for kx in range(size):
            ys, xs = np.arange(oh) * stride + ky, np.arange(ow) * stride + kx
            if clamp:
                ys, xs = np.minimum(ys, h - 1), np.minimum(xs, w - 1)
                yield m[:, ys][:, :, xs].astype(np.int64)
            else:
                t = np.zeros((c, oh, ow), dtype=np.int64)
                ok_y, ok_x = ys < h, xs < w
                t[:, ok_y[:, None] & ok_x[None, :]] = m[:, ys[ok_y]][:, :, xs[ok_x]].reshape(c, -1)
                yield t


def pool(m: np.ndarray, pool_type: int) -> np.ndarray:
    """KPU pooling of a u8 (c, h, w) map (spec 3.5 step 5)."""
    c, h, w = m.shape
    if pool_type == 0:
        return m.copy()
    if pool_type in (1, 2, 3, 4, 8, 9):
        size = {1: 2, 2: 2, 3: 4, 4: 4, 8: 2, 9: 2}[pool_type]
        stride = 1 if pool_type in (8, 9) else size
        oh, ow = (h, w) if stride == 1 else (h // size, w // size)
        taps = list(_taps(m, size, stride, oh, ow, clamp=pool_type in (2, 4, 8)))
        if pool_type in (1, 3, 9):
            return np.maximum.reduce(taps).astype(np.uint8)
        return (sum(taps) // (size * size)).astype(np.uint8)   # non-negative: truncation = floor
    if pool_type == 5:
        return _pool_pick(m, 2, 0, 0)
    if pool_type == 6:
        return _pool_pick(m, 2, 0, 1)
    if pool_type == 7:
        return _pool_pick(m, 4, 0, 0)
    raise ValueError(f"pool_type {pool_type} is not a KPU pooling mode (0..9)")


def _windows(x: np.ndarray, k: int, pad_value: int) -> np.ndarray:
    """(c, k*k, h, w) float64 view of every tap of a same-size k x k conv (pad 1 for k=3)."""
    c, h, w = x.shape
    if k == 1:
        return x.astype(np.float64)[:, None]
    xp = np.full((c, h + 2, w + 2), pad_value, dtype=np.float64)
    xp[:, 1:-1, 1:-1] = x
    win = np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(1, 2))   # (c, h, w, 3, 3)
    return win.reshape(c, h, w, 9).transpose(0, 3, 1, 2)


def convolve(x: np.ndarray, wts: np.ndarray, a: KpuLayerArgs) -> np.ndarray:
    """Offset-corrected accumulator acc (oc, h, w) int64 (spec 3.5 steps 1-2).

    Products and sums of u8/u16 operands stay below 2**53, so float64 BLAS is exact."""
    k = 3 if a.kernel_type == 1 else 1
    c, h, w = x.shape
    oc = a.o_ch_num + 1
    win = _windows(x, k, a.pad_value)                       # (c, k2, h, w)
    if a.depth_wise_layer:
        wf = wts.reshape(oc, k * k).astype(np.float64)
        s = np.einsum("ckhw,ck->chw", win, wf)
        sx = win.sum(axis=1)                                 # per channel
        sw = wts.reshape(oc, -1).astype(np.int64).sum(axis=1)
        g_ic = 1
    else:
        cols = win.reshape(c * k * k, h * w)
        s = (wts.reshape(oc, c * k * k).astype(np.float64) @ cols).reshape(oc, h, w)
        sx = cols.sum(axis=0).reshape(1, h, w)
        sw = wts.reshape(oc, -1).astype(np.int64).sum(axis=1)
        g_ic = c
    s, sx = np.rint(s).astype(np.int64), np.rint(sx).astype(np.int64)
    return (s + ((np.int64(a.arg_x) * sx) >> a.shr_x) + ((np.int64(a.arg_w) * sw[:, None, None]) >> a.shr_w)
            + np.int64(a.arg_add) * g_ic)


def batchnorm(acc: np.ndarray, bn: Sequence[BnEntry]) -> np.ndarray:
    mul = np.array([b.norm_mul for b in bn], dtype=np.int64)[:, None, None]
    add = np.array([b.norm_add for b in bn], dtype=np.int64)[:, None, None]
    sh = np.array([b.norm_shift for b in bn], dtype=np.int64)[:, None, None]
    return ((acc * mul) >> sh) + add


def check_args(a: KpuLayerArgs) -> None:
    for name in UNMODELLED:
        if getattr(a, name):
            raise ValueError(f"kpu arg {name} = {getattr(a, name)}: not modelled (no compiler sets it)")
    if a.kernel_type not in (0, 1):
        raise ValueError(f"kpu arg kernel_type = {a.kernel_type}: only 0 (1x1) and 1 (3x3) exist")
    if a.depth_wise_layer and a.i_ch_num != a.o_ch_num:
        raise ValueError(f"depthwise layer with {a.i_ch_num + 1} inputs and {a.o_ch_num + 1} outputs")


def run_layer(words: Sequence[int], ai_sram: np.ndarray, read_main: Callable[[int, int], bytes],
              rule: str = "nncase02", eight_bit: bool = True) -> Optional[np.ndarray]:
    """Execute one layer given its 12 argument words; updates ai_sram (uint8[2 MiB]) in place.

    Weights/BN/activation are fetched with read_main(address, nbytes) at para_start_addr,
    bwsx_base_addr and active_addr. Returns the planar (oc, oh, ow) u8 DMA output when
    send_data_out is set, else None. eight_bit = the KPU's eight_bit_mode register (header flags)."""
    a = KpuLayerArgs.unpack(words)
    check_args(a)
    c, h, w = a.i_ch_num + 1, a.i_col_high + 1, a.i_row_wid + 1
    oc = a.o_ch_num + 1
    x = layout.load(ai_sram, a.image_src_addr, c, h, w, groups=a.coef_group, row_len=a.row_switch_addr,
                    chan_lines=a.channel_switch_addr)
    nbytes = conv_weight_bytes(a, eight_bit)
    raw = np.frombuffer(bytes(read_main(a.para_start_addr, nbytes)), dtype=np.uint8 if eight_bit else "<u2")
    bn = [BnEntry.unpack(int(v)) for v in np.frombuffer(bytes(read_main(a.bwsx_base_addr, 8 * oc)), "<u8")]
    act = ActTable.from_bytes(bytes(read_main(a.active_addr, ActTable.SIZE)))
    v = batchnorm(convolve(x, raw, a), bn)
    y = pool(activate(v, act, rule), a.pool_type)
    oh, ow = a.o_col_high + 1, a.o_row_wid + 1
    if y.shape != (oc, oh, ow):
        raise ValueError(f"pool_type {a.pool_type} on {h}x{w} gives {y.shape[1]}x{y.shape[2]}, "
                         f"the arguments say {oh}x{ow}")
    layout.store(ai_sram, a.image_dst_addr, y, groups=a.wb_group, row_len=a.wb_row_switch_addr,
                 chan_lines=a.wb_channel_switch_addr)
    if not a.send_data_out:
        return None
    if a.dma_total_byte + 1 != y.size:
        raise ValueError(f"dma_total_byte + 1 = {a.dma_total_byte + 1}, the output map has {y.size} bytes")
    return y
