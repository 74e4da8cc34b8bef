"""The behavioural KPU's worker threads (kpusim/kpu_sim_threads.c): a layer cut into row bands or
output-channel ranges gives the same AI SRAM and DMA bytes on any thread count as on one (the
numpy reference checks the threaded path itself in test_kpu_sim_vs_ref.py), and
K210_SIM_THREADS is read as documented."""
from __future__ import annotations

import ctypes
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kpuref import gen, layout  # noqa: E402
from kmodel_v3_conv import parse, parse_v4_convs, patched  # noqa: E402
from kpusim_lib import RULE02, select_threads  # noqa: E402
from realmodels import model_path  # noqa: E402

COUNTS = [1, 2, 3, 4, 7, 16]


def _run_counts(sim, words, x_line: int, x: np.ndarray, send: bool, eight_bit: bool = True):
    """The AI SRAM and DMA bytes after the layer on every thread count, as {count: (ai, dma)}."""
    out = {}
    for n in COUNTS:
        select_threads(sim.lib, n)
        sim.ai[:] = bytes(layout.AI_SRAM_BYTES)
        ai = np.zeros(layout.AI_SRAM_BYTES, np.uint8)
        layout.store(ai, x_line, x)
        sim.ai[:] = ai.tobytes()
        sim.rule(RULE02)
        sim.weight_bits(8 if eight_bit else 16)
        rc, dma = sim.run(words, (words[11] >> 32) + 1 if send else None)
        assert rc == 0
        out[n] = (bytes(sim.ai), dma)
    return out


def _assert_same(out, what: str) -> None:
    ai1, dma1 = out[1]
    for n, (ai, dma) in out.items():
        if ai != ai1:
            i = next(k for k in range(len(ai)) if ai[k] != ai1[k])
            pytest.fail(f"{what}: {n} threads differ from 1 at AI SRAM byte {i}: {ai[i]} vs {ai1[i]}")
        assert dma == dma1, f"{what}: {n} threads' DMA output differs from 1 thread's"


@pytest.fixture
def sim1(_kpusim_lib):
    """The library on its default kernels, restored to one thread afterwards."""
    _kpusim_lib.reset()
    yield _kpusim_lib
    select_threads(_kpusim_lib.lib, 1)


@pytest.mark.parametrize("c,h,w,oc,dw,pool,k3,eight_bit", [
    (3, 90, 100, 5, False, 1, True, True),     # tall map: many bands, cut by bands
    (40, 8, 8, 33, False, 0, True, True),      # one band, 33 channels: cut by channel ranges
    (24, 6, 20, None, True, 2, True, True),    # depthwise, one band: each part packs its channels
    (5, 70, 130, 3, False, 8, True, False),    # 16-bit weights, the extra row of pool 8 across bands
    (64, 3, 3, 2, False, 0, False, True),      # fewer channels than threads, 1x1
])
def test_thread_counts_give_identical_bytes(sim1, c, h, w, oc, dw, pool, k3, eight_bit):
    rng = np.random.default_rng(c * 1000 + h)
    x = rng.integers(0, 256, (c, h, w), dtype=np.uint8)
    body = gen.random_conv(rng, c, h, w, eight_bit, src=0, dst=layout.lines(c, h, w), x=x, oc=oc,
                           k3=k3, pool=pool, dw=dw)
    bn = b"".join(e.pack().to_bytes(8, "little") for e in body.bn)
    args = replace(body.args, para_start_addr=sim1.put(body.weights), bwsx_base_addr=sim1.put(bn),
                   active_addr=sim1.put(body.act.to_bytes(), 256), send_data_out=1)
    out = _run_counts(sim1, args.pack(), 0, x, True, eight_bit)
    _assert_same(out, f"{c}x{h}x{w} -> {oc or c}")


@pytest.mark.parametrize("name", ["yolo20class_nncase02_v4.kmodel", "facedetect_rfb320_nncase02_v4.kmodel",
                                  "facedetect_maixpy_0x300000_v3.kmodel"])
def test_real_model_layers_identical_on_every_thread_count(sim1, name):
    path = model_path(name)
    if not path.exists():
        pytest.skip(f"{path} not present")
    convs = parse_v4_convs(path) if name.endswith("_v4.kmodel") else parse(path).convs
    rng = np.random.default_rng(7)
    for L in convs:
        sim1.reset()
        a = L.words
        c, h, w = (a[2] & 0x3FF) + 1, ((a[3] >> 10) & 0x1FF) + 1, (a[3] & 0x3FF) + 1
        send = L.main_out is not None
        words = patched(a, sim1.put(L.weights), sim1.put(L.bn), sim1.put(L.act, 256), send)
        x = rng.integers(0, 256, (c, h, w)).astype(np.uint8)
        _assert_same(_run_counts(sim1, words, a[1] & 0x7FFF, x, send), f"{name} layer {L.index}")


def test_thread_count_from_environment(_kpusim_lib, monkeypatch, capfd):
    lib = _kpusim_lib.lib
    lib.kpu_sim_threads.restype = ctypes.c_int
    default = 2 if (os.cpu_count() or 1) >= 2 else 1
    try:
        monkeypatch.setenv("K210_SIM_THREADS", "3")
        lib.kpu_sim_set_threads(0)
        assert lib.kpu_sim_threads() == 3
        for bad in ("0", "17", "two", "2x"):
            monkeypatch.setenv("K210_SIM_THREADS", bad)
            lib.kpu_sim_set_threads(0)
            assert lib.kpu_sim_threads() == default
            err = capfd.readouterr().err
            assert f"K210_SIM_THREADS={bad} is not a thread count from 1 to 16; using {default}" in err
        monkeypatch.delenv("K210_SIM_THREADS")
        lib.kpu_sim_set_threads(0)
        assert lib.kpu_sim_threads() == default
        assert lib.kpu_sim_set_threads(40) == 16
    finally:
        select_threads(lib, 1)
