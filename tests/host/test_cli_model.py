"""`k210 model info`: no board needed. Oracles: the charges of docs/memory.md (computed
by hand from the header figures there), the shapes of the model directory's README.md, and hand-made
headers for the formats we only recognise."""
import json
import struct

import pytest

from k210tools import boards
from k210tools.cli import main
from k210tools.kmodel.info import describe
from realmodels import model_path  # noqa: E402



@pytest.mark.parametrize("name,charge", [
    ("iris_nncase01_v3.kmodel", 640),
    ("mnist_maixpy_v3.kmodel", 222336),
    ("facedetect_maixpy_0x300000_v3.kmodel", 433920),
    ("yolo20class_nncase01_v3.kmodel", 1396480),
])
def test_v3_charge_matches_the_ledger_table(name, charge):
    assert describe(model_path(name).read_bytes(), name).charge == charge


def test_v3_layer_table_and_shapes(capsys):
    assert main(["model", "info", str(model_path("mnist_maixpy_v3.kmodel"))]) == 0
    out = capsys.readouterr().out
    assert "kmodel v3, nncase 0.1" in out
    assert "in   input: u8 [1x1x28x28] 784 B in AI SRAM (KPU)" in out
    assert "out  output 0: f32 [10] 40 B" in out
    assert "11 layers, 3 on the KPU" in out
    assert "1x28x28 -> 16x14x14 3x3" in out and "SOFTMAX" in out
    assert "= 222,336 B of the model pool" in out and "fits SIM: 222,336 of 4,644,864 B pool" in out


def test_v4_inputs_outputs_and_charge(capsys):
    assert main(["model", "info", str(model_path("facedetect_rfb320_nncase02_v4.kmodel")), "--brief"]) == 0
    out = capsys.readouterr().out
    assert "kmodel v4, nncase 0.2" in out
    assert "input 0: u8 [1x3x240x320] 230,400 B in kpu+0" in out
    assert "output 0: f32 [17680] 70,720 B" in out and "output 1: f32 [8840] 35,360 B" in out
    data = model_path("facedetect_rfb320_nncase02_v4.kmodel").read_bytes()
    main_mem = struct.unpack_from("<I", data, 20)[0]
    info = describe(data, "rfb")
    assert len(info.layers) == 109
    # docs/memory.md: A(image) + A(main) + one 128-byte unit of v4 loader state
    assert info.charge == (info.image_bytes + 127) // 128 * 128 + (main_mem + 127) // 128 * 128 + 128


def test_v4_input_offset_is_reported():
    info = describe(model_path("mobilenetv1_0.25_feature_canmv_v4.kmodel").read_bytes(), "mb")
    assert info.inputs[0].where == "kpu+114688" and info.inputs[0].shape == (1, 3, 224, 224)


@pytest.mark.parametrize("name,text", [
    ("yolox_nano_224_k210_v5.kmodel", "kmodel v5, nncase 1.0-pre, 1.0-rc1 (op numbering read from the code)"),
    ("mnist_cpu_benchmark_v5.kmodel", "out  output 0: f32 [1x10] 40 B in output pool+0"),
])
def test_v5_is_described(capsys, name, text):
    """kmodel v5 is read (tests/host/test_v5_host.py checks the figures); the v3-only refusal is gone."""
    assert main(["model", "info", str(model_path(name))]) == 0
    out = capsys.readouterr().out
    assert text in out and "not supported" not in out


@pytest.mark.parametrize("head,msg", [
    (struct.pack("<II", 1, 0) + bytes(20), "legacy kmodel v1 is not supported"),
    (b"LDMK" + struct.pack("<I", 6) + bytes(24), "kmodel v6 (nncase 2.x (K230 era)) is not supported"),
])
def test_other_versions_named(tmp_path, capsys, head, msg):
    p = tmp_path / "m.kmodel"
    p.write_bytes(head)
    assert main(["model", "info", str(p)]) == 0
    assert msg in capsys.readouterr().out


@pytest.mark.parametrize("data,msg", [
    (b"\x00\x00\x00\x03" + bytes(24), "byte-swapped kmodel"),
    (b"hello world!", "offset 0: not a kmodel"),
    (b"\x03\x00", "too short"),
    (b"LDMK" + struct.pack("<9I", 4, 0, 1, 0, 0, 3, 1, 1, 0), "need 112 B of tables, the file has 40"),
])
def test_bad_files_are_one_line_errors(tmp_path, capsys, data, msg):
    p = tmp_path / "bad.kmodel"
    p.write_bytes(data)
    assert main(["model", "info", str(p)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and msg in err and "bad.kmodel" in err


def test_truncated_v3_names_the_shortfall(tmp_path, capsys):
    data = model_path("mnist_maixpy_v3.kmodel").read_bytes()
    p = tmp_path / "cut.kmodel"
    p.write_bytes(data[:-100])
    assert main(["model", "info", str(p)]) == 1
    assert "100 B missing, at most 7 may be" in capsys.readouterr().err


def test_board_memory_report_plugs_in(tmp_path, capsys, monkeypatch):
    """A real board's build writes build/<board>/memory.json; `--board` reads its model_pool."""
    monkeypatch.setattr(boards, "ROOT", tmp_path)
    rep = tmp_path / "build" / "maix_bit" / "memory.json"
    rep.parent.mkdir(parents=True)
    rep.write_text(json.dumps({"board": "MAIX_BIT", "image": 1900000, "model_pool": 1300000,
                               "model_pool_max": 1700000}))
    yolo = str(model_path("yolo20class_nncase01_v3.kmodel"))
    assert main(["model", "info", yolo, "--board", "MAIX_BIT", "--brief"]) == 0
    out = capsys.readouterr().out
    assert "does NOT fit MAIX_BIT: needs 1,396,480 B, the pool has 1,299,968 B (96,512 B short; it fits " \
           "with the GC heap at its minimum, pool 1,699,968 B" in out
    assert main(["model", "info", yolo, "--board", "MAIX_DOCK"]) == 1
    assert "no memory report for MAIX_DOCK: build it first" in capsys.readouterr().err
    assert main(["model", "info", yolo, "--board", "NOPE"]) == 1
    assert "unknown board 'NOPE'" in capsys.readouterr().err


def test_sim_pool_comes_from_board_h():
    mem = boards.memory("SIM")
    assert mem["model_pool"] == 4644864
    assert mem["image"] + mem["stacks"] + mem["gc_heap_default"] + mem["model_pool"] == 6 * 1024 * 1024
