"""kmodel v4 on the simulated board: the real nncase 0.2 / CanMV models load from SD and from a
flash offset, run through kpu.forward, give the published results, charge the ledger exactly what
k210tools.kmodel.v4 computes, and every KPU layer equals the host numpy reference bit for bit
(checked by CRC32 of each layer's output, read with kpu.set_layers)."""
from __future__ import annotations

import binascii
import os
import struct
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "v4ref"))

import kpu as kpuref  # noqa: E402
import ultraface  # noqa: E402
import yolo  # noqa: E402
from clib import Lib, Loaded  # noqa: E402
from k210tools.kmodel import v4  # noqa: E402
from kpu_board import FLASH_MODELS, IRIS_IN, IRIS_OUT, model_bytes, put_model, to_flash  # noqa: E402

DOG = "yolo20class_dog_320x240_rgb_chw.bin"
CROWD = "facedetect_crowd_320x240_rgb_chw.bin"


def forward_to_file(board, model: str, inp: str, outs: list[int], extra: str = "") -> list[np.ndarray]:
    """Loads model from /sd, runs it once on /sd/<inp> (given as its path, on the default GC heap),
    writes the outputs of that run from where the model left them, fetches them."""
    remote = put_model(board, model)
    src = put_model(board, inp)
    board.exec(
        "import kpu\n"
        f"m = kpu.load({remote!r})\n"
        + extra +
        f"kpu.forward(m, {src!r})\n"
        f"for i in {outs!r}:\n"
        "    with open('/sd/v4_out%d.bin' % i, 'wb') as f:\n"
        "        f.write(kpu.get_output(m, i))\n"
        "kpu.deinit(m)\n", timeout=180)
    return [np.frombuffer(board.get(f"/sd/v4_out{i}.bin"), np.float32) for i in outs]


@pytest.mark.qemu_subset
def test_iris_from_sd_and_flash(board):
    remote = put_model(board, "iris_nncase02_v4.kmodel")
    to_flash(board, remote, FLASH_MODELS)
    out = board.exec(
        "import kpu, array\n"
        f"x = array.array('f', {IRIS_IN!r})\n"
        f"for src in ({remote!r}, {FLASH_MODELS}):\n"
        "    m = kpu.load(src)\n"
        "    print(list(kpu.forward(m, x)))\n"
        "    kpu.deinit(m)\n")
    for line in out.strip().splitlines():
        np.testing.assert_allclose(eval(line), IRIS_OUT, atol=1e-4)


def test_charge_is_the_host_formula_and_deinit_returns_it(board):
    for name in ("iris_nncase02_v4.kmodel", "mnist_canmv_v4.kmodel", "mobilenetv1_0.25_feature_canmv_v4.kmodel"):
        remote = put_model(board, name)
        want = v4.parse(model_bytes(name)).charge
        out = board.exec(
            "import kpu\n"
            "b = kpu.mem_info()\n"
            f"m = kpu.load({remote!r})\n"
            "l = kpu.mem_info()\n"
            "print(m.charge, l['models_bytes'], b['free'] - l['free'])\n"
            "kpu.deinit(m)\n"
            "print(kpu.mem_info() == b)\n")
        first, second = out.strip().splitlines()
        assert [int(v) for v in first.split()] == [want] * 3
        assert second == "True"


def test_yolo20class_dog(board):
    (out,) = forward_to_file(board, "yolo20class_nncase02_v4.kmodel", DOG, [0], "kpu.set_outputs(m, 0, 10, 7, 125)\n")
    assert out.size == 8750
    assert {n for n, _, _ in yolo.decode(out, 10, 7, 20, yolo.ANCHORS_20, 0.5, 0.2)} == {"bicycle", "car"}
    assert {n for n, _, _ in yolo.decode(out, 10, 7, 20, yolo.ANCHORS_20, 0.3, 0.2)} == {"dog", "bicycle", "car"}


def test_rfb320_crowd_two_outputs(board):
    boxes, scores = forward_to_file(board, "facedetect_rfb320_nncase02_v4.kmodel", CROWD, [0, 1])
    ref = np.frombuffer(model_bytes("facedetect_rfb320_crowd_expected_boxes_scores_f32.bin"), np.float32)
    rb, rs = ref[:17680], ref[17680:]
    assert boxes.size == 17680 and scores.size == 8840
    assert np.corrcoef(scores, rs)[0, 1] >= 0.99
    assert np.corrcoef(boxes, rb)[0, 1] >= 0.95
    faces, want = len(ultraface.decode(boxes, scores)), len(ultraface.decode(rb, rs))
    assert want == 95 and abs(faces - want) <= 0.1 * want


