"""The kpu module cross-compiled for RISC-V (QEMU_VIRT) gives the same outputs as the host build
of the simulated board for the same models and inputs: iris (CPU layers, published scores) and
the 20-class YOLO v2 in its v3 and v4 builds (16 KPU layers through the behavioural KPU).
Both boards read the models and the input from raw flash, from identical flash images."""
from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

from kpu_board import IRIS_IN, IRIS_OUT
from qemuproc import QemuProcess, make_images, qemu_available
from realmodels import available, missing_reason, model_path
from simproc import SIM, SimProcess

pytestmark = [pytest.mark.skipif(not (qemu_available() and SIM.exists()),
                                 reason="needs build/qemu_virt, build/sim and qemu-system-riscv64"),
              pytest.mark.skipif(not available(), reason=missing_reason())]

PLACES = {  # flash offset -> file (all below the /flash filesystem at 0xD00000)
    0x300000: "iris_nncase01_v3.kmodel",
    0x310000: "iris_nncase02_v4.kmodel",
    0x400000: "yolo20class_nncase01_v3.kmodel",
    0x600000: "yolo20class_nncase02_v4.kmodel",
    0x800000: "yolo20class_dog_320x240_rgb_chw.bin",
}


def state_with_models(state: Path) -> Path:
    flash, _ = make_images(state)
    img = bytearray(flash.read_bytes())
    for off, name in PLACES.items():
        data = model_path(name).read_bytes()
        img[off:off + len(data)] = data
    flash.write_bytes(img)
    return state


@pytest.fixture(scope="module")
def boards(tmp_path_factory):
    q = QemuProcess(state_with_models(tmp_path_factory.mktemp("qemu")))
    s = SimProcess(state_with_models(tmp_path_factory.mktemp("sim")))
    yield q, s
    q.close()
    s.close()


def run(board, code: str, timeout: float = 300.0) -> str:
    out, err = board.raw_exec(code, timeout)
    assert err == b"", err.decode(errors="replace")
    return out.decode().strip()


def size_of(name: str) -> int:
    return model_path(name).stat().st_size


def offset_of(name: str) -> int:
    return next(off for off, n in PLACES.items() if n == name)


@pytest.mark.parametrize("model", ["iris_nncase01_v3.kmodel", "iris_nncase02_v4.kmodel"])
def test_iris_same_on_riscv(boards, model):
    code = (f"import kpu, array\nm = kpu.load({offset_of(model)}, size={size_of(model)})\n"
            f"print(list(kpu.forward(m, array.array('f', {IRIS_IN}))))\nkpu.deinit(m)")
    q_out, s_out = (ast.literal_eval(run(b, code)) for b in boards)
    assert q_out == s_out                                  # bit for bit (same float32 printed)
    assert q_out == pytest.approx(IRIS_OUT, abs=1e-4)


@pytest.mark.parametrize("model", ["yolo20class_nncase01_v3.kmodel", "yolo20class_nncase02_v4.kmodel"])
def test_yolo20_same_on_riscv(boards, model):
    code = (
        "import kpu, machine, binascii, gc\n"
        f"m = kpu.load({offset_of(model)}, size={size_of(model)})\n"
        "inp = machine.Flash().read(0x800000, 230400)\n"
        "out = kpu.forward(m, inp)\n"
        "del inp\ngc.collect()\n"
        "b = bytes(out)\n"
        "print(len(out), binascii.crc32(b), [out[i] for i in range(0, len(out), 997)])\n"
        "kpu.deinit(m)")
    t = time.monotonic()
    q_out = run(boards[0], code)
    q_time = time.monotonic() - t
    s_out = run(boards[1], code)
    assert q_out == s_out, f"QEMU ({q_time:.1f} s): {q_out[:200]} / sim: {s_out[:200]}"
    n, _crc, sample = ast.literal_eval("(" + q_out.replace(" ", ", ", 2) + ")")
    assert n == 10 * 7 * 125 and any(v != 0 for v in sample)
