"""kmodel v5 (nncase 1.x) on the board: the real yolox-nano K210 model from SD and from a flash
offset equals the numpy reference of tests/v5ref (u8 KPU maps bit-exact, so the f32 output within a
few ulp) and the frozen yolox helper finds the three people; the CPU mnist benchmark runs on a
zero-filled data pool; the ledger charge is the host formula and deinit returns it; the written test
models (tests/v5ref/models.py) give the reference's output op by op (bit-exact for integers and for
float ops whose order the spec fixes, Case.rtol 0); an op the runtime cannot run, or a bad value of
one, is refused at load, naming it. (Loading, truncation, corrupt files and the load/forward/deinit
cycles: test_v5_loader.py.)"""
from __future__ import annotations

import binascii

import numpy as np
import pytest

import v5ref  # noqa: F401  (path setup)
from k210tools.kmodel import v5, v5ops
from kpu_board import model_bytes, put_model, to_flash
from v5ref import models
from v5ref.run import run_model

YOLOX = "yolox_nano_224_k210_v5.kmodel"
PERSON = "yolox_nano_224_person_input_u8_chw.bin"
MNIST = "mnist_cpu_benchmark_v5.kmodel"
FLASH_YOLOX = 0xA00000           # past the offsets the v3/v4 tests use (they end below 0x800000)
MAX_ULP = 8                      # float ops of the board vs the reference (kmodel-v5-spec.md 11)


@pytest.fixture(scope="module")
def yolox_ref():
    return run_model(model_bytes(YOLOX), [model_bytes(PERSON)]).outputs[0].reshape(-1)


def _np_out(raw: bytes, t: v5.Tensor) -> np.ndarray:
    return np.frombuffer(raw, np.dtype(v5ops.DTYPES[t.range.dtype][1])).reshape(t.shape)


def test_yolox_from_sd_and_flash_equals_reference_and_finds_people(board, yolox_ref):
    """On the default GC heap, no soft reset: the 150 KB input goes to kpu.forward as a path (read
    into the model's input block) and the 350 KB output is read in place through its view."""
    remote = put_model(board, YOLOX)
    src = put_model(board, PERSON)
    if board.eval(f"__import__('machine').Flash().read({FLASH_YOLOX}, 16)") != model_bytes(YOLOX)[:16]:
        to_flash(board, remote, FLASH_YOLOX)
    for i, where in enumerate((remote, FLASH_YOLOX)):
        out = board.exec(
            "import kpu, gc, yolox\n"
            "gc.collect()\n"
            f"m = kpu.load({where!r})\n"
            f"y = kpu.forward(m, {src!r})\n"
            f"with open('/sd/v5_yolox{i}.bin', 'wb') as f:\n"
            "    f.write(y)\n"
            "people = [d for d in yolox.decode(y) if d[5] == 0 and d[6] > 0.85]\n"
            "print(len(people), [round((d[0] + d[2]) / 2) for d in people])\n"
            "y = None\n"
            "kpu.deinit(m)\n", timeout=600)
        got = np.frombuffer(board.get(f"/sd/v5_yolox{i}.bin"), np.float32)
        assert got.size == 1029 * 85
        np.testing.assert_array_max_ulp(got, yolox_ref, maxulp=MAX_ULP)
        count, centres = out.strip().split(" ", 1)
        assert count == "3", out
        xs = sorted(eval(centres))
        assert xs[0] < 75 < xs[1] < 150 < xs[2]


def test_yolox_helper_hand_case_on_the_board(board):
    """The frozen helper under MicroPython: the hand case of tests/host/test_v5_host.py (a dog box
    from an exp() size, a person box, one cell below the threshold) on a kpu-style array('f'), for
    a 64 x 64 input (84 cells: 8x8 + 4x4 + 2x2) to keep it small on the GC heap."""
    out = board.exec(
        "import array, math, yolox\n"
        "out = array.array('f', bytes(4 * 84 * 85))\n"
        "def put(cell, vals):\n"
        "    for i, v in enumerate(vals):\n"
        "        out[cell * 85 + i] = v\n"
        "put(0, [0.5, 0.5, 0.0, 0.0, 0.9, 0.8])\n"
        "put(10, [0.0, 0.0, math.log(2.0), 0.0, 0.95])\n"
        "out[10 * 85 + 5 + 16] = 0.9\n"
        "put(64 + 16 + 3, [0.0, 0.0, 0.0, 0.0, 0.2, 1.0])\n"
        "for d in yolox.decode(out, 64):\n"
        "    print(yolox.label(d[5]), '%.3f' % d[4], [round(v, 2) for v in d[:4]])\n"
        "try:\n"
        "    yolox.decode(out[:100], 64)\n"
        "except ValueError as e:\n"
        "    print(e)\n")
    assert out.strip().splitlines() == [
        "dog 0.855 [8.0, 4.0, 24.0, 12.0]", "person 0.720 [0.0, 0.0, 8.0, 8.0]",
        "yolox.decode: 100 values, expected 84 cells x (5 + 80) = 7140 for a 64 input"]


