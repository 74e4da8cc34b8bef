"""Numpy reference of one K210 KPU layer, written from docs/kpu.md (nncase 0.2
rule: highest segment with v > x_start, banker carry shift). Independent of the C code.

run_layer(words, ai_sram, read_bus) executes the 12 argument words on a 2 MiB AI SRAM array
(row layout 3.4) and returns the planar CHW u8 output."""
from __future__ import annotations

from typing import Callable

import numpy as np


def field(w: int, lo: int, n: int) -> int:
    return (w >> lo) & ((1 << n) - 1)


def signed(v: int, bits: int) -> int:
    return v - (1 << bits) if v & (1 << (bits - 1)) else v


def layout(width: int) -> tuple[int, int, int]:
    """(channels per 64-byte line, row pitch, lines per row)."""
    if width <= 16:
        return 4, 16, 1
    if width <= 32:
        return 2, 32, 1
    return 1, 64, (width + 63) // 64


def map_bytes(w: int, h: int, c: int) -> int:
    groups, _, row_len = layout(w)
    per_line = min(c, groups)
    return row_len * h * ((c + per_line - 1) // per_line) * 64


def load(ai: np.ndarray, byte_off: int, c: int, h: int, w: int) -> np.ndarray:
    groups, pitch, row_len = layout(w)
    out = np.empty((c, h, w), np.uint8)
    for ch in range(c):
        base = byte_off + (ch // groups) * row_len * h * 64 + (ch % groups) * pitch
        rows = ai[base:base + h * row_len * 64].reshape(h, row_len * 64)
        out[ch] = rows[:, :w]
    return out


def store(ai: np.ndarray, byte_off: int, chw: np.ndarray) -> None:
    c, h, w = chw.shape
    groups, pitch, row_len = layout(w)
    for ch in range(c):
        base = byte_off + (ch // groups) * row_len * h * 64 + (ch % groups) * pitch
        for y in range(h):
            at = base + y * row_len * 64
            ai[at:at + w] = chw[ch, y]


def banker_shift(t: np.ndarray, s: np.ndarray) -> np.ndarray:
    """nncase carry_shift<int64, Banker=true>, elementwise with per-element shifts s >= 0."""
    t = t.astype(np.int64)
    s = s.astype(np.int64)
    q = t >> s
    f = t & ((np.int64(1) << s) - 1)
    half = np.where(s > 0, np.int64(1) << np.maximum(s - 1, 0), 0)
    sg = np.where(t < 0, -1, 1)
    r = np.where(f < half, q, np.where(f > half, q + sg, np.where(q & 1, q + sg, q)))
    return np.where(s == 0, t, r)


def conv(x: np.ndarray, wts: np.ndarray, k: int, depthwise: bool, pad_value: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """S, Sx, Sw (int64) per output channel and input position; x is (C, H, W) u8."""
    c, h, w = x.shape
    p = k // 2
    xp = np.full((c, h + 2 * p, w + 2 * p), pad_value, np.float64)
    xp[:, p:p + h, p:p + w] = x
    oc = wts.shape[0]
    s = np.zeros((oc, h, w), np.float64)      # exact: all partial sums are integers < 2^53
    sx = np.zeros((oc if depthwise else 1, h, w), np.float64)
    for ky in range(k):
        for kx in range(k):
            win = xp[:, ky:ky + h, kx:kx + w]
            if depthwise:
                s += wts[:, 0, ky, kx].astype(np.float64)[:, None, None] * win
                sx += win
            else:
                s += np.tensordot(wts[:, :, ky, kx].astype(np.float64), win, axes=([1], [0]))
                sx += win.sum(axis=0, keepdims=True)
    sw = wts.reshape(oc, -1).astype(np.int64).sum(axis=1)
    return s.astype(np.int64), np.broadcast_to(sx.astype(np.int64), (oc, h, w)), sw


def pool(y: np.ndarray, kind: int) -> np.ndarray:
    c, h, w = y.shape
    y = y.astype(np.int64)
    if kind == 0:
        return y
    if kind in (1, 2, 3, 4):
        f = 2 if kind in (1, 2) else 4
        oh, ow = h // f, w // f
        win = y[:, :oh * f, :ow * f].reshape(c, oh, f, ow, f)
        return win.max(axis=(2, 4)) if kind in (1, 3) else win.sum(axis=(2, 4)) // (f * f)
    if kind in (5, 6, 7):
        f = 4 if kind == 7 else 2
        oh, ow = h // f, w // f
        dx = 1 if kind == 6 else 0
        out = np.zeros((c, oh, ow), np.int64)
        xs = np.arange(ow) * f + dx
        ok = xs < w
        out[:, :, ok] = y[:, :oh * f:f][:, :oh][:, :, xs[ok]]
        return out
    # 8 mean 2x2 s1 / 9 max 2x2 s1, window (y..y+1, x..x+1)
    if kind == 8:
        yp = np.concatenate([y, y[:, -1:, :]], axis=1)
        yp = np.concatenate([yp, yp[:, :, -1:]], axis=2)
        return (yp[:, :-1, :-1] + yp[:, 1:, :-1] + yp[:, :-1, 1:] + yp[:, 1:, 1:]) // 4
    yp = np.zeros((c, h + 1, w + 1), np.int64)
    yp[:, :h, :w] = y
    return np.maximum.reduce([yp[:, :-1, :-1], yp[:, 1:, :-1], yp[:, :-1, 1:], yp[:, 1:, 1:]])


def run_layer(words: list[int], ai: np.ndarray, read_bus: Callable[[int, int], bytes]) -> np.ndarray:
    w = words
    depthwise = bool(field(w[0], 3, 1))
    src, dst = field(w[1], 0, 15), field(w[1], 32, 15)
    ic, oc = field(w[2], 0, 10) + 1, field(w[2], 32, 10) + 1
    iw, ih = field(w[3], 0, 10) + 1, field(w[3], 10, 9) + 1
    ow, oh = field(w[3], 32, 10) + 1, field(w[3], 42, 9) + 1
    k = 3 if field(w[4], 0, 3) == 1 else 1
    kind = field(w[4], 4, 4)
    pad_value = field(w[4], 24, 8)
    bn_addr, wt_addr, act_addr = field(w[4], 32, 32), field(w[5], 32, 32), field(w[7], 32, 32)
    shr_w, shr_x = field(w[9], 0, 4), field(w[9], 4, 4)
    arg_w, arg_x = signed(field(w[9], 8, 24), 24), signed(field(w[9], 32, 24), 24)
    arg_add = signed(field(w[10], 0, 40), 40)

    x = load(ai, src * 64, ic, ih, iw)
    nw = oc * (1 if depthwise else ic) * k * k
    wts = np.frombuffer(read_bus(wt_addr, nw), np.uint8).reshape(oc, 1 if depthwise else ic, k, k)
    bn = np.frombuffer(read_bus(bn_addr, 8 * oc), np.uint64)
    act = np.frombuffer(read_bus(act_addr, 144), np.uint64)

    s, sx, sw = conv(x, wts, k, depthwise, pad_value)
    g_ic = 1 if depthwise else ic
    acc = s + ((arg_x * sx) >> shr_x) + ((arg_w * sw[:, None, None]) >> shr_w) + arg_add * g_ic

    mul = np.array([signed(int(b) & 0xFFFFFF, 24) for b in bn], np.int64)[:, None, None]
    add = np.array([signed((int(b) >> 24) & 0xFFFFFFFF, 32) for b in bn], np.int64)[:, None, None]
    shift = np.array([(int(b) >> 56) & 0xF for b in bn], np.int64)[:, None, None]
    v = ((acc * mul) >> shift) + add

    starts = np.array([signed(int(a) >> 24 & ((1 << 36) - 1), 36) for a in act[:16]], np.int64)
    ymul = np.array([signed(int(a) >> 8 & 0xFFFF, 16) for a in act[:16]], np.int64)
    sh = np.array([int(a) & 0xFF for a in act[:16]], np.int64)
    bias = np.frombuffer(act[16:18].tobytes(), np.uint8).astype(np.int64)
    above = v[..., None] > starts                       # highest j with v > x_start[j]; none -> 0
    j = np.where(above.any(-1), 15 - np.argmax(above[..., ::-1], axis=-1), 0)
    t = (v - starts[j]) * ymul[j]
    y = np.clip(banker_shift(t, sh[j]) + bias[j], 0, 255).astype(np.uint8)

    out = pool(y, kind).astype(np.uint8)
    assert out.shape == (oc, oh, ow), (out.shape, oc, oh, ow)
    store(ai, dst * 64, out)
    return out


def layer_words(ic: int, ih: int, iw: int, oc: int, k: int, pool: int, depthwise: bool, src_line: int, dst_line: int,
                pad_value: int, arg_x: int, arg_w: int, shr_x: int, shr_w: int, arg_add: int,
                bn_skip: int, act_skip: int, w_skip: int) -> list[int]:
    """12 argument words as the nncase 0.2 compiler sets them (docs/kpu.md, "Layer argument"), with the v4 skip
    counts in the three address fields (docs/kmodel-formats.md, "v4 kpu_conv2d")."""
    stride = [1, 2, 2, 4, 4, 2, 2, 4, 1, 1][pool]
    ow, oh = iw // stride, ih // stride
    gi, _, rli = layout(iw)
    go, _, rlo = layout(ow)
    per_oc = (1 if depthwise else ic) * k * k
    n = oc if depthwise else min(oc, 30720 // per_oc)
    loads = (oc + n - 1) // n
    m24, m40 = (1 << 24) - 1, (1 << 40) - 1
    return [
        int(depthwise) << 3,
        src_line | dst_line << 32,
        (ic - 1) | (oc - 1) << 32 | (n - 1) << 48,
        (iw - 1) | (ih - 1) << 10 | (ow - 1) << 32 | (oh - 1) << 42,
        (1 if k == 3 else 0) | pool << 4 | 1 << 10 | 15 << 16 | pad_value << 24 | bn_skip << 32,
        1 | (loads - 1) << 1 | (n * per_oc) << 15 | w_skip << 32,
        0,
        rli * ih | rli << 16 | min(gi, 4) << 28 | 1 << 31 | act_skip << 32,
        rlo * oh | rlo << 16 | go << 20,
        shr_w | shr_x << 4 | (arg_w & m24) << 8 | (arg_x & m24) << 32,
        arg_add & m40,
        (ow * oh - 1) << 16 | (ow * oh * oc - 1) << 32,
    ]
