"""kmodel v5 on the host: the reader (k210tools.kmodel.v5) against the figures of
kmodel-v5-spec.md (worked example 2.4, memory 7, counts 10) and hand-made bad files, the writer
(v5write) by round trips, the numpy reference (tests/v5ref) op by op against hand-computed values,
the whole yolox file through the reference and the frozen yolox helper, and `k210 model info`."""
from __future__ import annotations

import os
import struct
import sys

import numpy as np
import pytest

import v5ref  # noqa: F401  (path setup)
from k210tools.cli import main
from k210tools.kmodel import v5, v5code, v5k210, v5ops
from k210tools.kmodel import v5write as W
from k210tools.kmodel.info import describe
from realmodels import model_path
from v5ref import models, ops
from v5ref.run import run_model

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "modules", "kpu", "py"))
import yolox  # noqa: E402

YOLOX = "yolox_nano_224_k210_v5.kmodel"
MNIST = "mnist_cpu_benchmark_v5.kmodel"
PERSON = "yolox_nano_224_person_input_u8_chw.bin"


def _bytes(name: str) -> bytes:
    return model_path(name).read_bytes()


@pytest.fixture(scope="module")
def yolox_model():
    return v5.parse(_bytes(YOLOX))


@pytest.fixture(scope="module")
def yolox_run(yolox_model):
    return run_model(_bytes(YOLOX), [_bytes(PERSON)], yolox_model)


# ---- reader: the spec's figures ----

def test_yolox_container_matches_the_worked_example(yolox_model):
    m = yolox_model
    assert (m.alignment, len(m.modules), m.entry_module, m.entry_function) == (256, 2, 0, 0)
    s, k = m.modules
    assert (s.type, s.offset, s.size, s.mempools) == ("stackvm", 32, 15840, {2: 32, 3: 1204224})
    assert (s.sections[".rdata"].offset, s.sections[".rdata"].size, s.sections[".text"].offset) == (224, 32, 288)
    f = s.functions[0]
    assert (f.entrypoint, f.text_size, f.output_pool) == (0, 15580, 349864)
    assert [(t.shape, t.range.dtype, t.nbytes) for t in f.inputs] == [((1, 3, 224, 224), v5ops.DT_U8, 150528)]
    assert [(t.shape, t.range.dtype, t.nbytes) for t in f.outputs] == [((1, 1029, 85), v5ops.DT_F32, 349860)]
    rd = np.frombuffer(m.data[224:256], np.float32)
    np.testing.assert_allclose(rd, [0.485, 0.456, 0.406, 0, 0.229, 0.224, 0.225, 0], rtol=1e-6)
    assert (k.type, k.offset, k.size, len(k.functions)) == ("k210", 15872, 1049816, 27)
    assert k.mempools == {2: 1024400, 3: 0, 64: 2097152}
    assert (k.sections[".rdata"].offset, k.sections[".text"].offset, k.sections[".text"].size) == (19456, 1043968, 21716)
    f0, f1 = k.functions[0], k.functions[1]
    assert f0.inputs[0].shape == (1, 12, 112, 112) and f0.outputs[0].shape == (1, 16, 112, 112)
    assert [t.range.start for t in f1.outputs] == [0, 50176, 100352]


def test_yolox_code_counts_and_epochs(yolox_model):
    m = yolox_model
    assert [e.name for e in m.epochs] == ["1.0-pre", "1.0-rc1"]
    code = m.code[(0, 0)]
    names = {}
    for ins in code:
        key = "TENSOR" if ins.op else ins.name
        names[key] = names.get(key, 0) + 1
    assert names == {"LEA_BUFFER": 263, "LDC_I4": 2104, "LDC_R4": 139, "STSHAPE": 466, "TENSOR": 118}
    assert v5code.tensor_op_count(m) == {"DEQUANTIZE": 47, "QUANTIZE": 21, "CALL": 27, "SLICE": 10, "REDUCE_WINDOW2D": 3,
                                     "CONVERT": 2, "BINARY": 2, "RESIZE_IMAGE": 2, "COPY": 3, "TRANSPOSE": 1}
    k = m.modules[1]
    counts = {}
    for f in k.functions:
        text = k.section(m.data, ".text")[f.entrypoint:f.entrypoint + f.text_size]
        for ins in v5k210.k210_decode(text, k, f):
            counts[ins.name] = counts.get(ins.name, 0) + 1
    assert counts == {"kpu_conv2d": 120, "kpu_download": 52, "kpu_upload": 27}