def test_yolox_charge_is_the_host_formula_and_deinit_returns_it(board):
    remote = put_model(board, YOLOX)
    want = v5.parse(model_bytes(YOLOX)).charge
    out = board.exec(
        "import kpu\n"
        "b = kpu.mem_info()\n"
        f"m = kpu.load({remote!r})\n"
        "l = kpu.mem_info()\n"
        "print(m.charge, l['models_bytes'] - b['models_bytes'], b['free'] - l['free'])\n"
        "kpu.deinit(m)\n"
        "print(kpu.mem_info() == b)\n", timeout=120)
    first, second = out.strip().splitlines()
    assert [int(v) for v in first.split()] == [want] * 3
    assert second == "True"


def test_mnist_v5_runs_on_a_zero_filled_pool(board):
    """The benchmark build keeps its (absent) weights in the data pool (spec 10): with a zeroed pool
    the reference output is all zeros. The pool is first dirtied by another model's run."""
    remote = put_model(board, MNIST)
    dirty = put_model(board, "mnist_maixpy_v3.kmodel")
    x = np.random.default_rng(4).uniform(0, 1, 784).astype(np.float32)
    ref = run_model(model_bytes(MNIST), [x.tobytes()]).outputs[0]
    assert ref.shape == (1, 10) and not ref.any()
    out = board.exec(
        "import kpu, array, binascii\n"
        f"d = kpu.load({dirty!r})\n"
        "kpu.forward(d, bytes(range(256)) * 3 + bytes(16))\n"
        "kpu.deinit(d)\n"
        f"m = kpu.load({remote!r})\n"
        f"y = kpu.forward(m, {x.tobytes()!r})\n"
        "print(len(y), binascii.hexlify(bytes(y)).decode())\n"
        "kpu.deinit(m)\n", timeout=120)
    n, hexed = out.split()
    assert int(n) == 10
    got = np.frombuffer(binascii.unhexlify(hexed), np.float32)
    np.testing.assert_array_equal(got, ref.reshape(-1))


@pytest.fixture(scope="module")
def case_outputs(board_session):
    """Every written model loaded and run once on the board: name -> output bytes or the error."""
    board = board_session
    board.reset()
    cases = models.all_cases()
    out = {}
    for c in cases:
        remote = put_model(board, c.name + ".kmodel", "/sd/v5case_" + c.name + ".kmodel", c.model)
        res = board.exec(
            "import kpu, binascii\n"
            "try:\n"
            f"    m = kpu.load({remote!r})\n"
            f"    y = kpu.forward(m, {c.inputs[0]!r})\n"
            "    print('OK', binascii.hexlify(bytes(y)).decode())\n"
            "    kpu.deinit(m)\n"
            "except Exception as e:\n"
            "    print('ERR', type(e).__name__, e)\n", timeout=120).strip()
        out[c.name] = res
    return out


@pytest.mark.parametrize("case", models.all_cases(), ids=lambda c: c.name)
def test_written_model_equals_reference(board, case, case_outputs):
    res = case_outputs[case.name]
    assert res.startswith("OK "), f"{case.name}: {res}"
    m = v5.parse(case.model)
    t = m.entry.outputs[0]
    got = _np_out(binascii.unhexlify(res[3:]), t)
    want = run_model(case.model, case.inputs, m).outputs[0]
    if np.issubdtype(want.dtype, np.floating) and case.rtol > 0:
        np.testing.assert_allclose(got, want, rtol=case.rtol, atol=1e-6, err_msg=case.name)
    else:
        np.testing.assert_array_equal(got, want, err_msg=case.name)


@pytest.mark.parametrize("name,data,word", models.refused_cases() + models.bad_value_cases(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_unknown_op_refused_at_load(board, name, data, word):
    remote = put_model(board, name + ".kmodel", "/sd/v5bad_" + name + ".kmodel", data)
    out = board.exec(
        "import kpu\n"
        "b = kpu.mem_info()\n"
        "try:\n"
        f"    kpu.load({remote!r})\n"
        "    print('LOADED')\n"
        "except ValueError as e:\n"
        "    print('ValueError', e)\n"
        "print(kpu.mem_info() == b)\n")
    first, second = out.strip().splitlines()
    assert first.startswith("ValueError") and word.lower() in first.lower(), first
    assert second == "True"




def test_gather_index_computed_out_of_range_fails_the_run(board):
    """Indices the code computes are known only when it runs: index 6 of a 6-row input makes
    forward raise, naming the op, the index and its position; nothing is left allocated."""
    remote = put_model(board, "v5_gather_bad.kmodel", "/sd/v5case_gather_bad.kmodel", models.gather_computed((1, 6, 2)))
    out = board.exec(
        "import kpu\n"
        "b = kpu.mem_info()\n"
        f"m = kpu.load({remote!r})\n"
        "try:\n"
        "    kpu.forward(m, bytes(120))\n"
        "    print('RAN')\n"
        "except RuntimeError as e:\n"
        "    print('RuntimeError', e)\n"
        "kpu.deinit(m)\n"
        "print(kpu.mem_info() == b)\n")
    first, second = out.strip().splitlines()
    assert first.startswith("RuntimeError") and "GATHER: index 6 (indices[1]) is outside axis 0 of size 6" in first, first
    assert second == "True"
