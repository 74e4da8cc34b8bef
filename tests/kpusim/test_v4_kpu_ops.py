"""kpu_upload and kpu_conv2d (the two K210 ops of kmodel v4) against the numpy reference:
the row layout of spec 3.4, and a synthetic kpu_conv2d node (spec 4.4: skips, batches, main
memory output) run through the kpu_hw seam on the behavioural KPU of kpusim/, compared
with tests/v4ref/kpu.py executing the same words on its own copy of the memory."""
from __future__ import annotations

import os
import struct
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "v4ref"))

import kpu  # noqa: E402
from clib import MR, Lib, Loaded  # noqa: E402
from writer import CONST, F32, KPU, MAIN, U8, V4, mr, shape  # noqa: E402

rng = np.random.default_rng(4242)


from v4sim import _sim_lib, sim  # noqa: E402,F401  (fixtures)


@pytest.mark.parametrize("c,h,w", [(3, 5, 10), (5, 4, 20), (2, 3, 40), (3, 2, 64), (1, 3, 100)])
def test_kpu_upload_layout(sim, c, h, w):
    n = 2
    x = rng.integers(0, 256, n * c * h * w, dtype=np.uint8)
    fmap = kpu.map_bytes(w, h, c)
    start = 4096
    body = mr(CONST, U8, 0, x.size) + mr(KPU, U8, start, n * fmap) + shape(n, c, h, w)
    m = V4(main_mem=64, inputs=[(mr(MAIN, F32, 60, 4), (1, 1, 1, 1))], outputs=[mr(MAIN, F32, 0, 4)],
           constants=x.tobytes(), nodes=[(0x2001, body)])
    model = Loaded(sim, m.build())
    sim.ai[:] = 0
    model.set_input(b"\0" * 4)
    model.run()
    want = np.zeros_like(sim.ai)
    for b in range(n):
        kpu.store(want, start + b * fmap, x[b * c * h * w:(b + 1) * c * h * w].reshape(c, h, w))
    np.testing.assert_array_equal(sim.ai, want)


def act_table() -> bytes:
    """A ReLU-ish table with three live segments and saturation, like the compilers emit."""
    starts = [-(1 << 35), -2000, 0, 1500] + [(1 << 35) - 16 + i for i in range(12)]
    muls = [0, 5, 7, 3] + [0] * 12
    shifts = [0, 7, 7, 5] + [0] * 12
    bias = [0, 0, 78, 160] + [255] * 12
    words = [(s & 0xFF) | (m & 0xFFFF) << 8 | (x & ((1 << 36) - 1)) << 24 for s, m, x in zip(shifts, muls, starts)]
    return struct.pack("<16Q", *words) + bytes(bias)


@pytest.mark.parametrize("k,pool,depthwise,batches,main_out", [
    (3, 1, False, 1, True), (1, 0, False, 2, True), (3, 0, True, 2, False), (3, 5, False, 1, True), (3, 8, True, 1, True),
])
def test_kpu_conv2d_node(sim, k, pool, depthwise, batches, main_out):
    ic, ih, iw = (6, 8, 20)
    oc = ic if depthwise else 5
    stride = [1, 2, 2, 4, 4, 2, 2, 4, 1, 1][pool]
    oh, ow = ih // stride, iw // stride
    in_map, out_map = kpu.map_bytes(iw, ih, ic), kpu.map_bytes(ow, oh, oc)
    src_line, dst_line = 100, 100 + batches * in_map // 64 + 3
    nw = oc * (1 if depthwise else ic) * k * k
    weights = rng.integers(0, 256, nw, dtype=np.uint8).tobytes()
    bn = struct.pack(f"<{oc}Q", *[(int(rng.integers(6, 21)) & 0xFFFFFF) | (int(rng.integers(-500, 500)) & 0xFFFFFFFF) << 24
                                  | 8 << 56 for _ in range(oc)])
    out_bytes = batches * oc * oh * ow
    # main memory output range, batches, reserved, then the layer (filled in below) and the blocks
    node_start = 40 + 16 * 3 + 8 + 8     # header + input + shape + output tables, 8 B consts, 1 node header
    head = (mr(MAIN, U8, 64, out_bytes) if main_out else mr(MAIN, U8, 0, 0)) + struct.pack("<2i", batches, 0)
    pos = node_start + len(head) + 96
    bn_skip = -pos % 256          # each block at a 256-aligned file offset, as the compiler writes
    pos += bn_skip
    act_skip = -(pos + len(bn)) % 256
    pos += len(bn) + act_skip
    act = act_table()
    w_skip = -(pos + len(act)) % 256
    words = kpu.layer_words(ic, ih, iw, oc, k, pool, depthwise, src_line, dst_line, 12, -130, -12, 0, 0, 12 * 130 * k * k,
                            bn_skip, act_skip, w_skip)
    body = head + struct.pack("<12Q", *words) + b"\0" * bn_skip + bn + b"\0" * act_skip + act + b"\0" * w_skip + weights
    m = V4(main_mem=64 + out_bytes + 64, inputs=[(mr(KPU, U8, src_line * 64, batches * in_map), (batches, ic, ih, iw))],
           outputs=[mr(MAIN, U8, 64, out_bytes) if main_out else mr(KPU, U8, dst_line * 64, batches * out_map)],
           constants=b"\0" * 8, nodes=[(0x2002, body)])
    data = m.build()
    model = Loaded(sim, data)
    x = rng.integers(0, 256, batches * ic * ih * iw, dtype=np.uint8)
    model.set_input(x.tobytes())
    model.run()

    # reference: the same words, blocks placed in a bus-addressed buffer, one layer per batch
    blob = bytearray(1 << 16)
    addr = {"bn": 0x1000, "act": 0x2000, "w": 0x3000}
    blob[addr["bn"]:addr["bn"] + len(bn)] = bn
    blob[addr["act"]:addr["act"] + 144] = act
    blob[addr["w"]:addr["w"] + nw] = weights
    ai = np.zeros(2 * 1024 * 1024, np.uint8)
    outs = []
    for b in range(batches):
        kpu.store(ai, (src_line * 64) + b * in_map, x[b * ic * ih * iw:(b + 1) * ic * ih * iw].reshape(ic, ih, iw))
    for b in range(batches):
        w = list(words)
        w[1] = (src_line + b * in_map // 64) | (dst_line + b * out_map // 64) << 32
        w[4] = (w[4] & 0xFFFFFFFF) | addr["bn"] << 32
        w[5] = (w[5] & 0xFFFFFFFF) | addr["w"] << 32
        w[7] = (w[7] & 0xFFFFFFFF) | addr["act"] << 32
        outs.append(kpu.run_layer(w, ai, lambda a, n: bytes(blob[a:a + n])))
    want = np.concatenate([o.ravel() for o in outs])
    assert len(np.unique(want)) > 20          # the case is not saturated
    if main_out:
        got = np.frombuffer(model.range_bytes(MR(MAIN, U8, 64, out_bytes)), np.uint8)
        np.testing.assert_array_equal(got, want)
    for b in range(batches):
        at = dst_line * 64 + b * out_map
        np.testing.assert_array_equal(kpu.load(sim.ai, at, oc, oh, ow), outs[b])
