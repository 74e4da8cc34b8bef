"""The real kmodel v4 files run by the C code on the host (no firmware): the published results
(iris, YOLO 20-class on the dog, RFB-320 on the crowd vs its reference tensor), and every node's
output bit for bit equal between the behavioural KPU (kpusim/) and the numpy reference of
the KPU (tests/v4ref/kpu.py) behind the same seam."""
from __future__ import annotations

import os
import struct
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "v4ref"))

import kpu  # noqa: E402
import ultraface  # noqa: E402
import yolo  # noqa: E402
from clib import Lib, Loaded  # noqa: E402
from realmodels import model_path  # noqa: E402


from v4sim import _sim_lib, sim  # noqa: E402,F401  (fixtures)


@pytest.fixture(scope="module")
def ref() -> Lib:
    lib = Lib("numpy")
    lib.layer_fn = lambda words, rule: (kpu.run_layer(words, lib.ai, lib.read_bus), 0)[1]
    return lib


def run(lib: Lib, model: str, inp: bytes) -> Loaded:
    m = Loaded(lib, model_path(model).read_bytes())
    m.set_input(inp)
    m.run()
    return m


def test_iris(sim):
    m = run(sim, "iris_nncase02_v4.kmodel", struct.pack("<4f", 5.1, 3.8, 1.9, 0.4))
    np.testing.assert_allclose(m.output(), [16.077795, 5.607656, -2.071745], atol=1e-4)


def test_yolo20class_dog(sim):
    m = run(sim, "yolo20class_nncase02_v4.kmodel", model_path("yolo20class_dog_320x240_rgb_chw.bin").read_bytes())
    out = m.output()
    assert out.size == 10 * 7 * 125
    at05 = {n for n, _, _ in yolo.decode(out, 10, 7, 20, yolo.ANCHORS_20, 0.5, 0.2)}
    at03 = {n for n, _, _ in yolo.decode(out, 10, 7, 20, yolo.ANCHORS_20, 0.3, 0.2)}
    assert at05 == {"bicycle", "car"}
    assert at03 == {"dog", "bicycle", "car"}


def test_rfb320_crowd_against_reference_tensor(sim):
    m = run(sim, "facedetect_rfb320_nncase02_v4.kmodel", model_path("facedetect_crowd_320x240_rgb_chw.bin").read_bytes())
    boxes, scores = m.output(0), m.output(1)
    ref = np.fromfile(model_path("facedetect_rfb320_crowd_expected_boxes_scores_f32.bin"), np.float32)
    rb, rs = ref[:17680], ref[17680:]
    assert boxes.size == 17680 and scores.size == 8840
    assert np.corrcoef(scores, rs)[0, 1] >= 0.99
    assert np.corrcoef(boxes, rb)[0, 1] >= 0.95
    want = len(ultraface.decode(rb, rs))
    got = len(ultraface.decode(boxes, scores))
    assert want == 95
    assert abs(got - want) <= 0.1 * want


def mobilenet_input() -> bytes:
    """A 224x224 crop of the dog picture (the model has no sample input)."""
    dog = np.frombuffer(model_path("yolo20class_dog_320x240_rgb_chw.bin").read_bytes(), np.uint8).reshape(3, 240, 320)
    return np.ascontiguousarray(dog[:, 8:232, 48:272]).tobytes()


CASES = [
    ("mnist_canmv_v4.kmodel", lambda: np.random.default_rng(7).integers(0, 256, 112 * 112, dtype=np.uint8).tobytes()),
    ("mobilenetv1_0.25_feature_canmv_v4.kmodel", mobilenet_input),
    ("facedetect_rfb320_nncase02_v4.kmodel", lambda: model_path("facedetect_crowd_320x240_rgb_chw.bin").read_bytes()),
    ("yolo20class_nncase02_v4.kmodel", lambda: model_path("yolo20class_dog_320x240_rgb_chw.bin").read_bytes()),
]


@pytest.mark.parametrize("model,make_input", CASES, ids=[c[0].split("_v4")[0] for c in CASES])
def test_every_node_bit_exact_sim_vs_numpy_kpu(sim, ref, model, make_input):
    inp = make_input()
    a = Loaded(sim, model_path(model).read_bytes())
    b = Loaded(ref, model_path(model).read_bytes())
    a.set_input(inp)
    b.set_input(inp)
    kpu_nodes = 0
    for n in range(a.h.n_nodes):
        a.run_nodes(n, n + 1)
        b.run_nodes(n, n + 1)
        info = a.node_info(n)
        oa, ob = a.node_output(n), b.node_output(n)
        assert oa.dtype == ob.dtype and oa.shape == ob.shape
        assert np.array_equal(oa.view(np.uint8), ob.view(np.uint8)), f"node {n} ({info.name.decode()}) differs"
        kpu_nodes += info.opcode == 0x2002
    assert kpu_nodes >= 5
    np.testing.assert_array_equal(a.output(), b.output())


def test_yolo_v4_build_correlates_with_the_v3_build(sim):
    """The same YOLO compiled by nncase 0.1 (v3, run by the ref helper's independent numpy model of
    v3, tests/kpuref) and by nncase 0.2 (v4, our C runtime): the outputs agree at about 0.99."""
    from kpuref import v3 as kpuref_v3

    dog = model_path("yolo20class_dog_320x240_rgb_chw.bin").read_bytes()
    v3_out = kpuref_v3.run_model(model_path("yolo20class_nncase01_v3.kmodel").read_bytes(), dog, rule="nncase01").outputs[0]
    v4_out = run(sim, "yolo20class_nncase02_v4.kmodel", dog).output()
    assert v3_out.size == v4_out.size == 8750
    assert np.corrcoef(v3_out, v4_out)[0, 1] >= 0.98
