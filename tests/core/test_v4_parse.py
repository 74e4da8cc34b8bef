"""Loading kmodel v4 files: the real files parse (C loader and host parser agree), and broken or
unsupported files are refused with the offset/node and what to do (docs/kmodel-formats.md, v4)."""
from __future__ import annotations

import os
import struct
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "v4ref"))

from clib import Lib, V4Error  # noqa: E402
from k210tools.kmodel import v4  # noqa: E402
from realmodels import model_path, model_names, need_models  # noqa: E402

V4_FILES = model_names("*_v4.kmodel")


def data(name: str) -> bytes:
    return model_path(name).read_bytes()


@pytest.fixture(scope="module")
def lib() -> Lib:
    return Lib("numpy")


def test_all_real_v4_files_are_here():
    need_models()
    assert len(V4_FILES) == 5


@pytest.mark.parametrize("name", V4_FILES)
def test_real_file_parses_in_c_and_python(lib, name):
    raw = data(name)
    h = lib.parse(raw)
    m = v4.parse(raw)
    assert h.n_nodes == len(m.nodes) > 0
    assert h.declared_bytes == m.image_bytes
    assert h.main_mem == m.main_mem
    assert 0 <= m.image_bytes - len(raw) <= 7
    assert m.charge == -(-m.image_bytes // 128) * 128 + -(-m.main_mem // 128) * 128 + 128
    text = "\n".join(v4.describe(m))
    assert "ledger charge" in text and m.nodes[0].name in text


def test_short_tail_of_4_bytes_accepted_and_8_refused(lib):
    raw = data("mnist_canmv_v4.kmodel")          # already 4 bytes short of its declared end
    lib.parse(raw[:-3])                          # 7 short: still accepted
    with pytest.raises(V4Error, match="past the end of the file"):
        lib.parse(raw[:-4])
    with pytest.raises(v4.V4Error, match="past the end of the file"):
        v4.parse(raw[:-4])


def test_trailing_bytes_ignored(lib):
    raw = data("iris_nncase02_v4.kmodel")
    h = lib.parse(raw + b"\xff" * 1000 + raw)   # a flash image may hold a second model after it
    assert h.used_bytes == len(raw)


@pytest.mark.parametrize("version,words", [(5, "v5 .nncase 1.x. is not supported: compile with nncase 0.2"),
                                           (6, "v6 .nncase 2.x, K230. is not a K210 model"), (9, "version 9")])
def test_other_versions_refused_with_what_to_do(lib, version, words):
    raw = bytearray(data("iris_nncase02_v4.kmodel"))
    raw[4:8] = struct.pack("<I", version)
    with pytest.raises(V4Error, match=words):
        lib.parse(bytes(raw))
    with pytest.raises(v4.V4Error, match=words):
        v4.parse(bytes(raw))


def test_real_v5_file_refused(lib):
    with pytest.raises(V4Error, match="kmodel v5"):
        lib.parse(data("yolox_nano_224_k210_v5.kmodel"))


def set_opcode(raw: bytes, node: int, opcode: int) -> bytes:
    m = v4.parse(raw)
    nodes_off = m.nodes[0].offset - 8 * len(m.nodes)
    b = bytearray(raw)
    b[nodes_off + 8 * node:nodes_off + 8 * node + 4] = struct.pack("<I", opcode)
    return bytes(b)


def test_cpu_op_refused_with_node_and_opcode(lib):
    bad = set_opcode(data("iris_nncase02_v4.kmodel"), 2, 0x1003)
    with pytest.raises(V4Error, match=r"node 2 is cpu_reduce_window2d \(opcode 0x1003\)"):
        lib.parse(bad)
    with pytest.raises(v4.V4Error, match=r"node 2 is cpu_reduce_window2d"):
        v4.parse(bad)


def test_unknown_opcode_refused(lib):
    bad = set_opcode(data("yolo20class_nncase02_v4.kmodel"), 16, 0x77)
    with pytest.raises(V4Error, match="node 16 has unknown opcode 0x77"):
        lib.parse(bad)


def test_range_outside_main_memory_refused(lib):
    raw = bytearray(data("iris_nncase02_v4.kmodel"))
    raw[20:24] = struct.pack("<I", 40)            # main_mem 216 -> 40: the ranges no longer fit
    with pytest.raises(V4Error, match="outside main memory"):
        lib.parse(bytes(raw))


def test_kpu_map_past_ai_sram_refused(lib):
    raw = bytearray(data("mobilenetv1_0.25_feature_canmv_v4.kmodel"))
    struct.pack_into("<I", raw, 40 + 8, 2 * 1024 * 1024 - 1000)   # input start near the top of AI SRAM
    with pytest.raises(V4Error, match="input 0 .* is outside KPU memory"):
        lib.parse(bytes(raw))


def test_kpu_conv2d_blocks_outside_body_refused(lib):
    raw = bytearray(data("yolo20class_nncase02_v4.kmodel"))
    m = v4.parse(bytes(raw))
    node = m.nodes[3]
    struct.pack_into("<I", raw, node.offset + 24 + 5 * 8 + 4, 0x100000)   # para_start skip: weights past the body
    with pytest.raises(V4Error, match=r"node 3 \(kpu_conv2d\).*do not fit"):
        lib.parse(bytes(raw))


def test_garbage_and_tiny_files(lib):
    with pytest.raises(V4Error, match="shorter than the 40-byte"):
        lib.parse(b"LDMK\x04\0\0\0")
    with pytest.raises(V4Error, match="LDMK"):
        lib.parse(b"\0" * 64)


@pytest.mark.parametrize("word,value,words", [
    (0, 1 << 2, "undocumented KPU mode"),                      # full_add
    (7, None, "layout fields"),                                # channel_switch_addr off by one
    (5, None, "weight loads"),                                 # para_size off by one
])
def test_kpu_conv2d_fields_checked_at_load(lib, word, value, words):
    raw = bytearray(data("yolo20class_nncase02_v4.kmodel"))
    node = v4.parse(bytes(raw)).nodes[2]
    at = node.offset + 24 + 8 * word
    w = struct.unpack_from("<Q", raw, at)[0]
    w = w | value if value is not None else w + (1 if word == 7 else 1 << 15)
    struct.pack_into("<Q", raw, at, w)
    with pytest.raises(V4Error, match=r"node 2 \(kpu_conv2d\).*" + words):
        lib.parse(bytes(raw))