def test_memory_figures_of_spec_section_7(yolox_model):
    assert yolox_model.working_bytes == 1204224 + 0 + 150528 + 349860 == 1704612
    mn = v5.parse(_bytes(MNIST))
    assert mn.working_bytes == 51008 + 3136 + 40 == 54184
    assert [e.name for e in mn.epochs] == ["1.6-1.7.0", "1.7.1", "1.7.2", "1.8", "1.9"]
    assert v5code.tensor_op_count(mn) == {"CONV2D": 2, "BINARY": 2, "REDUCE_WINDOW2D": 2, "MATMUL": 1}
    # charge = A(image) + (256 - 128) + A(data pools, inputs, outputs 8-aligned but the last) + state
    assert yolox_model.charge == 1065728 + 128 + 1704704 + v5.STATE_BYTES == 2770560 + v5.STATE_BYTES
    assert mn.charge == 1408 + 54272 + v5.STATE_BYTES


# ---- reader: refusals ----

def test_prerelease_layout_is_refused_naming_it():
    head = struct.pack("<6I", 0x4B4D444C, 5, 0, 8, 1, 0) + b"stackvm".ljust(16, b"\0") + bytes(64)
    with pytest.raises(v5.V5Error, match=r"offset 8: pre-release kmodel v5 layout \(nncase 1.0 development build"):
        v5.parse(head)


@pytest.mark.parametrize("version", [6, 7])
def test_v6_v7_refused(version):
    with pytest.raises(v5.V5Error, match=f"kmodel v{version} \\(nncase 2.x, K230\\)"):
        v5.identify(struct.pack("<3I", 0x4B4D444C, version, 32) + bytes(64))


def test_every_4k_truncation_of_yolox_is_a_valueerror():
    data = _bytes(YOLOX)
    for n in range(0, len(data), 4096):
        with pytest.raises(ValueError) as e:
            v5.parse(data[:n], decode_code=False)
        assert "offset" in str(e.value) or "shorter" in str(e.value)


def test_bad_module_type_and_ranges_name_the_offset():
    data = bytearray(_bytes(MNIST))
    bad = bytearray(data)
    bad[32:48] = b"cpu_gpu".ljust(16, b"\0")
    with pytest.raises(v5.V5Error, match="offset 32: module 0 has type 'cpu_gpu'"):
        v5.parse(bytes(bad))
    bad = bytearray(data)
    struct.pack_into("<I", bad, 32 + 24, 99999)          # module size past EOF
    with pytest.raises(v5.V5Error, match="offset 56: module 0 .* runs past the end of the file"):
        v5.parse(bytes(bad))


def test_undecodable_and_ambiguous_code_refused():
    with pytest.raises(v5.V5Error, match="decodes under nncase 1.0-pre, 1.0-rc1 with different meanings"):
        v5.parse(models.ambiguous_unary())
    for name, data, word in models.refused_cases():
        with pytest.raises(v5.V5Error, match=word):
            v5.parse(data)


def test_lea_buffer_outside_its_buffer_refused():
    a = W.Asm("1.9")
    a.tensor("COPY", [("addr", v5ops.LOC_INPUT, 0), ("addr", v5ops.LOC_OUTPUT, 16)],
             {"rshape": (4,), "rstride_src": (1,), "rstride_dest": (1,)}, datatype=v5ops.DT_F32)
    data = W.stackvm_model(a, [W.TensorDecl(v5ops.DT_F32, (4,))], [W.TensorDecl(v5ops.DT_F32, (4,))])
    with pytest.raises(v5.V5Error, match="LEA_BUFFER output\\+16 is inside no output tensor"):
        v5.parse(data)


