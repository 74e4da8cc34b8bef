"""Bit-for-bit cross-checks of the behavioural KPU (C, kpusim/kpu_sim*.c) against the
numpy reference written from the spec (tests/kpuref, kpuref.kpu.run_layer): random layers of
every shape class, pool type, weight width and activation rule, and every conv layer of the real
v3 models in lock step. Both run the same 12 words on the same AI SRAM bytes."""
from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kpuref import gen, kpu, layout  # noqa: E402
from k210tools.kmodel import v3 as fmt  # noqa: E402
from kmodel_v3_conv import parse, patched  # noqa: E402
from kpusim_lib import RULE01, RULE02, SRAM_BASE  # noqa: E402
from realmodels import model_path  # noqa: E402

RULES = {RULE02: "nncase02", RULE01: "nncase01"}
STRIDE = gen.POOL_DIV


def _reader(sim):
    def read_main(addr: int, n: int) -> bytes:
        off = (addr + 0x40000000 if addr < SRAM_BASE else addr) - SRAM_BASE
        return bytes(sim.sram[off:off + n])
    return read_main


def _masked_act_reader(sim, act_addr: int):
    """The reference refuses activation segments with reserved bits 60-63 set; nncase 0.2 files
    carry 0xC there (MSVC's 0xCC fill of uninitialised memory), which silicon and the C model
    ignore. Hand the reference the table with those bits cleared."""
    plain = _reader(sim)
    act_off = (act_addr + 0x40000000 if act_addr < SRAM_BASE else act_addr)

    def read_main(addr: int, n: int) -> bytes:
        data = plain(addr, n)
        if (addr + 0x40000000 if addr < SRAM_BASE else addr) == act_off and n == 144:
            segs = [int.from_bytes(data[8 * j:8 * j + 8], "little") & ((1 << 60) - 1) for j in range(16)]
            data = b"".join(v.to_bytes(8, "little") for v in segs) + data[128:]
        return data
    return read_main


def _run_both(sim, words, ai_ref: np.ndarray, rule: int, eight_bit: bool, send: bool):
    """Runs the words on both; returns (sim dma, ref dma) after checking the return code."""
    sim.ai[:] = ai_ref.tobytes()
    sim.rule(rule)
    sim.weight_bits(8 if eight_bit else 16)
    dma_n = (words[11] >> 32) + 1 if send else None
    rc, dma = sim.run(words, dma_n)
    assert rc == 0
    reader = _masked_act_reader(sim, words[7] >> 32)
    ref = kpu.run_layer(words, ai_ref, reader, rule=RULES[rule], eight_bit=eight_bit)
    return dma, ref


def _diff(sim, ai_ref: np.ndarray) -> str:
    got = np.frombuffer(bytes(sim.ai), np.uint8)
    bad = np.flatnonzero(got != ai_ref)
    if bad.size == 0:
        return ""
    i = int(bad[0])
    return f"{bad.size} AI SRAM bytes differ, first at {i} (line {i // 64}): sim {got[i]} ref {ai_ref[i]}"


# (c, h, w) classes: every row-layout class (W <= 16, <= 32, one line, several lines), odd
# sizes for the floor edges of pooling, tall maps that take several row bands in the C code.
SHAPES = [(1, 4, 4), (3, 5, 7), (4, 8, 16), (5, 9, 17), (2, 6, 32), (3, 7, 33), (2, 5, 64),
          (2, 9, 65), (1, 4, 130), (6, 12, 20), (2, 90, 100), (1, 40, 300), (9, 4, 4), (16, 8, 8),
          (2, 3, 1), (1, 1, 5), (3, 2, 2), (1, 9, 960)]


