"""Quantize the trained digit CNN with a calibration set and compile it to kmodel v3.

Layers: K210_CONV (3x3, 1->8, ReLU, max-pool 2x2) -> K210_CONV (3x3, 8->16, ReLU, max-pool 2x2,
output to main memory) -> DEQUANTIZE -> FULLY_CONNECTED 256->10 -> SOFTMAX.

Quantization (docs/kmodel-formats.md, v3 quantization), chosen so the KPU's offset terms are exact integers:
* activations: real = q * s (zero point 0: the input is 0..1 and every KPU output follows a ReLU),
  so arg_w = arg_add = pad_value = 0;
* weights: per output channel o, w = (q - 128) * s_w[o], so arg_x = -128 with shr_x = 0 and the
  KPU accumulates acc = sum x_q * (w_q - 128) exactly;
* batch-norm: v = ((acc * norm_mul[o]) >> 15) + norm_add[o] = (s_x s_w[o] acc + bias[o]) / s_y * 2^E,
  E fraction bits picked per layer as large as the 24-bit norm_mul and 32-bit norm_add allow;
* activation: ReLU as one segment starting at 0 with y_mul 1 and shift E (round to the u8 output),
  every segment below it gives 0.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from k210tools.kmodel import v3
from k210tools import train_digits as td

AI_LINES = 32768
BN_SHIFT = 15


def fmap_lines(c: int, h: int, w: int) -> Tuple[int, int, int]:
    """(groups, row_len, lines) of a c x h x w map in AI SRAM (spec 3.4)."""
    groups = 4 if w <= 16 else 2 if w <= 32 else 1
    row_len = -(-w // 64)
    return groups, row_len, row_len * h * -(-c // min(c, groups))


@dataclass
class QConv:
    """One quantized 3x3 conv + ReLU + 2x2 max-pool layer."""
    wq: np.ndarray          # u8 [oc][ic][3][3]
    norm_mul: np.ndarray    # int64 [oc]
    norm_add: np.ndarray    # int64 [oc]
    frac: int               # E
    s_in: float
    s_out: float


def quantize_conv(w: np.ndarray, b: np.ndarray, s_in: float, out_max: float) -> QConv:
    oc = w.shape[0]
    s_w = np.abs(w.reshape(oc, -1)).max(axis=1) / 127.0
    s_w[s_w == 0] = 1.0
    wq = np.clip(np.round(w / s_w[:, None, None, None]) + 128, 0, 255).astype(np.uint8)
    s_out = out_max / 255.0
    m = s_in * s_w.astype(np.float64) / s_out
    add = b.astype(np.float64) / s_out
    frac = 0
    for e in range(24, -1, -1):
        if m.max() * 2.0 ** (e + BN_SHIFT) < 2 ** 22 and np.abs(add).max() * 2.0 ** e < 2 ** 30:
            frac = e
            break
    nm = np.round(m * 2.0 ** (frac + BN_SHIFT)).astype(np.int64)
    na = np.round(add * 2.0 ** frac).astype(np.int64)
    return QConv(wq, nm, na, frac, s_in, s_out)


def relu_table(frac: int) -> v3.ActTable:
    lo, hi = -(1 << 35), (1 << 35) - 1
    segs = [v3.ActSegment(0, 0, lo + i) for i in range(10)]              # v <= 0 -> 0
    segs.append(v3.ActSegment(frac, 1, 0))                               # v > 0 -> round(v / 2^E)
    segs += [v3.ActSegment(0, 0, hi - 4 + i) for i in range(5)]          # never reached
    return v3.ActTable(segs, [0] * 11 + [255] * 5)


def conv_body(q: QConv, in_shape: Tuple[int, int, int], src: int, dst: int,
              main_out: int | None) -> v3.K210Conv:
    ic, h, w = in_shape
    oc = q.wq.shape[0]
    ho, wo = h // 2, w // 2
    g_in, rl_in, _ = fmap_lines(ic, h, w)
    g_out, rl_out, _ = fmap_lines(oc, ho, wo)
    n = min(oc, 30720 // (ic * 9))
    args = v3.KpuLayerArgs(
        image_src_addr=src, image_dst_addr=dst, i_ch_num=ic - 1, o_ch_num=oc - 1, o_ch_num_coef=n - 1,
        i_row_wid=w - 1, i_col_high=h - 1, o_row_wid=wo - 1, o_col_high=ho - 1,
        kernel_type=1, pool_type=1, load_para=1, dma_burst_size=15, pad_value=0,
        load_coor=1, load_time=-(-oc // n) - 1, para_size=n * ic * 9,
        channel_switch_addr=rl_in * h, row_switch_addr=rl_in, coef_group=g_in, load_act=1,
        wb_channel_switch_addr=rl_out * ho, wb_row_switch_addr=rl_out, wb_group=g_out,
        shr_w=0, shr_x=0, arg_w=0, arg_x=-128, arg_add=0,
        channel_byte_num=wo * ho - 1, dma_total_byte=wo * ho * oc - 1)
    bn = [v3.BnEntry(int(m), int(a), BN_SHIFT) for m, a in zip(q.norm_mul, q.norm_add)]
    return v3.K210Conv(flags=1 if main_out is not None else 0,
                       main_mem_out_address=main_out or 0, args=args,
                       weights=q.wq.tobytes(), bn=bn, act=relu_table(q.frac))


@dataclass
class Compiled:
    q1: QConv
    q2: QConv
    w3: np.ndarray
    b3: np.ndarray
    model: v3.Model

    def kmodel(self) -> bytes:
        return v3.write(self.model)


def calibrate(p: td.Params, calib_u8: np.ndarray) -> Tuple[float, float]:
    """Largest ReLU output of each conv layer over the calibration images."""
    _, a = td.forward(p, td.upscale(calib_u8), keep=True)
    return float(np.maximum(a["z1"], 0).max()), float(np.maximum(a["z2"], 0).max())


def compile_digits(p: td.Params, calib_u8: np.ndarray) -> Compiled:
    m1, m2 = calibrate(p, calib_u8)
    q1 = quantize_conv(p["w1"], p["b1"], 1.0 / 255.0, m1)
    q2 = quantize_conv(p["w2"], p["b2"], q1.s_out, m2)
    # AI SRAM from the top down: input (16 lines), layer-1 output (16), layer-2 output reuses the input's lines
    in_lines = fmap_lines(1, 16, 16)[2]
    l1_lines = fmap_lines(8, 8, 8)[2]
    a_in = AI_LINES - in_lines
    a_l1 = a_in - l1_lines
    conv1 = conv_body(q1, (1, 16, 16), a_in, a_l1, None)
    conv2 = conv_body(q2, (8, 8, 8), a_l1, a_in, 0)
    # main buffer: conv2 u8 [0, 256), floats [256, 1280), logits [1280, 1320), softmax [1320, 1360)
    deq = v3.Dequantize(flags=0, in_=0, out=256, count=256, scale=q2.s_out, bias=0.0)
    fc = v3.FullyConnected(flags=0, in_=256, out=1280, in_channels=256, out_channels=10, act=v3.ACT_LINEAR,
                           weights=p["w3"].astype("<f4").tobytes(), bias=p["b3"].astype("<f4").tobytes())
    sm = v3.Softmax(flags=0, in_=1280, out=1320, channels=10)
    model = v3.Model(flags=1, max_start_address=a_l1, main_mem_usage=1360,
                     outputs=[v3.Output(1320, 40)], layers=[conv1, conv2, deq, fc, sm], name="digits")
    return Compiled(q1, q2, p["w3"], p["b3"], model)


# --- the quantized arithmetic, for the host's expected accuracy (independent check: tests/kpuref)
def _round_shift(t: np.ndarray, s: int) -> np.ndarray:
    """nncase 0.2 rounding shift (half to even for t >= 0)."""
    if s == 0:
        return t
    q = t >> s
    f = t & ((1 << s) - 1)
    h = 1 << (s - 1)
    sg = np.where(t < 0, -1, 1)
    return np.where(f < h, q, np.where(f > h, q + sg, np.where(q & 1, q + sg, q)))


def _qconv(q: QConv, xq: np.ndarray) -> np.ndarray:
    cols = td.im2col(xq.astype(np.int64))
    acc = cols @ (q.wq.astype(np.int64) - 128).reshape(q.wq.shape[0], -1).T      # (N, H, W, O)
    v = ((acc * q.norm_mul) >> BN_SHIFT) + q.norm_add
    out = np.where(v > 0, _round_shift(v, q.frac), 0).clip(0, 255).astype(np.int64)
    n, h, w, o = out.shape
    return out.transpose(0, 3, 1, 2).reshape(n, o, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def quantized_logits(c: Compiled, u8: np.ndarray) -> np.ndarray:
    x = u8.repeat(2, axis=1).repeat(2, axis=2)[:, None]
    h2 = _qconv(c.q2, _qconv(c.q1, x))
    f = h2.reshape(len(u8), -1).astype(np.float32) * np.float32(c.q2.s_out)
    return f @ c.w3.T + c.b3


def quantized_accuracy(c: Compiled, u8: np.ndarray, y: np.ndarray) -> float:
    return float((quantized_logits(c, u8).argmax(axis=1) == y).mean())
