"""Three MaixPy-v1 style scripts (tests/maixpy_scripts/, camera lines replaced by file input) run on
the board unchanged; their printed results are checked against the numpy KPU reference."""
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

from kpuref import v3 as ref
from kpuref import yolo as ref_yolo
from realmodels import model_path  # noqa: E402

HERE = Path(__file__).resolve().parents[1]
SCRIPTS = HERE / "maixpy_scripts"
MNIST_DIGITS = (0, 3, 8)   # sklearn digits indices whose 28x28 renderings the MaixPy model gets right


def mnist_inputs():
    """28x28 white-on-black digits (8x8 sklearn digits x3, centred) and their black-on-white PGMs."""
    d = load_digits()
    out = []
    for i in MNIST_DIGITS:
        c = np.zeros((28, 28), np.uint8)
        c[2:26, 2:26] = np.kron(np.round(d.images[i] * 255 / 16), np.ones((3, 3))).astype(np.uint8)
        out.append((int(d.target[i]), c, b"P5\n28 28\n255\n" + (255 - c).tobytes()))
    return out


@pytest.fixture(scope="module")
def files(board_session):
    b = board_session
    b.put(str(model_path("mnist_maixpy_v3.kmodel")), "/sd/mnist.kmodel")
    b.put(str(model_path("yolo20class_nncase01_v3.kmodel")), "/sd/yolo20.kmodel")
    b.put(str(model_path("yolo20class_dog_320x240.bmp")), "/sd/dog.bmp")
    for k, (_, _, pgm) in enumerate(mnist_inputs()):
        b.put(pgm, f"/sd/m{k}.pgm")
    return b


@pytest.fixture(scope="module")
def yolo_ref():
    raw = model_path("yolo20class_nncase01_v3.kmodel").read_bytes()
    chw = model_path("yolo20class_dog_320x240_rgb_chw.bin").read_bytes()
    out = ref.run_model(raw, chw, rule="nncase01").outputs[0]
    return ref_yolo.decode(out, 10, 7, 20, ref_yolo.YOLO20_ANCHORS, 0.5, 0.2)


def test_mnist_script(board, files):
    out = board.exec((SCRIPTS / "mnist.py").read_text(), timeout=60).strip().split("\n")
    raw = model_path("mnist_maixpy_v3.kmodel").read_bytes()
    assert len(out) == 3
    for k, (truth, c, _) in enumerate(mnist_inputs()):
        probs = ref.run_model(raw, c.tobytes(), rule="nncase01").outputs[0]
        assert out[k] == f"/sd/m{k}.pgm: {int(probs.argmax())}: {probs.max():.3f}"
        assert int(probs.argmax()) == truth


def test_yolo20_script(board, files, yolo_ref):
    out = board.exec((SCRIPTS / "yolo20.py").read_text(), timeout=120).strip().split("\n")
    got = [ln.split(" ", 2) for ln in out]
    assert [g[0] for g in got] == [ref_yolo.VOC[b.cls] for b in yolo_ref]
    assert {"dog", "bicycle", "car"} <= {g[0] for g in got}
    for g, b in zip(got, yolo_ref):
        assert float(g[1]) == pytest.approx(b.prob, abs=1e-3)
        x, y, w, h = eval(g[2])
        assert (x + w / 2, y + h / 2) == pytest.approx((b.x * 320, b.y * 240), abs=1.0)
        assert (w, h) == pytest.approx((b.w * 320, b.h * 240), abs=1.0)


def test_switch_script(board, files, yolo_ref):
    out = board.exec((SCRIPTS / "switch.py").read_text(), timeout=180).strip().split("\n")
    classes = sorted({b.cls for b in yolo_ref})
    assert out == [f"round 0 mnist: 3", f"round 0 yolo: {classes}", "round 0 memory back to start: True",
                   f"round 1 mnist: 3", f"round 1 yolo: {classes}", "round 1 memory back to start: True"]
