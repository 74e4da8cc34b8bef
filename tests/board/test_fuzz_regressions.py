"""Every input in fuzz/regressions/ and fuzz/regressions-v5/ (crashes the kmodel fuzzers found) through kpu.load and
kpu.forward on the simulated board: each either loads and runs, or raises a clear error, and the
board answers afterwards with its kpu memory back where it was."""
from __future__ import annotations

from pathlib import Path

import pytest

from kpu_board import put_model

FUZZ = Path(__file__).resolve().parents[2] / "fuzz"
CASES = sorted(p for d in ("regressions", "regressions-v5") for p in (FUZZ / d).glob("*") if not p.name.startswith("."))


@pytest.fixture
def own_board(sim_factory):
    """A board of its own: an input that still crashes the firmware must not take the shared
    session board (and every later test) down with it."""
    return sim_factory()


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_fuzz_regression_input_is_refused_or_runs(own_board, path):
    board = own_board
    remote = put_model(board, path.name, "/sd/fz.kmodel", path.read_bytes())
    out = board.exec(
        "import kpu, gc\n"
        "before = kpu.mem_info()\n"
        "try:\n"
        f"    m = kpu.load({remote!r})\n"
        "    n = m.input_bytes\n"
        "    try:\n"
        "        kpu.forward(m, bytearray(n))\n"
        "    except (ValueError, OSError, MemoryError, RuntimeError) as e:\n"
        "        print('forward refused:', e)\n"
        "    kpu.deinit(m)\n"
        "except (ValueError, MemoryError, OSError) as e:\n"
        "    print('load refused:', e)\n"
        "print(kpu.mem_info() == before)\n", timeout=20)
    assert out.strip().splitlines()[-1] == "True"
    if "refused:" in out:
        assert len(out.split("refused:", 1)[1].strip()) > 10   # the error says what was wrong
