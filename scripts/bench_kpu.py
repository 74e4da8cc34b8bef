#!/usr/bin/env python3
"""Benchmark the real kmodel v3 files: ledger charge, load and forward time on the board (the
simulated one by default), and the numpy reference's forward time on this host, in one run.

    .venv/bin/python scripts/bench_kpu.py [--port PORT] [--models DIR] [--repeat N]

Board times come from time.ticks_us() on the board; the reference time is wall time here.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))

from kpuref import v3 as ref  # noqa: E402


def connect(port: str, state: Path):
    """k210tools' Board when the host package has it, else the tests' simulated-board fixture."""
    try:
        from k210tools.board import Board
    except ImportError:
        if port != "sim":
            raise SystemExit("bench_kpu: --port needs k210tools.board (host package); only 'sim' works here")
        from boardfix import Board as SimBoard
        return SimBoard(state)
    return Board.connect(port, state_dir=state if port == "sim" else None)

MODELS = {
    "iris_nncase01_v3.kmodel": None,
    "mnist_maixpy_v3.kmodel": None,
    "facedetect_maixpy_0x300000_v3.kmodel": "facedetect_crowd_320x240_rgb_chw.bin",
    "yolo20class_nncase01_v3.kmodel": "yolo20class_dog_320x240_rgb_chw.bin",
}
REMOTE = "/sd/bench"

BOARD_CODE = """
import kpu, time, gc
gc.collect()
free0 = kpu.mem_info()['free']
t = time.ticks_us()
m = kpu.load('{model}')
load_us = time.ticks_diff(time.ticks_us(), t)
charge = free0 - kpu.mem_info()['free']
inp = open('{inp}', 'rb').read()
best = None
for _ in range({repeat}):
    t = time.ticks_us()
    kpu.forward(m, inp)
    d = time.ticks_diff(time.ticks_us(), t)
    best = d if best is None or d < best else best
kpu.deinit(m)
print(charge, load_us, best, free0 - kpu.mem_info()['free'])
"""


def model_input(models: Path, name: str) -> bytes:
    if name.startswith("iris"):
        return np.array([5.1, 3.8, 1.9, 0.4], "<f4").tobytes()
    if name.startswith("mnist"):
        return bytes(784)
    return (models / MODELS[name]).read_bytes()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", default="sim", help="serial port, or 'sim' (default) for the simulated board")
    ap.add_argument("--models", type=Path, default=ROOT.parent / "shared" / "models")
    ap.add_argument("--repeat", type=int, default=3, help="forward runs per model (best time is shown)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as state:
        board = connect(args.port, Path(state))
        try:
            board.exec(f"import os\ntry:\n os.mkdir('{REMOTE}')\nexcept OSError:\n pass")
            print(f"{'model':40} {'file B':>10} {'charge B':>10} {'load ms':>8} {'forward ms':>10} "
                  f"{'numpy ms':>9} {'leak B':>7}")
            for name in MODELS:
                data, inp = (args.models / name).read_bytes(), model_input(args.models, name)
                board.put(data, f"{REMOTE}/m.kmodel")
                board.put(inp, f"{REMOTE}/m.in")
                out = board.exec(BOARD_CODE.format(model=f"{REMOTE}/m.kmodel", inp=f"{REMOTE}/m.in",
                                                   repeat=args.repeat), timeout=600)
                charge, load_us, fwd_us, leak = (int(v) for v in out.split())
                best = None
                for _ in range(args.repeat):
                    t = time.perf_counter()
                    ref.run_model(data, inp)
                    d = time.perf_counter() - t
                    best = d if best is None or d < best else best
                print(f"{name:40} {len(data):>10,} {charge:>10,} {load_us / 1e3:>8.2f} {fwd_us / 1e3:>10.2f} "
                      f"{best * 1e3:>9.1f} {leak:>7}")
        finally:
            board.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