def test_k210_conv_outside_ai_sram_refused():
    from kpuref import gen
    cv = gen.random_conv(np.random.default_rng(3), 4, 16, 16, src=32760, dst=0, pool=0, dw=False, oc=4)
    data = W.k210_conv_model([W.Conv(cv.args, cv.weights, cv.bn, cv.act)])
    with pytest.raises(v5.V5Error, match="past the 2 MiB AI SRAM|outside its 2097152-byte kpu"):
        v5.parse(data)


# ---- writer round trips ----

def test_writer_round_trip_of_every_case():
    for c in models.all_cases():
        m = v5.parse(c.model)
        assert m.image_bytes == len(c.model), c.name
        assert len(c.inputs) == len(m.entry.inputs)
        for x, t in zip(c.inputs, m.entry.inputs):
            assert len(x) == t.nbytes, c.name
        if len(m.modules) == 2:
            assert m.alignment == 256 and m.modules[1].type == "k210"
            assert m.modules[1].sections[".rdata"].offset % 256 == 0


def test_writer_fields_read_back():
    a = W.Asm("1.9")
    shape = (1, 2, 3, 4)
    a.tensor("RESIZE_IMAGE", [("int", 6), ("int", 8), ("addr", 0, 0), ("addr", 1, 0)],
             {"rshape_src": shape, "rstride_src": W.strides_of(shape), "rstride_dest": W.strides_of((1, 2, 6, 8))},
             datatype=v5ops.DT_F32, align_corners=0, half_pixel_centers=1, mode=1)
    data = W.stackvm_model(a, [W.TensorDecl(v5ops.DT_F32, shape)], [W.TensorDecl(v5ops.DT_F32, (1, 2, 6, 8))],
                           data_pool=100)
    m = v5.parse(data)
    ins = [i for i in m.code[(0, 0)] if i.op][0]
    assert ins.op == "RESIZE_IMAGE" and ins.args["mode"] == 1 and ins.args["half_pixel_centers"] == 1
    assert m.modules[0].pool(v5ops.LOC_DATA) == 100
    assert m.entry.outputs[0].shape == (1, 2, 6, 8)
    stsh = [i for i in m.code[(0, 0)] if i.name == "STSHAPE"]
    assert [i.imm[1] for i in stsh] == [4, 4, 4]


# ---- reference ops: hand-computed cases ----

def test_quantize_rounds_half_to_even_and_tail_roundf():
    x = np.array([0.5, 1.5, 2.5, -0.4, 300.0, 2.5], np.float32)
    np.testing.assert_array_equal(ops.quantize(x, 1.0, 0.0, np.uint8), [0, 2, 2, 0, 255, 2])
    y = np.array([0.5, 1.5, 2.5], np.float32)          # odd length, K210 contiguous: last rounds away
    np.testing.assert_array_equal(ops.quantize(y, 1.0, 0.0, np.uint8, tail_roundf=True), [0, 2, 3])
    np.testing.assert_array_equal(ops.quantize(np.array([-1.5], np.float32), 1.0, 0.0, np.int8), [-2])


def test_dequantize_convert_slice():
    assert ops.dequantize(np.array([0, 10, 255], np.uint8), 0.5, -1.0).tolist() == [-1.0, 4.0, 126.5]
    assert ops.convert(np.array([-2.7, 2.7, 0.5], np.float32), np.int32).tolist() == [-2, 2, 0]
    x = np.arange(10).reshape(1, 10)
    assert ops.slice_(x, (0, 1), (1, 9), (1, 3)).tolist() == [[1, 4, 7]]
    assert ops.slice_(x, (0, 8), (1, 2), (1, (1 << 32) - 2)).tolist() == [[8, 6, 4]]


