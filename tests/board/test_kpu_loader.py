"""kpu.load refuses what it cannot run with a clear ValueError and leaves memory as it was:
other kmodel versions, byte-swapped files, truncated files, corrupt layers."""
import struct

import pytest

from kpu_board import model_bytes, put_model

IRIS = "iris_nncase01_v3.kmodel"


def load_error(board, remote: str, extra: str = "") -> str:
    """Loads on the board; returns 'ExcType: message' (or 'loaded ...') and checks memory is unchanged."""
    out = board.exec(
        "import kpu\n"
        "before = kpu.mem_info()\n"
        "try:\n"
        f"    m = kpu.load({remote!r}{extra})\n"
        "    print('loaded', m)\n"
        "    kpu.deinit(m)\n"
        "except Exception as e:\n"
        "    print(type(e).__name__ + ':', e)\n"
        "print(kpu.mem_info() == before)\n")
    msg, same = out.strip().rsplit("\n", 1)
    assert same == "True", "memory changed by a failed load"
    return msg


def swapped(data: bytes) -> bytes:
    """What MaixPy's model_le2be.py makes: every 4-byte word reversed, ragged tail padded with '0'."""
    data = data + b"0" * (-len(data) % 4)
    return b"".join(data[i:i + 4][::-1] for i in range(0, len(data), 4))


@pytest.mark.parametrize("name, data, words", [
    ("v1.kmodel", struct.pack("<5I", 1, 1, 2, 0, 20) + bytes(64), ["legacy kmodel v1", "nncase 0.1.0-rc5"]),
    ("v5_pre.kmodel", b"LDMK" + struct.pack("<5I", 5, 0, 8, 1, 0) + b"stackvm".ljust(16, b"\0") + bytes(64),
     ["pre-release kmodel v5 layout", "nncase >= 1.0.0"]),
    ("v6.kmodel", b"LDMK" + struct.pack("<7I", 6, 0, 8, 1, 0, 0, 0), ["kmodel v6", "K230"]),
    ("v9.kmodel", b"LDMK" + struct.pack("<7I", 9, 0, 8, 1, 0, 0, 0), ["unknown version 9"]),
    ("swapped.kmodel", lambda: swapped(model_bytes(IRIS)), ["word-byte-swapped", "model_le2be.py"]),
    ("garbage.kmodel", b"\x89PNG\r\n\x1a\n" + bytes(40), ["not a kmodel", "89 50 4e 47"]),
    ("tiny.kmodel", b"\x03\x00", ["too short"]),
    ("empty.kmodel", b"", ["too short"]),
])
def test_refused_formats_name_version_and_what_to_do(board, name, data, words):
    data = data() if callable(data) else data       # real files are read when the test runs
    msg = load_error(board, put_model(board, name, data=data))
    assert msg.startswith("ValueError:"), msg
    assert f"'/sd/{name}'" in msg
    for w in words:
        assert w in msg


def test_v4_model_loads_or_is_refused_clearly(board):
    remote = put_model(board, "iris_nncase02_v4.kmodel")
    msg = load_error(board, remote)
    if msg.startswith("loaded"):
        assert "v4" in msg
    else:
        assert msg.startswith("ValueError:") and "kmodel v4 (nncase 0.2)" in msg and "nncase 0.1.0-rc5" in msg


def test_short_tail_up_to_7_bytes_is_zero_filled(board):
    data = model_bytes(IRIS)   # declares 440 B, is 436 B long
    remote = put_model(board, IRIS)
    assert load_error(board, remote).startswith("loaded")
    assert load_error(board, remote, ", size=433").startswith("loaded")      # 7 short
    msg = load_error(board, remote, ", size=432")                            # 8 short
    assert msg.startswith("ValueError:") and "declare 440 B" in msg and "has 432 B" in msg and "truncated" in msg
    assert len(data) == 436


@pytest.mark.parametrize("name", ["mnist_maixpy_v3.kmodel", "yolo20class_nncase01_v3.kmodel"])
def test_truncated_at_every_4k_is_value_error(board, name):
    data = model_bytes(name)
    remote = put_model(board, name)
    sizes = list(range(4096, len(data) - 7, 4096)) + [1, 8, 27, 28, 100]
    out = board.exec(
        "import kpu\n"
        "before = kpu.mem_info()\n"
        "bad = []\n"
        f"for n in {sizes}:\n"
        "    try:\n"
        f"        kpu.load({remote!r}, size=n)\n"
        "        bad.append((n, 'loaded'))\n"
        "    except ValueError as e:\n"
        "        if 'truncated' not in str(e) and 'too short' not in str(e) and 'past the end' not in str(e):\n"
        "            bad.append((n, str(e)))\n"
        "print(bad, kpu.mem_info() == before)\n", timeout=120)
    assert out.strip() == "[] True"


def patched(data: bytes, off: int, fmt: str, *values) -> bytes:
    b = bytearray(data)
    struct.pack_into(fmt, b, off, *values)
    return bytes(b)


