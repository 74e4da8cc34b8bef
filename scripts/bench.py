"""Benchmark of the kpu module on the simulated board: per real v3 model, the bytes the SRAM
ledger charges, load time from SD and from a flash offset, forward time, and the numpy
reference's time for the same forward in this process. Usage: ./scripts/bench [--runs N]"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from boardfix import Board  # noqa: E402
from kpu_board import MODELS, IRIS_IN, put_model, to_flash  # noqa: E402

CASES = [  # model, input file (None: the model's own kind of zeros / the iris sample)
    ("iris_nncase01_v3.kmodel", None),
    ("mnist_maixpy_v3.kmodel", None),
    ("facedetect_maixpy_0x300000_v3.kmodel", "facedetect_crowd_320x240_rgb_chw.bin"),
    ("yolo20class_nncase01_v3.kmodel", "yolo20class_dog_320x240_rgb_chw.bin"),
]


def measure(board: Board, model: str, inp: str | None, runs: int) -> tuple[int, float, float, float]:
    remote = put_model(board, model)
    if inp:
        put_model(board, inp)
    to_flash(board, remote, 0x300000)
    board.reset()
    out = board.exec(
        "import kpu, time, os, array\n"
        + (f"x = bytearray(os.stat('/sd/{inp}')[6]); open('/sd/{inp}', 'rb').readinto(x)\n" if inp else "x = None\n")
        + f"t0 = time.ticks_us(); m = kpu.load({remote!r}); t1 = time.ticks_us()\n"
        "kpu.deinit(m); t2 = time.ticks_us(); m = kpu.load(0x300000); t3 = time.ticks_us()\n"
        f"x = x or (bytes(m.input_bytes) if m.input_type == 'B' else array.array('f', {IRIS_IN}))\n"
        "kpu.forward(m, x)\n"
        "t4 = time.ticks_us()\n"
        f"for i in range({runs}):\n"
        "    kpu.forward(m, x)\n"
        f"print(m.charge, time.ticks_diff(t1, t0), time.ticks_diff(t3, t2), time.ticks_diff(time.ticks_us(), t4) / {runs})\n",
        timeout=300)
    charge, sd_us, flash_us, fwd_us = out.split()
    return int(charge), int(sd_us) / 1000, int(flash_us) / 1000, float(fwd_us) / 1000


def reference_ms(model: str, inp: str | None) -> float:
    import numpy as np
    from kpuref import v3 as ref
    data = (MODELS / model).read_bytes()
    if inp:
        x: bytes = (MODELS / inp).read_bytes()
    elif "iris" in model:
        x = np.array(IRIS_IN, np.float32).tobytes()
    else:
        x = bytes(28 * 28)
    t = time.perf_counter()
    ref.run_model(data, x, rule="nncase01")
    return (time.perf_counter() - t) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="forwards averaged per model (default 3)")
    args = ap.parse_args()
    board = Board(Path(tempfile.mkdtemp(prefix="k210-bench-")))
    try:
        print(f"{'model':40} {'charge B':>10} {'load SD ms':>10} {'load flash':>10} {'forward ms':>10} {'numpy ref ms':>12}")
        for model, inp in CASES:
            charge, sd, flash, fwd = measure(board, model, inp, args.runs)
            print(f"{model:40} {charge:>10,} {sd:>10.2f} {flash:>10.2f} {fwd:>10.2f} {reference_ms(model, inp):>12.1f}")
    finally:
        board.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