def test_binary_broadcast_and_clamp():
    a = np.array([[1, 2, 3], [4, 5, 6]], np.float32)
    b = np.array([[10], [20]], np.float32)
    assert ops.binary("add", a, b).tolist() == [[11, 12, 13], [24, 25, 26]]
    assert ops.binary("sub", a, b, -12.0, 0.0).tolist() == [[-9, -8, -7], [-12, -12, -12]]
    assert ops.binary("pow", a, np.array([2], np.float32)).tolist() == [[1, 4, 9], [16, 25, 36]]
    assert ops.binary("div", np.array([1.0], np.float32), np.array([4.0], np.float32)).tolist() == [0.25]


def test_reduce_and_reduce_window2d_by_hand():
    x = np.arange(12, dtype=np.float32).reshape(1, 1, 3, 4)
    assert ops.reduce("mean", x, (2, 3), 0.0, True).reshape(-1).tolist() == [5.5]
    assert ops.reduce("max", x, (3,), -np.inf, False).tolist() == [[[3, 7, 11]]]
    assert ops.reduce("sum", x, (2,), 1.0, False).tolist() == [[[13, 16, 19, 22]]]
    # the fold is in input order, each step f32: 1e8 + 1 rounds back to 1e8 before the - 1e8
    assert ops.reduce("sum", np.array([[1e8, 1, -1e8]], np.float32), (1,), 0.0, False).tolist() == [0]
    # non-adjacent axes 0 and 2 of [2, 2, 2]: output j sums x[i, j, k] over i, k
    y = np.arange(8, dtype=np.float32).reshape(2, 2, 2)
    assert ops.reduce("sum", y, (2, 0), 0.0, True).reshape(-1).tolist() == [0 + 1 + 4 + 5, 2 + 3 + 6 + 7]
    assert ops.reduce("min", y, (0, 2), 3.0, False).tolist() == [0, 2]
    assert ops.reduce("prod", np.array([[1, 2, 3], [4, 5, 6]], np.float32), (1,), 1.0, False).tolist() == [6, 120]
    # mean 2x2 stride 2 with pad after 1: the edge windows average only their in-range taps
    m = ops.reduce_window2d("mean", x, 0.0, 2, 2, 2, 2, (0, 1), (0, 0))
    assert m.reshape(-1).tolist() == [(0 + 1 + 4 + 5) / 4, (2 + 3 + 6 + 7) / 4, (8 + 9) / 2, (10 + 11) / 2]
    mx = ops.reduce_window2d("max", x, -np.inf, 3, 3, 1, 1, (1, 1), (1, 1))
    assert mx[0, 0, 0].tolist() == [5, 6, 7, 7] and mx[0, 0, 2].tolist() == [9, 10, 11, 11]


def test_resize_nearest_and_bilinear_by_hand():
    x = np.array([[[[1, 2], [3, 4]]]], np.float32)
    assert ops.resize_image(x, 4, 4, "nearest")[0, 0].tolist() == [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    b = ops.resize_image(x, 3, 3, "bilinear", align_corners=True)
    assert b[0, 0].tolist() == [[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]]
    h = ops.resize_image(x, 4, 4, "bilinear", half_pixel=True)
    assert h[0, 0, 0].tolist() == [1, 1.25, 1.75, 2]
    # integers: + 0.5 then truncation; sources 0, 0.5, 1, 1.5 (the second neighbour clamps to 1)
    u = ops.resize_image(np.array([[[[0, 1]]]], np.uint8), 1, 4, "bilinear")
    assert u.reshape(-1).tolist() == [0, 1, 1, 1]


def test_conv2d_matmul_by_hand():
    x = np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3)
    w = np.ones((1, 1, 3, 3), np.float32)
    y = ops.conv2d(x, w, np.array([1.0], np.float32), 1, 1, 1, (1, 1), (1, 1))
    assert y[0, 0].tolist() == [[9, 16, 13], [22, 37, 28], [21, 34, 25]]
    dw = ops.conv2d(np.ones((1, 2, 2, 2), np.float32), np.array([[[[2]]], [[[3]]]], np.float32),
                    np.zeros(2, np.float32), 2, 1, 1, (0, 0), (0, 0))
    assert dw[0, :, 0, 0].tolist() == [2, 3]
    assert ops.conv2d(x, w, np.zeros(1, np.float32), 1, 2, 2, (1, 1), (1, 1), low=0, high=20)[0, 0].tolist() == \
        [[8, 12], [20, 20]]
    a = np.array([[1, 2], [3, 4]], np.float32)
    assert ops.matmul(a, a, np.array([1, -1], np.float32)).tolist() == [[8, 9], [16, 21]]