def host_reference(model: str, inp: bytes) -> tuple[list[int], dict[int, int]]:
    """Per node: the CRC32 of its output with the numpy KPU reference behind the seam."""
    lib = Lib("numpy")
    lib.layer_fn = lambda words, rule: (kpuref.run_layer(words, lib.ai, lib.read_bus), 0)[1]
    m = Loaded(lib, model_bytes(model))
    m.set_input(inp)
    kpu_nodes, crcs = [], {}
    for n in range(m.h.n_nodes):
        m.run_nodes(n, n + 1)
        info = m.node_info(n)
        if info.opcode == 0x2002:
            kpu_nodes.append(n)
            crcs[n] = binascii.crc32(m.node_output(n).tobytes())
    return kpu_nodes, crcs


def mobilenet_input() -> bytes:
    dog = np.frombuffer(model_bytes(DOG), np.uint8).reshape(3, 240, 320)
    return np.ascontiguousarray(dog[:, 8:232, 48:272]).tobytes()


@pytest.mark.parametrize("model,make_input", [
    ("mnist_canmv_v4.kmodel", lambda: np.random.default_rng(7).integers(0, 256, 112 * 112, dtype=np.uint8).tobytes()),
    # in the QEMU subset: a v4 KPU model small enough for the QEMU serial link (~20 KB/s)
    pytest.param("mobilenetv1_0.25_feature_canmv_v4.kmodel", mobilenet_input, marks=pytest.mark.qemu_subset),
], ids=["mnist", "mobilenet_0.25"])
def test_kpu_layers_bit_exact_with_numpy_reference(board, model, make_input):
    inp = make_input()
    kpu_nodes, crcs = host_reference(model, inp)
    remote = put_model(board, model)
    src = put_model(board, model.split(".kmodel")[0] + "_input.bin", data=inp)
    out = board.exec(
        "import kpu, binascii, gc\n"
        f"m = kpu.load({remote!r})\n"
        f"x = {src!r}\n"
        f"for n in {[k + 1 for k in kpu_nodes]!r}:\n"
        "    kpu.set_layers(m, n)\n"
        "    print(n - 1, binascii.crc32(kpu.forward(m, x)))\n"
        "    gc.collect()\n"
        "kpu.set_layers(m, 0)\n"
        "y = kpu.forward(m, x)\n"
        "print('out', len(y), y.dtype)\n"
        "kpu.deinit(m)\n", timeout=300)
    lines = out.strip().splitlines()
    got = {int(a): int(b) for a, b in (l.split() for l in lines[:-1])}
    assert got == crcs
    assert len(kpu_nodes) >= 5
    assert lines[-1] in ("out 10 f", "out 256 f")


def test_netinfo_and_repr(board):
    remote = put_model(board, "facedetect_rfb320_nncase02_v4.kmodel")
    out = board.exec(
        "import kpu\n"
        f"m = kpu.load({remote!r})\n"
        "print(repr(m))\n"
        "ni = kpu.netinfo(m)\n"
        "print(len(ni), ni[0]['type'], sum(1 for l in ni if l['type'] == 'kpu_conv2d'))\n"
        "kpu.deinit(m)\n")
    first, second = out.strip().splitlines()
    assert "v4" in first
    assert second == "109 kpu_conv2d 52"


@pytest.mark.qemu_subset
def test_bad_forward_index_and_set_outputs(board):
    remote = put_model(board, "iris_nncase02_v4.kmodel")
    out = board.exec(
        "import kpu, array\n"
        f"m = kpu.load({remote!r})\n"
        "print(kpu.set_outputs(m, 0, 1, 1, 3))\n"
        "for call in (lambda: kpu.forward(m, array.array('f', [1, 2, 3, 4]), 1), lambda: kpu.set_outputs(m, 0, 2, 2, 3),\n"
        "             lambda: kpu.forward(m, bytes(15))):\n"
        "    try:\n"
        "        call()\n"
        "    except ValueError as e:\n"
        "        print('ValueError', e)\n"
        "kpu.deinit(m)\n")
    lines = out.strip().splitlines()
    assert lines[0] == "True"
    assert len(lines) == 4 and all(l.startswith("ValueError") for l in lines[1:])


@pytest.mark.parametrize("version,words", [(5, ["v5", "nncase 0.2"]), (6, ["v6", "K230"])])
def test_v5_v6_refused_with_version_and_advice(board, version, words):
    data = model_bytes("yolox_nano_224_k210_v5.kmodel") if version == 5 else b"LDMK" + struct.pack("<7I", 6, 0, 8, 1, 0, 0, 0)
    remote = put_model(board, f"v{version}_refused.kmodel", data=data)
    out = board.exec(
        "import kpu\n"
        "try:\n"
        f"    kpu.load({remote!r})\n"
        "except ValueError as e:\n"
        "    print('ValueError', e)\n")
    assert out.startswith("ValueError")
    for w in words:
        assert w in out