def mnist_layer(data: bytes, i: int) -> tuple[int, int, int]:
    """(type, body_size, body offset) of layer i."""
    layers, outputs = struct.unpack_from("<I", data, 12)[0], struct.unpack_from("<I", data, 24)[0]
    lt = 28 + 8 * outputs
    off = lt + 8 * layers
    for k in range(i):
        off += struct.unpack_from("<I", data, lt + 8 * k + 4)[0]
    t, size = struct.unpack_from("<2I", data, lt + 8 * i)
    return t, size, off


def test_unimplemented_and_unknown_layer_types_rejected_with_index(board):
    iris = model_bytes(IRIS)
    lt = 28 + 8   # one output
    msg = load_error(board, put_model(board, "t7.kmodel", data=patched(iris, lt + 8, "<I", 7)))
    assert "layer 1 has type 7 (MAX_POOL2D)" in msg and "no K210 runtime" in msg
    msg = load_error(board, put_model(board, "t999.kmodel", data=patched(iris, lt, "<I", 999)))
    assert "layer 0 has unknown layer type 999" in msg


def test_corrupt_fields_are_named(board):
    mnist = model_bytes("mnist_maixpy_v3.kmodel")
    iris = model_bytes(IRIS)
    _, _, conv0 = mnist_layer(mnist, 0)
    args0 = struct.unpack_from("<I", mnist, conv0 + 8)[0]
    w3 = struct.unpack_from("<Q", mnist, args0 + 24)[0]
    w1 = struct.unpack_from("<Q", mnist, args0 + 8)[0]
    w4 = struct.unpack_from("<Q", mnist, args0 + 32)[0]
    _, _, deq = mnist_layer(mnist, 2)
    cases = [
        # header
        (patched(iris, 8, "<I", 1), ["arch is 1"]),
        (patched(iris, 12, "<I", 100000), ["tables end", "past the end"]),
        (patched(iris, 28, "<2I", 48, 12), ["output 0", "56 B main buffer"]),
        # a CPU layer's main-buffer range: iris layer 1 reads at 16 + 10 floats; move its input
        (patched(iris, 28 + 8 + 16 + 228 + 4, "<I", 40), ["layer 1 (FULLY_CONNECTED)", "input", "outside the 56 B main buffer"]),
        (patched(iris, 28 + 8 + 16 + 228 + 4, "<I", 2), ["not 4-aligned"]),
        (patched(iris, 28 + 8 + 16 + 228 + 20, "<I", 7), ["activation 7"]),
        (patched(iris, 28 + 8 + 16 + 228 + 16, "<I", 4), ["need", "the body has 160"]),
        (patched(iris, 28 + 8 + 4, "<I", 20), ["body_size 20 is smaller than its fixed 24"]),
        # K210_CONV arguments
        (patched(mnist, args0 + 32, "<Q", (w4 & ~0xF0) | (7 << 4)), ["layer 0 (K210_CONV)", "pool_type 7"]),
        (patched(mnist, args0 + 8, "<Q", (w1 & ~0x7FFF) | 32760), ["input map", "past the 2 MiB end"]),
        (patched(mnist, args0 + 24, "<Q", w3 & ~(0x3FF << 32) | (20 << 32)), ["does not match pool_type"]),
        (patched(mnist, args0, "<Q", 2), ["ram_flag"]),
        (patched(mnist, conv0 + 12, "<I", len(mnist)), ["weights", "outside the layer's body"]),
        (patched(mnist, deq + 12, "<I", 100000), ["layer 2 (DEQUANTIZE)", "outside the 14112 B main buffer"]),
    ]
    for i, (data, words) in enumerate(cases):
        msg = load_error(board, put_model(board, f"bad{i}.kmodel", data=data))
        assert msg.startswith("ValueError:"), (i, msg)
        for w in words:
            assert w in msg, (i, msg)


def test_pool_window_past_the_bound_is_named(board):
    """The pooling kernel takes the window as int32: a v3 pool field over 65536 is refused by name."""
    from kpuref import gen
    g = next(g for g in gen.suite() if g.name.startswith("gen_cpu"))
    types = [type(layer).__name__ for layer in g.model.layers]
    cases = []
    for i in (types.index("QuantizedMaxPool2D"), types.index("AveragePool2D")):
        _, _, body = mnist_layer(g.data, i)
        cases += [(i, patched(g.data, body + 36, "<I", 70000), "kernel 70000x"),       # kernel_w
                  (i, patched(g.data, body + 56, "<I", 1 << 31), "x2147483648: each")]  # pad_h
    for k, (i, data, words) in enumerate(cases):
        msg = load_error(board, put_model(board, f"pool{k}.kmodel", data=data))
        assert msg.startswith("ValueError:"), (k, msg)
        assert f"layer {i}" in msg and words in msg and "at most 65536" in msg, (k, msg)