def test_pad_softmax_gather_unary_transpose_concat_clamp():
    x = np.array([[1, 2, 3]], np.float32)
    assert ops.pad(x, [(0, 0), (2, 1)], "constant", 9).tolist() == [[9, 9, 1, 2, 3, 9]]
    assert ops.pad(x, [(0, 0), (2, 1)], "reflect").tolist() == [[3, 2, 1, 2, 3, 2]]
    assert ops.pad(x, [(0, 0), (2, 1)], "symmetric").tolist() == [[2, 1, 1, 2, 3, 3]]
    assert ops.pad(x, [(0, 0), (2, 1)], "edge").tolist() == [[1, 1, 1, 2, 3, 3]]
    assert ops.pad(x, [(0, 0), (-1, 0)], "constant").tolist() == [[2, 3]]
    s = ops.softmax(np.array([[0, np.log(3)]], np.float32), -1)
    np.testing.assert_allclose(s, [[0.25, 0.75]], rtol=1e-6)
    g = ops.gather(np.arange(6).reshape(2, 3), np.array([2, 0], np.int32), 1)
    assert g.tolist() == [[2, 0], [5, 3]]
    assert ops.unary("round", np.array([0.5, 1.5, -2.5], np.float32)).tolist() == [0, 2, -2]
    assert ops.unary("sign", np.array([-3, 0, 2], np.float32)).tolist() == [-1, 0, 1]
    assert ops.unary("rsqrt", np.array([4], np.float32)).tolist() == [0.5]
    assert ops.transpose(np.arange(6).reshape(1, 2, 3), (0, 2, 1)).tolist() == [[[0, 3], [1, 4], [2, 5]]]
    assert ops.concat([np.zeros((1, 1)), np.ones((1, 2))], 1).tolist() == [[0, 1, 1]]
    assert ops.clamp(np.array([-1, 3, 9], np.float32), 0, 6).tolist() == [0, 3, 6]


# ---- reference interpreter on written models: each op through decode, stack and memory ----

def _case(name):
    return next(c for c in models.all_cases() if c.name == name)


def test_reference_runs_written_op_models_like_the_ops():
    c = _case("transpose")
    x = np.frombuffer(c.inputs[0], np.float32).reshape(1, 3, 6, 8)
    assert (run_model(c.model, c.inputs).outputs[0] == x.transpose(0, 2, 3, 1)).all()
    c = _case("slice")
    x = np.frombuffer(c.inputs[0], np.float32).reshape(1, 3, 6, 8)
    assert (run_model(c.model, c.inputs).outputs[0] == x[:, 1:3, 5:2:-1, 1:8:2]).all()
    c = _case("concat_as_copies")
    a = np.frombuffer(c.inputs[0], np.float32).reshape(1, 2, 3, 4)
    b = np.frombuffer(v5.parse(c.model).modules[0].section(c.model, ".rdata"), np.float32).reshape(1, 3, 3, 4)
    assert (run_model(c.model, c.inputs).outputs[0] == np.concatenate([a, b], 1)).all()
    c = _case("copy_strided")
    x = np.frombuffer(c.inputs[0], np.float32).reshape(2, 3, 4)
    out = run_model(c.model, c.inputs).outputs[0].reshape(-1)
    assert (out == x.transpose(2, 1, 0).reshape(-1)).all()       # dest strides (1, 2, 6)
    c = _case("gather")
    x = np.frombuffer(c.inputs[0], np.float32).reshape(1, 3, 6, 8)
    assert (run_model(c.model, c.inputs).outputs[0] == x[:, [2, 0, 2, 1]]).all()
    c = _case("binary_sub_1.0-pre")
    m = v5.parse(c.model)
    cst = np.frombuffer(m.modules[0].section(c.model, ".rdata"), np.float32).reshape(1, 3, 1, 1)
    x = np.frombuffer(c.inputs[0], np.float32).reshape(1, 3, 6, 8)
    assert (run_model(c.model, c.inputs).outputs[0] == x - cst).all()


