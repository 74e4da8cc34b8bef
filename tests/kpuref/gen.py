"""Random small kmodel v3 files with known weights, built with k210tools.kmodel.v3.

Field values follow what nncase 0.1 emits (spec 3.2): row-layout fields from the map widths,
o_ch_num_coef/para_size/load_time from the 30 KiB (8-bit) / 60 KiB (16-bit) weight buffer,
burst 15, load_para/load_coor/load_act 1, dma sizes, maps >= 4x4 after pooling, lines allocated
downwards from the top of AI SRAM (max_start_address = lowest line used), main-buffer blocks
rounded to 8 bytes. BN and activation tables are calibrated on the layer's actual input so the
outputs spread over 0..255 and segment starts coincide with real accumulator values (boundary
cases for both segment rules); shifts of 1-2 produce exact .5 carries.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Set, Tuple

import numpy as np

from k210tools.kmodel import v3 as fmt

from . import cpu, kpu, layout

NEG, POS = -(1 << 35), (1 << 35) - 1
POOL_DIV = {0: 1, 1: 2, 2: 2, 3: 4, 4: 4, 5: 2, 6: 2, 7: 4, 8: 1, 9: 1}


def conv_args(c: int, h: int, w: int, oc: int, k3: bool, pool: int, dw: bool, src: int, dst: int,
              eight_bit: bool = True, **over: int) -> fmt.KpuLayerArgs:
    """Arguments of a c x h x w -> oc conv as nncase 0.1 lays them out (addresses left 0)."""
    d = POOL_DIV[pool]
    oh, ow = h // d, w // d
    k2 = 9 if k3 else 1
    per_oc = (1 if dw else c) * k2 * (1 if eight_bit else 2)
    n = oc if dw else min(oc, (30720 if eight_bit else 61440) // per_oc)
    gi, ri = layout.geometry(w)
    go, ro = layout.geometry(ow)
    a = fmt.KpuLayerArgs(
        depth_wise_layer=int(dw), image_src_addr=src, image_dst_addr=dst, i_ch_num=c - 1, o_ch_num=oc - 1,
        o_ch_num_coef=n - 1, i_row_wid=w - 1, i_col_high=h - 1, o_row_wid=ow - 1, o_col_high=oh - 1,
        kernel_type=int(k3), pool_type=pool, load_para=1, dma_burst_size=15, load_coor=1,
        load_time=-(-oc // n) - 1, para_size=n * per_oc, channel_switch_addr=ri * h, row_switch_addr=ri,
        coef_group=gi, load_act=1, wb_channel_switch_addr=ro * oh, wb_row_switch_addr=ro, wb_group=go,
        channel_byte_num=ow * oh - 1, dma_total_byte=ow * oh * oc - 1)
    for k, v in over.items():
        if not hasattr(a, k):
            raise AttributeError(f"KpuLayerArgs has no field {k}")
        setattr(a, k, v)
    return a


def _offsets(rng: np.random.Generator, k2: int) -> dict:
    """Zero-point correction fields in one of the styles compilers use, or arbitrary shifts."""
    wz, xz = int(rng.integers(0, 256)), int(rng.integers(0, 256))
    style = rng.integers(0, 3)
    if style == 0:      # nncase 0.2 style
        return dict(arg_x=-wz, arg_w=-xz, shr_x=0, shr_w=0, arg_add=wz * xz * k2, pad_value=xz)
    if style == 1:      # nncase 0.1 style, args scaled by 2**15
        return dict(arg_x=-wz << 15, arg_w=-xz << 15, shr_x=15, shr_w=15, arg_add=wz * xz * k2, pad_value=xz)
    # arbitrary values (flooring shifts of negative products); |acc| stays below 2**36
    return dict(arg_x=int(rng.integers(-(1 << 23), 1 << 23)), arg_w=int(rng.integers(-(1 << 23), 1 << 23)),
                shr_x=int(rng.integers(8, 16)), shr_w=int(rng.integers(8, 16)),
                arg_add=int(rng.integers(-(1 << 30), 1 << 30)), pad_value=int(rng.integers(0, 256)))


def calibrate(rng: np.random.Generator, acc: np.ndarray) -> Tuple[List[fmt.BnEntry], fmt.ActTable]:
    """BN entries and an activation table that spread this accumulator over the u8 range."""
    oc = acc.shape[0]
    bn = []
    for o in range(oc):
        shift = int(rng.integers(0, 16))
        amax = float(np.abs(acc[o]).max()) + 1.0
        scale = min(4096 / (float(np.std(acc[o])) + 1.0), 2.0 ** 30 / amax) * rng.uniform(0.5, 2)
        mul = int(np.clip(round((1 << shift) * scale), 1, (1 << 23) - 1)) * int(rng.choice([-1, 1], p=[0.2, 0.8]))
        centre = float(np.mean((acc[o] * mul) >> shift))          # keeps v (and x_start) well inside 36 bits
        add = int(np.clip(-round(centre) + int(rng.integers(-4096, 4096)), -(1 << 31), (1 << 31) - 1))
        bn.append(fmt.BnEntry(mul, add, shift))
    v = kpu.batchnorm(acc, bn).reshape(-1)
    n_act = int(rng.integers(2, 15))
    starts = np.unique(rng.choice(v, size=n_act))                      # real values: boundary hits
    segs = [fmt.ActSegment(0, 0, NEG if rng.random() < 0.85 else int(v.min()))]
    bias = [0]
    tops = list(starts[1:]) + [int(v.max()) + 1]
    for xs, top in zip(starts, tops):
        shift = int(rng.choice([0, 1, 2, int(rng.integers(3, 21))]))
        width = max(int(top) - int(xs), 1)
        mul = int(np.clip(round((1 << shift) * 96 / width * rng.uniform(-0.5, 1.5)), -32768, 32767))
        segs.append(fmt.ActSegment(shift, mul, int(xs)))
        bias.append(int(rng.integers(0, 256)))
    while len(segs) < 16:
        segs.append(fmt.ActSegment(0, 0, POS - (16 - len(segs))))
        bias.append(255)
    return bn, fmt.ActTable(segs, bias)


def random_conv(rng: np.random.Generator, c: int, h: int, w: int, eight_bit: bool = True, src: int = 0,
                dst: int = 0, x: Optional[np.ndarray] = None, oc: Optional[int] = None, k3: Optional[bool] = None,
                pool: Optional[int] = None, dw: Optional[bool] = None, main_out: Optional[int] = None) -> fmt.K210Conv:
    """A K210_CONV with random weights, calibrated on x (or on a random input)."""
    dw = bool(rng.random() < 0.3) if dw is None else dw
    k3 = bool(rng.random() < 0.6) if k3 is None else k3
    oc = c if dw else (int(rng.integers(1, 9)) if oc is None else oc)
    if pool is None:
        pool = int(rng.choice([p for p in POOL_DIV if h // POOL_DIV[p] >= 1 and w // POOL_DIV[p] >= 1]))
    k2 = 9 if k3 else 1
    a = conv_args(c, h, w, oc, k3, pool, dw, src, dst, eight_bit, **_offsets(rng, k2))
    nw = fmt.conv_weight_bytes(a, eight_bit)
    wmax = 256 if eight_bit else 4096
    wts = rng.integers(0, wmax, nw if eight_bit else nw // 2).astype(np.uint8 if eight_bit else "<u2")
    if x is None:
        x = rng.integers(0, 256, (c, h, w), dtype=np.uint8)
    bn, act = calibrate(rng, kpu.convolve(x, wts, a))
    flags = fmt.KLF_MAIN_MEM_OUT if main_out is not None else 0
    return fmt.K210Conv(flags, main_out or 0, a, wts.tobytes(), bn, act)


@dataclass
class Generated:
    name: str
    model: fmt.Model
    data: bytes
    input: bytes
    padding_fed: Set[int] = field(default_factory=set)   # conv layers reading a K210_ADD_PADDING map


class Builder:
    """Adds layers one at a time and runs each on its own state (to calibrate the next one)."""

    def __init__(self, rng: np.random.Generator, eight_bit: bool = True):
        self.rng, self.eight_bit = rng, eight_bit
        self.main = np.zeros(1 << 20, np.uint8)
        self.ai = np.zeros(layout.AI_SRAM_BYTES, np.uint8)
        self.main_top, self.line_top = 0, 32768
        self.layers: List[fmt.Body] = []
        self.padding_fed: Set[int] = set()

    def alloc(self, n: int) -> int:
        at = self.main_top
        self.main_top += -(-n // 8) * 8
        return at

    def lines(self, c: int, h: int, w: int) -> int:
        self.line_top -= layout.lines(c, h, w)
        return self.line_top

    def image(self, c: int, h: int, w: int) -> Tuple[int, np.ndarray]:
        line = self.lines(c, h, w)
        x = self.rng.integers(0, 256, (c, h, w), dtype=np.uint8)
        layout.store(self.ai, line, x)
        return line, x

    def conv(self, src: int, shape: Sequence[int], main_out: bool = False, **kw) -> Tuple[int, Tuple[int, int, int], int]:
        c, h, w = shape
        x = layout.load(self.ai, src, c, h, w)
        probe = random_conv(self.rng, c, h, w, self.eight_bit, x=x, **kw)
        a = probe.args
        oshape = (a.o_ch_num + 1, a.o_col_high + 1, a.o_row_wid + 1)
        a.image_src_addr, a.image_dst_addr = src, self.lines(*oshape)
        addr = self.alloc(int(np.prod(oshape))) if main_out else 0
        if main_out:
            probe.flags, probe.main_mem_out_address = fmt.KLF_MAIN_MEM_OUT, addr
        self._run(probe)
        return a.image_dst_addr, oshape, addr

    def cpu(self, body: fmt.Body) -> np.ndarray:
        return self._run(body)

    def _run(self, body: fmt.Body) -> np.ndarray:
        from .v3 import run_conv
        self.layers.append(body)
        if isinstance(body, fmt.K210Conv):
            return run_conv(body, self.main, self.ai, "nncase02", self.eight_bit)
        return cpu.CPU_LAYERS[type(body)](body, self.main, self.ai)

    def model(self, outputs: Sequence[Tuple[int, int]], name: str) -> fmt.Model:
        return fmt.Model(flags=int(self.eight_bit), max_start_address=self.line_top, main_mem_usage=self.main_top,
                         outputs=[fmt.Output(a, n) for a, n in outputs], layers=list(self.layers), name=name)


def _finish(b: Builder, name: str, outputs, inp: bytes) -> Generated:
    m = b.model(outputs, name)
    return Generated(name, m, fmt.write(m), inp, set(b.padding_fed))


def kpu_model(seed: int, pools: Sequence[int], eight_bit: bool = True) -> Generated:
    """Conv chain (3x3/1x1, depthwise, the given pool types), main-memory output, DEQUANTIZE."""
    rng = np.random.default_rng(seed)
    b = Builder(rng, eight_bit)
    c = int(rng.integers(1, 5))
    div = int(np.prod([POOL_DIV[p] for p in pools]))
    h = 4 * div + int(rng.integers(0, div))                 # not always divisible: floor edges
    w = max(4 * div, int(rng.choice([8, 16, 20, 32, 40, 72]))) + int(rng.integers(0, div))
    line, x = b.image(c, h, w)
    shape: Tuple[int, int, int] = (c, h, w)
    for i, p in enumerate(pools):
        line, shape, _ = b.conv(line, shape, pool=p, dw=(i % 3 == 1), k3=(i % 2 == 0))
    line, shape, out = b.conv(line, shape, main_out=True, pool=0)
    n = int(np.prod(shape))
    f = b.alloc(4 * n)
    b.cpu(fmt.Dequantize(0, out, f, n, float(rng.uniform(0.01, 0.1)), float(rng.uniform(-2, 0))))
    return _finish(b, f"gen_kpu_{seed}", [(f, 4 * n)], x.tobytes())


def _f32_out(b: Builder, n: int) -> int:
    return b.alloc(4 * n)


def cpu_model(seed: int) -> Generated:
    """Every CPU layer type and the three K210 data-movement layers around three convs."""
    rng = np.random.default_rng(seed)
    b = Builder(rng)
    c, h, w = 3, 8, 12
    line, x = b.image(c, h, w)
    _, (c1, h1, w1), A = b.conv(line, (c, h, w), main_out=True, pool=0, oc=4)
    nA = c1 * h1 * w1
    ph, pw = (h1 + 2 - 3) // 2 + 1, (w1 + 2 - 3) // 2 + 1
    B = b.alloc(c1 * ph * pw)
    b.cpu(fmt.QuantizedMaxPool2D(0, A, B, w1, h1, c1, pw, ph, c1, 3, 3, 2, 2, 1, 1))
    nB = c1 * ph * pw
    B2 = b.alloc(nB)
    b.cpu(fmt.Requantize(0, B, B2, nB, rng.permutation(256).astype(np.uint8).tobytes()))
    C = b.alloc(nB)
    b.cpu(fmt.QuantizedAdd(0, B, B2, C, nB, -int(rng.integers(0, 50)), int(rng.integers(1, 1 << 14)), 14,
                           -int(rng.integers(0, 50)), int(rng.integers(1, 1 << 14)), int(rng.integers(10, 15)),
                           int(rng.integers(0, 30)), int(rng.integers(1, 1 << 10)), int(rng.integers(8, 12))))
    rh, rw = 6, 16
    D = b.alloc(c1 * rh * rw)
    b.cpu(fmt.QuantizedResizeNearestNeighbor(0, C, D, pw, ph, c1, rw, rh, 0))
    E = b.alloc(c1 * rh * rw + nB)
    b.cpu(fmt.QuantizedConcat(0, E, [(D, c1 * rh * rw), (B2, nB)]))
    up = b.lines(c1, rh, rw)
    b.cpu(fmt.K210Upload(0, D, up, rw, rh, c1))
    _, (c2, h2, w2), F = b.conv(up, (c1, rh, rw), main_out=True, pool=0, oc=3)
    nF = c2 * h2 * w2
    Ff = _f32_out(b, nF)
    b.cpu(fmt.Dequantize(0, F, Ff, nF, 0.05, -3.0))
    gh, gw = (h2 + 2 - 3) // 2 + 1, (w2 + 2 - 3) // 2 + 1
    G = _f32_out(b, c2 * gh * gw)
    b.cpu(fmt.AveragePool2D(0, Ff, G, w2, h2, c2, gw, gh, c2, 3, 3, 2, 2, 1, 1, fmt.ACT_LINEAR))
    H = _f32_out(b, c2 * 5 * 7)
    b.cpu(fmt.ResizeNearestNeighbor(0, G, H, gw, gh, c2, 7, 5, 1))
    nH = c2 * 35
    I = _f32_out(b, nH)
    b.cpu(fmt.Add(0, H, H, I, nH))
    J = _f32_out(b, nH + c2 * gh * gw)
    b.cpu(fmt.Concat(0, J, [(I, 4 * nH), (G, 4 * c2 * gh * gw)]))
    K = _f32_out(b, nH)
    b.cpu(fmt.TfFlatten(0, I, K, 7, 5, c2))
    n1 = int(rng.integers(8, 17))
    L = _f32_out(b, n1)
    b.cpu(_fc(rng, K, L, nH, n1, fmt.ACT_RELU6))
    M = _f32_out(b, n1)
    b.cpu(fmt.L2Normalization(0, L, M, n1))
    N = _f32_out(b, n1)
    b.cpu(fmt.Logistic(0, M, N, n1))
    O = _f32_out(b, 10)
    b.cpu(_fc(rng, N, O, n1, 10, fmt.ACT_LINEAR))
    P = _f32_out(b, 10)
    b.cpu(fmt.Softmax(0, O, P, 10))
    Q = _f32_out(b, c2)
    q = b.cpu(fmt.GlobalAveragePool2D(0, Ff, Q, h2 * w2, c2))
    lo, hi = float(q.min()) - 0.1, float(q.max()) + 0.1
    R = b.alloc(c2)
    b.cpu(fmt.Quantize(0, Q, R, c2, (hi - lo) / 255, lo))
    pad = b.lines(c2, 4, 4)
    b.cpu(fmt.K210AddPadding(0, R, pad, c2))
    b.padding_fed.add(len(b.layers))
    _, (c3, _, _), S = b.conv(pad, (c2, 4, 4), main_out=True, pool=0, k3=False, dw=False, oc=5)
    T = b.alloc(c3)
    b.cpu(fmt.K210RemovePadding(0, S, T, c3))
    U = _f32_out(b, c3)
    b.cpu(fmt.ChannelwiseDequantize(0, T, U, c3, 1, [(float(rng.uniform(0.01, 0.1)), float(rng.uniform(-1, 1)))
                                                      for _ in range(c3)]))
    return _finish(b, f"gen_cpu_{seed}", [(P, 40), (U, 4 * c3), (J, 4 * (nH + c2 * gh * gw))], x.tobytes())


def _fc(rng: np.random.Generator, i: int, o: int, n_in: int, n_out: int, act: int) -> fmt.FullyConnected:
    wts = rng.normal(0, 1 / np.sqrt(n_in), (n_out, n_in)).astype("<f4")
    return fmt.FullyConnected(0, i, o, n_in, n_out, act, wts.tobytes(), rng.normal(0, 0.1, n_out).astype("<f4").tobytes())


def fc_model(seed: int) -> Generated:
    """FULLY_CONNECTED as the first layer (float input), like iris."""
    rng = np.random.default_rng(seed)
    b = Builder(rng)
    n_in, n_hid = int(rng.integers(3, 12)), int(rng.integers(4, 20))
    X, Hd, O, P = b.alloc(4 * n_in), b.alloc(4 * n_hid), b.alloc(12), b.alloc(12)
    inp = rng.normal(0, 1, n_in).astype("<f4")
    b.main[X:X + 4 * n_in] = np.frombuffer(inp.tobytes(), np.uint8)
    b.cpu(_fc(rng, X, Hd, n_in, n_hid, fmt.ACT_RELU))
    b.cpu(_fc(rng, Hd, O, n_hid, 3, fmt.ACT_LINEAR))
    b.cpu(fmt.Softmax(0, O, P, 3))
    return _finish(b, f"gen_fc_{seed}", [(O, 12), (P, 12)], inp.tobytes())


def suite() -> List[Generated]:
    """The fixed set of generated models the board tests use (all pool types, 8/16-bit, CPU zoo)."""
    return [kpu_model(1, [1, 2, 0]), kpu_model(2, [3, 8]), kpu_model(3, [4, 9, 5]),
            kpu_model(4, [6, 7], eight_bit=False), kpu_model(5, [8, 9, 0, 5]), cpu_model(6), fc_model(7),
            kpu_model(8, [7, 6])]


def big_model(seed: int, convs: int = 10, c: int = 1024, hw: int = 4) -> Generated:
    """A chain of 1x1 convs with c output channels on a hw x hw map (1x1: a 3x3 layer this wide
    needs more than the 64 weight loads load_time can count). With c = 1024 and 10 convs,
    9,502,720 B of 8-bit weights, more than any board's model pool: it runs streamed from flash
    only. The output is the last conv's u8 map in main memory (compared byte for byte)."""
    rng = np.random.default_rng(seed)
    b = Builder(rng)
    line, x = b.image(64, hw, hw)
    shape: Tuple[int, int, int] = (64, hw, hw)
    for _ in range(convs - 1):
        line, shape, _ = b.conv(line, shape, pool=0, dw=False, k3=False, oc=c)
    line, shape, out = b.conv(line, shape, main_out=True, pool=0, dw=False, k3=False, oc=c)
    return _finish(b, f"gen_big_{seed}", [(out, int(np.prod(shape)))], x.tobytes())