def _case(seed: int):
    rng = np.random.default_rng(seed)
    c, h, w = SHAPES[seed % len(SHAPES)]
    pools = [p for p in range(10) if h // STRIDE[p] >= 1 and w // STRIDE[p] >= 1]
    pool = pools[seed % len(pools)] if seed % 3 else int(rng.choice(pools))
    eight_bit = seed % 5 != 4
    rule = RULE01 if seed % 2 else RULE02
    dw = bool(rng.random() < 0.3)
    oc = None if dw else int(rng.integers(1, 12))
    send = bool(rng.random() < 0.5)
    return rng, (c, h, w), pool, eight_bit, rule, dw, oc, send


@pytest.mark.parametrize("seed", range(60))
def test_random_layer_matches_reference(kpusim, seed):
    rng, (c, h, w), pool, eight_bit, rule, dw, oc, send = _case(seed)
    x = rng.integers(0, 256, (c, h, w), dtype=np.uint8)
    src = int(rng.integers(0, 20000))
    dst = src + layout.lines(c, h, w) + int(rng.integers(0, 50))
    for _ in range(5):
        body = gen.random_conv(rng, c, h, w, eight_bit, src=src, dst=dst, x=x, oc=oc, pool=pool, dw=dw)
        try:   # the generator's calibration can overshoot a field (e.g. x_start past 36 bits): redraw
            bn = b"".join(e.pack().to_bytes(8, "little") for e in body.bn)
            act = body.act.to_bytes()
            break
        except ValueError:
            continue
    alias = 0x40000000 if rng.random() < 0.3 else 0       # the uncached view works the same
    args = replace(body.args, para_start_addr=kpusim.put(body.weights) - alias,
                   bwsx_base_addr=kpusim.put(bn) - alias, active_addr=kpusim.put(act, 256) - alias,
                   send_data_out=int(send))
    ai_ref = np.zeros(layout.AI_SRAM_BYTES, np.uint8)
    layout.store(ai_ref, src, x)
    dma, ref = _run_both(kpusim, args.pack(), ai_ref, rule, eight_bit, send)
    assert _diff(kpusim, ai_ref) == ""
    if send:
        assert dma == ref.tobytes()


@pytest.mark.parametrize("name,inp", [
    ("yolo20class_nncase01_v3.kmodel", "yolo20class_dog_320x240_rgb_chw.bin"),
    ("facedetect_maixpy_0x300000_v3.kmodel", "facedetect_crowd_320x240_rgb_chw.bin"),
    ("mnist_maixpy_v3.kmodel", None),
])
@pytest.mark.parametrize("rule", [RULE02, RULE01])
def test_real_model_layers_match_reference(kpusim, name, inp, rule):
    path = model_path(name)
    if not path.exists():
        pytest.skip(f"{path} not present")
    model = parse(path)
    first = model.convs[0]
    a0 = first.words
    c, h, w = (a0[2] & 0x3FF) + 1, ((a0[3] >> 10) & 0x1FF) + 1, (a0[3] & 0x3FF) + 1
    data = model_path(inp).read_bytes() if inp else np.random.default_rng(1).integers(0, 256, c * h * w).astype(np.uint8).tobytes()
    ai_ref = np.zeros(layout.AI_SRAM_BYTES, np.uint8)
    layout.store(ai_ref, a0[1] & 0x7FFF, np.frombuffer(data, np.uint8).reshape(c, h, w))
    for L in model.convs:
        send = L.main_out is not None
        words = patched(L.words, kpusim.put(L.weights), kpusim.put(L.bn), kpusim.put(L.act, 256), send)
        if L.index > 0 and model.layers[L.index - 1][0] != 10240:
            # a CPU layer (e.g. K210_ADD_PADDING) fed this one: give both the same random map
            a = L.words
            ci, hi, wi = (a[2] & 0x3FF) + 1, ((a[3] >> 10) & 0x1FF) + 1, (a[3] & 0x3FF) + 1
            layout.store(ai_ref, a[1] & 0x7FFF, np.random.default_rng(L.index).integers(0, 256, (ci, hi, wi)).astype(np.uint8))
        dma, ref = _run_both(kpusim, words, ai_ref, rule, bool(model.flags & 1), send)
        assert _diff(kpusim, ai_ref) == "", f"{name} layer {L.index}"
        if send:
            assert dma == ref.tobytes(), f"{name} layer {L.index} DMA output"


@pytest.mark.parametrize("pool", [1, 2, 3, 4, 5, 6, 7, 8, 9])
@pytest.mark.parametrize("k3", [False, True])
def test_band_boundaries_match_reference(kpusim, pool, k3):
    # 130 columns: the C code splits these 70 rows into row bands; windows and 3x3 taps that
    # straddle a band boundary must come out as in one piece.
    rng = np.random.default_rng(pool * 2 + k3)
    c, h, w = 3, 70, 130
    x = rng.integers(0, 256, (c, h, w), dtype=np.uint8)
    body = gen.random_conv(rng, c, h, w, True, src=0, dst=layout.lines(c, h, w), x=x, oc=3, k3=k3,
                           pool=pool, dw=False)
    bn = b"".join(e.pack().to_bytes(8, "little") for e in body.bn)
    args = replace(body.args, para_start_addr=kpusim.put(body.weights), bwsx_base_addr=kpusim.put(bn),
                   active_addr=kpusim.put(body.act.to_bytes(), 256), send_data_out=1)
    ai_ref = np.zeros(layout.AI_SRAM_BYTES, np.uint8)
    layout.store(ai_ref, 0, x)
    dma, ref = _run_both(kpusim, args.pack(), ai_ref, RULE02, True, True)
    assert _diff(kpusim, ai_ref) == ""
    assert dma == ref.tobytes()


@pytest.mark.parametrize("name", ["yolo20class_nncase02_v4.kmodel", "mnist_canmv_v4.kmodel",
                                  "mobilenetv1_0.25_feature_canmv_v4.kmodel",
                                  "facedetect_rfb320_nncase02_v4.kmodel"])
def test_v4_model_layers_match_reference(kpusim, name):
    # Every kpu_conv2d of the real v4 models (8-bit, nncase 0.2 rule) on a random input map:
    # the behavioural KPU accepts the words nncase 0.2 wrote and agrees with the reference.
    from kmodel_v3_conv import parse_v4_convs
    path = model_path(name)
    if not path.exists():
        pytest.skip(f"{path} not present")
    rng = np.random.default_rng(4)
    convs = parse_v4_convs(path)
    assert convs
    for L in convs:
        kpusim.reset()
        a = L.words
        c, h, w = (a[2] & 0x3FF) + 1, ((a[3] >> 10) & 0x1FF) + 1, (a[3] & 0x3FF) + 1
        ai_ref = np.zeros(layout.AI_SRAM_BYTES, np.uint8)
        layout.store(ai_ref, a[1] & 0x7FFF, rng.integers(0, 256, (c, h, w)).astype(np.uint8))
        send = L.main_out is not None
        words = patched(a, kpusim.put(L.weights), kpusim.put(L.bn), kpusim.put(L.act, 256), send)
        dma, ref = _run_both(kpusim, words, ai_ref, RULE02, True, send)
        assert _diff(kpusim, ai_ref) == "", f"{name} node {L.index}"
        if send:
            assert dma == ref.tobytes(), f"{name} node {L.index} DMA output"


@pytest.mark.parametrize("seed", range(10))
def test_unordered_activation_table_matches_reference(kpusim, seed):
    # Segment starts need not ascend: "highest index j with v > x_start[j]" then differs from
    # "the segment v falls in", and the C code must leave its bisection for a full scan.
    rng = np.random.default_rng(1000 + seed)
    c, h, w = 2, 6, 20
    x = rng.integers(0, 256, (c, h, w), dtype=np.uint8)
    body = gen.random_conv(rng, c, h, w, True, src=0, dst=layout.lines(c, h, w), x=x, oc=3, pool=0, dw=False)
    perm = rng.permutation(16)
    body.act.segments = [body.act.segments[i] for i in perm]
    body.act.bias = [body.act.bias[i] for i in perm]
    assert any(body.act.segments[j].x_start > body.act.segments[j + 1].x_start for j in range(15))
    bn = b"".join(e.pack().to_bytes(8, "little") for e in body.bn)
    args = replace(body.args, para_start_addr=kpusim.put(body.weights), bwsx_base_addr=kpusim.put(bn),
                   active_addr=kpusim.put(body.act.to_bytes(), 256), send_data_out=1)
    ai_ref = np.zeros(layout.AI_SRAM_BYTES, np.uint8)
    layout.store(ai_ref, 0, x)
    rule = RULE01 if seed % 2 else RULE02
    dma, ref = _run_both(kpusim, args.pack(), ai_ref, rule, True, True)
    assert _diff(kpusim, ai_ref) == ""
    assert dma == ref.tobytes()


def _monotone_table(rng: np.random.Generator, v: np.ndarray, rule: str):
    """A non-decreasing activation table over the values v (starts at real values, slopes
    >= 0, each segment's bias at least where the one before ends), the shape of the leaky
    ReLU tables nncase writes, with random widths, slopes and shifts."""
    starts = sorted(set(int(s) for s in rng.choice(v, size=int(rng.integers(2, 15)))))
    segs = [fmt.ActSegment(0, 0, gen.NEG)]
    bias = [0]
    tops = starts[1:] + [int(v.max()) + 1]
    for xs, top in zip(starts, tops):
        shift = int(rng.choice([0, 1, int(rng.integers(2, 21))]))
        width = max(top - xs, 1)
        mul = int(np.clip(round((1 << shift) * 64 / width * rng.uniform(0, 2)), 0, 32767))
        # the value the table so far gives just past this start: the new segment starts there
        probe = fmt.ActTable(segs + [fmt.ActSegment(0, 0, gen.POS)] * (16 - len(segs)),
                             bias + [255] * (16 - len(bias)))
        end = int(kpu.activate(np.array([xs + 1], np.int64), probe, rule)[0])
        segs.append(fmt.ActSegment(shift, mul, xs))
        bias.append(min(255, end + int(rng.integers(0, 3))))
    while len(segs) < 16:
        segs.append(fmt.ActSegment(0, 0, gen.POS - (16 - len(segs))))
        bias.append(255)
    return fmt.ActTable(segs, bias)


@pytest.mark.parametrize("pool", [1, 3, 5, 6, 7, 2])
@pytest.mark.parametrize("rule", [RULE02, RULE01])
@pytest.mark.parametrize("seed", range(3))
def test_monotone_activation_pooling_matches_reference(kpusim, pool, rule, seed):
    # Leaky-ReLU-like (non-decreasing) tables let the C code pool the sums before BN and the
    # activation (max pooling: max for BN multipliers >= 0, min for negative ones; pick pooling
    # always); the random tables of the tests above rarely are monotone. Mixed multiplier signs
    # (and a zero one), 5 input channels (not a multiple of the 4 the byte-product kernels
    # take), maps of several row bands, both rules; mean pooling (2) must stay after.
    rng = np.random.default_rng(7000 + 100 * pool + 10 * rule + seed)
    c, h, w = 5, 48, 70
    x = rng.integers(0, 256, (c, h, w), dtype=np.uint8)
    body = gen.random_conv(rng, c, h, w, True, src=0, dst=layout.lines(c, h, w), x=x, oc=7,
                           k3=bool(seed % 2 == 0), pool=pool, dw=False)
    bn = list(body.bn)
    bn[1] = replace(bn[1], norm_mul=-abs(bn[1].norm_mul) or -1)
    bn[2] = replace(bn[2], norm_mul=abs(bn[2].norm_mul) or 1)
    bn[3] = replace(bn[3], norm_mul=0)
    wts = np.frombuffer(body.weights, np.uint8)
    v = kpu.batchnorm(kpu.convolve(x, wts, body.args), bn).reshape(-1)
    act = _monotone_table(rng, v, RULES[rule])
    grid = np.linspace(int(v.min()) - 5, int(v.max()) + 5, 20001).astype(np.int64)
    assert np.all(np.diff(kpu.activate(grid, act, RULES[rule]).astype(int)) >= 0)   # the generator's promise
    bnb = b"".join(e.pack().to_bytes(8, "little") for e in bn)
    args = replace(body.args, para_start_addr=kpusim.put(body.weights), bwsx_base_addr=kpusim.put(bnb),
                   active_addr=kpusim.put(act.to_bytes(), 256), send_data_out=1)
    ai_ref = np.zeros(layout.AI_SRAM_BYTES, np.uint8)
    layout.store(ai_ref, 0, x)
    dma, ref = _run_both(kpusim, args.pack(), ai_ref, rule, True, True)
    assert _diff(kpusim, ai_ref) == ""
    assert dma == ref.tobytes()
