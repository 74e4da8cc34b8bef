"""Predicted silicon time: the cycle model by hand, and the board (kpu.netinfo predicted_ms,
modules/kpu/core/kpu_timing.c) against the host (k210tools/kmodel/timing.py) on every shared model."""
import re
import subprocess
import sys

import pytest

from k210tools.kmodel import timing
from kpu_board import model_bytes, put_model
from realmodels import model_names, model_path, need_models

SHARED = model_names("*_v[34].kmodel")


def G(**kw):
    kw.setdefault("kind", "K210_CONV")
    kw.setdefault("on_kpu", True)
    return timing.Geometry(**kw)


@pytest.mark.parametrize("geo, cycles", [
    # 160 wide: 3 lines a row; 120 rows x 16 channels = 5760 lines, once per output channel
    (G(in_shape=(16, 120, 160), out_shape=(32, 60, 80)), 4000 + 5760 * 32),
    # depthwise walks the lines once: 40 wide = 1 line, 30 rows x 64 channels
    (G(in_shape=(64, 30, 40), out_shape=(64, 30, 40), depthwise=True), 4000 + 1920),
    # 10 wide: 4 channels share a line, 7 x 512 / 4 = 896 lines, x 1024 output channels
    (G(in_shape=(512, 7, 10), out_shape=(1024, 7, 10)), 4000 + 896 * 1024),
    # 20 wide: 2 channels a line; output to main memory adds 4 cycles a byte
    (G(in_shape=(128, 15, 20), out_shape=(125, 15, 20), main_out=True), 4000 + 960 * 125 + 125 * 300 * 4),
    (G(kind="DEQUANTIZE", on_kpu=False, in_shape=(1000, 1, 1), out_shape=(1000, 1, 1)), 2000 + 8000),
    (G(kind="FULLY_CONNECTED", on_kpu=False, in_shape=(64, 1, 1), out_shape=(10, 1, 1)), 2000 + 640 * 4),
    (G(kind="no such op", on_kpu=False, in_shape=(5, 1, 1), out_shape=(7, 1, 1)), 2000 + 70),
])
def test_cycle_model_by_hand(geo, cycles):
    assert timing.layer_cycles(geo) == cycles
    assert timing.layer_ms(geo) == pytest.approx(cycles / 400e3)


def test_shared_models_are_found():
    need_models()
    assert len(SHARED) >= 9, SHARED


@pytest.mark.parametrize("name", SHARED)
def test_board_and_host_predict_the_same(board, name):
    remote = put_model(board, name)
    got = board.eval(f"[(d['type'], d['kpu'], d['predicted_ms']) for d in "
                     f"__import__('kpu').netinfo(__import__('kpu').load({remote!r}))]", timeout=60)
    host = timing.geometry(model_bytes(name))
    assert len(got) == len(host)
    for i, ((kind, on_kpu, ms), g) in enumerate(zip(got, host)):
        assert on_kpu == g.on_kpu, (i, kind)
        assert ms == pytest.approx(timing.layer_ms(g), rel=1e-12, abs=1e-9), (i, kind, g)
    assert sum(m for _, _, m in got) > 0


def test_cli_time_table():
    out = subprocess.run([sys.executable, "-m", "k210tools.cli", "model", "info", "--time", "--brief",
                          str(model_path("yolo20class_nncase01_v3.kmodel"))],
                         capture_output=True, text=True, check=True).stdout
    geo = timing.geometry(model_bytes("yolo20class_nncase01_v3.kmodel"))
    total = sum(timing.layer_ms(g) for g in geo)
    assert f"total {total:.2f} ms" in out
    rows = [line.split() for line in out.splitlines() if re.match(r"\s+\d+\s+\S+\s+(KPU|CPU)\s", line)]
    assert [r[2] == "KPU" for r in rows] == [g.on_kpu for g in geo]