def test_reference_runs_every_written_model():
    for c in models.all_cases():
        r = run_model(c.model, c.inputs)
        o = r.outputs[0]
        assert np.isfinite(o.astype(np.float64)).all(), c.name
        assert r.max_stack < v5code.MAX_STACK


def test_k210_chain_equals_the_kpu_reference_layer_by_layer():
    """k210_cases computed each conv's output directly with tests/kpuref; the whole model through
    the v5 reference (upload, convs with ranges, download) must give the last map."""
    from kpuref import gen, kpu as kpuref, layout
    rng = np.random.default_rng(21)
    x = rng.integers(0, 256, (3, 10, 40), dtype=np.uint8)
    cv = gen.random_conv(rng, 3, 10, 40, src=0, dst=40, x=x, pool=0, k3=True, dw=False, oc=5)
    ai = np.zeros(2 << 20, np.uint8)
    layout.store(ai, 0, x)
    a = cv.args
    bn = struct.pack(f"<{len(cv.bn)}Q", *[b.pack() for b in cv.bn])
    mem = {1: cv.weights, 2: bn, 3: cv.act.to_bytes()}
    a.para_start_addr, a.bwsx_base_addr, a.active_addr = 1, 2, 3
    kpuref.run_layer(a.pack(), ai, lambda ad, n: mem[ad][:n])
    want = layout.load(ai, 40, 5, 10, 40)
    a.para_start_addr = a.bwsx_base_addr = a.active_addr = 0
    data = W.k210_conv_model([W.Conv(a, cv.weights, cv.bn, cv.act)])
    got = run_model(data, [x.tobytes()]).outputs[0]
    assert (got.reshape(5, 10, 40) == want).all()


# ---- yolox through the reference and the helper ----

def test_yolox_reference_output_and_people(yolox_run):
    out = yolox_run.outputs[0]
    assert out.dtype == np.float32 and out.shape == (1, 1029, 85)
    assert yolox_run.kpu_convs == 120 and yolox_run.calls == 27 and len(yolox_run.tensor_ops) == 118
    assert yolox_run.max_stack < 40
    dets = yolox.decode(out.reshape(-1).tolist())
    people = [d for d in dets if yolox.label(d[5]) == "person" and d[6] > 0.85]
    assert len(people) == 3
    xs = sorted((d[0] + d[2]) / 2 for d in people)       # left, middle, right person
    assert xs[0] < 75 < xs[1] < 150 < xs[2]
    assert all(0.75 < d[4] < 0.9 for d in people)


def test_yolox_helper_by_hand():
    row = [0.0] * 85
    out = []
    for s in (8, 16, 32):
        for _ in range((224 // s) ** 2):
            out.append(list(row))
    out[0][:6] = [0.5, 0.5, 0.0, 0.0, 0.9, 0.8]              # stride 8, cell (0,0): box 4..12 px
    out[28 + 2][:5] = [0.0, 0.0, np.log(2.0), 0.0, 0.95]      # stride 8, cell row 1 col 2
    out[28 + 2][5 + 16] = 0.9                                 # dog
    out[784 + 196 + 48][:6] = [0.0, 0.0, 0.0, 0.0, 0.2, 1.0]  # objectness below the threshold
    flat = [v for r in out for v in r]
    d = yolox.decode(flat)
    assert [(round(x[4], 3), x[5]) for x in d] == [(0.855, 16), (0.72, 0)]
    assert [round(v, 3) for v in d[0][:4]] == [8.0, 4.0, 24.0, 12.0]
    assert [round(v, 3) for v in d[1][:4]] == [0.0, 0.0, 8.0, 8.0]
    assert yolox.cells(224) == 1029 and yolox.label(0) == "person" and len(yolox.COCO) == 80
    with pytest.raises(ValueError, match="expected 1029 cells"):
        yolox.decode([0.0] * 10)


# ---- k210 model info ----

def test_model_info_v5(capsys):
    assert main(["model", "info", str(model_path(YOLOX)), "--brief"]) == 0
    out = capsys.readouterr().out
    assert "kmodel v5, nncase 1.0-pre, 1.0-rc1" in out
    assert "in   input 0: u8 [1x3x224x224] 150,528 B" in out and "out  output 0: f32 [1x1029x85] 349,860 B" in out
    charge = 2770560 + v5.STATE_BYTES
    assert f"= {charge:,} B of the model pool" in out and "plus the 2 MiB AI SRAM" in out
    assert f"SIM         fits ({charge:,} of" in out
    info = describe(_bytes(YOLOX), "y")
    assert info.charge == charge and len(info.layers) == 118
    assert sum(1 for L in info.layers if L.runs_on == "KPU") == 27


def test_model_info_v5_too_big_for_every_board(tmp_path, capsys):
    """A CPU MobileNet v2 benchmark build needs ~12 MB (spec 7): written here with the same pools."""
    a = W.Asm("1.9")
    a.tensor("COPY", [("addr", 0, 0), ("addr", 1, 0)], {"rshape": (1000,), "rstride_src": (1,), "rstride_dest": (1,)},
             datatype=v5ops.DT_F32)
    data = W.stackvm_model(a, [W.TensorDecl(v5ops.DT_F32, (1, 3, 224, 224))], [W.TensorDecl(v5ops.DT_F32, (1, 1000))],
                           data_pool=12044360)
    p = tmp_path / "mbv2.kmodel"
    p.write_bytes(data)
    assert main(["model", "info", str(p), "--brief"]) == 0
    out = capsys.readouterr().out
    assert "working 12,650,472 B" in out
    assert "does NOT fit SIM" in out and "MAIX_BIT    does NOT fit" in out


def test_model_info_v5_time_says_it_is_not_there(capsys):
    assert main(["model", "info", str(model_path(MNIST)), "--time"]) == 1
    assert "--time: the timing model" in capsys.readouterr().err


def test_reference_scalar_instructions_loads_stores_and_a_loop():
    """LDIND/STIND, integer and real arithmetic, CONV_*, BR_TRUE back to a loop head and RET, by hand:
    out = [in * 2.5, 1 + 2 + 3 + 4 + 5, 7 / 2 (integer), (int)-1.5]."""
    c = _case("scalar_loop")
    assert np.frombuffer(c.inputs[0], np.float32).tolist() == [3.0]
    assert run_model(c.model, c.inputs).outputs[0].tolist() == [7.5, 15.0, 3.0, -1.0]


def test_fits_every_board_lines(monkeypatch):
    """The per-board lines of `model info` for v5, with memory reports given by hand."""
    from k210tools import boards, cmd_model
    from k210tools.errors import K210Error
    reports = {"SIM": {"model_pool": 4_000_000, "model_pool_max": 4_500_000},
               "MAIX_BIT": {"model_pool": 2_000_000, "model_pool_max": 3_000_000},
               "MAIX_DOCK": {"model_pool": 1_000_000, "model_pool_max": 1_500_000}}

    def memory(name):
        if name not in reports:
            raise K210Error(f"no memory report for {name}")
        return reports[name]
    monkeypatch.setattr(boards, "memory", memory)
    lines = cmd_model.fits_every_board(2_500_000)
    assert "SIM         fits (2,500,000 of 4,000,000 B)" in lines[1]
    assert "MAIX_BIT    fits only with the GC heap at its minimum (2,500,000 of 2,999,936 B)" in lines[2]
    assert lines[3].startswith("    MAIX_DOCK   does NOT fit: kpu.load raises MemoryError (2,500,000 B > 1,499,904 B")
    assert "MAIX_GO     unknown (no memory report: ./scripts/build MAIX_GO)" in lines[4]
    assert "does NOT fit: 7,000,000 B is more than the whole 6 MiB general SRAM" in cmd_model.fits_every_board(7_000_000)[4]
