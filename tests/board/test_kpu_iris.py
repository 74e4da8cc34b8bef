"""kpu on the CPU-only iris v3 model: known outputs from SD and flash, API behaviour, bad inputs."""
import pytest

from kpu_board import FLASH_MODELS, IRIS_IN, IRIS_OUT, put_model, to_flash, v3_charge, model_bytes

IRIS = "iris_nncase01_v3.kmodel"


@pytest.fixture
def iris(board):
    return put_model(board, IRIS)


def forward_iris(board, load_arg: str) -> list:
    return board.eval(f"list(__import__('kpu').forward(__import__('kpu').load({load_arg}), "
                      f"__import__('array').array('f', {IRIS_IN})))")


@pytest.mark.qemu_subset
def test_iris_from_sd_gives_published_scores(board, iris):
    out = forward_iris(board, repr(iris))
    assert out == pytest.approx(IRIS_OUT, abs=1e-4)


@pytest.mark.qemu_subset
def test_iris_from_flash_offset_is_identical(board, iris):
    to_flash(board, iris, FLASH_MODELS)
    sd = forward_iris(board, repr(iris))
    flash = forward_iris(board, hex(FLASH_MODELS))
    assert flash == sd
    assert flash == pytest.approx(IRIS_OUT, abs=1e-4)
    # with size= as well (the file is 4 bytes shorter than it declares)
    assert forward_iris(board, f"{FLASH_MODELS}, size=436") == sd


@pytest.mark.qemu_subset
def test_model_repr_attributes_and_charge(board, iris):
    image, main, charge = v3_charge(model_bytes(IRIS))
    out = board.exec(
        "import kpu\n"
        f"m = kpu.load({iris!r})\n"
        "print(repr(m))\n"
        "print(m.version, m.charge, m.layers, m.outputs, m.input_shape, m.input_type, m.input_bytes)\n")
    r, attrs = out.strip().splitlines()
    assert r == f"<kpu.Model v3 '{iris}': {charge} B, input 4 f32, outputs [3 f32], 2 layers>"
    assert attrs == f"3 {charge} 2 1 (4, 1, 1) f 16"


def test_list_input_and_memoryview_accepted(board, iris):
    out = board.exec(
        "import kpu, array\n"
        f"m = kpu.load({iris!r})\n"
        f"a = list(kpu.forward(m, {IRIS_IN}))\n"
        f"b = list(kpu.forward(m, memoryview(bytes(array.array('f', {IRIS_IN})))))\n"
        "print(a == b)\n")
    assert out.strip() == "True"


def test_list_input_goes_to_the_input_buffer_with_no_gc_bytes_per_forward(board, iris):
    """A list (or tuple) of numbers is converted straight into the model's "#N input" ledger
    block: GC bytes per forward are 0 with the output read in place (out=), measured like the
    data-path tests (gc.mem_free() over 20 forwards with the GC off); ints count as numbers; a
    non-number (also an object with __float__) is a TypeError naming its index and leaves
    kpu.mem_info() as it was."""
    out = board.exec(
        "import kpu, gc\n"
        f"m = kpu.load({iris!r})\n"
        "k0 = kpu.mem_info()\n"
        "class Num:\n"   # numbers only: its __float__ could deinit m while the buffer is written
        "    def __float__(self):\n"
        "        return 1.0\n"
        "for bad in ([5.1, 3.8, 'x', 0.4], (Num(),) * 4):\n"
        "    try:\n"
        "        kpu.forward(m, bad)\n"
        "    except TypeError as e:\n"
        "        print('TypeError:', e)\n"
        "print(kpu.mem_info() == k0)\n"
        f"x = {IRIS_IN!r}\n"
        "v = kpu.forward(m, x)\n"
        "a = list(v)\n"
        "print(list(kpu.forward(m, tuple(x))) == a, list(kpu.forward(m, [5, 4, 2, 0])) != a)\n"
        "print(sorted(k for k in kpu.mem_info()['models'] if k.endswith(' input')) == ['#%d input' % m.id])\n"
        "def per_forward(n=20):\n"   # in a function: no new globals while measuring
        "    kpu.forward(m, x, out=v)\n"
        "    gc.collect()\n"
        "    gc.disable()\n"
        "    g0 = gc.mem_free()\n"
        "    for i in range(n):\n"
        "        kpu.forward(m, x, out=v)\n"
        "    g1 = gc.mem_free()\n"
        "    gc.enable()\n"
        "    return (g0 - g1) // n\n"
        "print(per_forward(), list(v) == a)\n"
        "kpu.deinit(m)\n")
    lines = out.strip().splitlines()
    assert lines[0] == "TypeError: kpu.forward: item 2 is str, not a number", out
    assert lines[1] == "TypeError: kpu.forward: item 0 is Num, not a number", out
    assert lines[2:] == ["True", "True True", "True", "0 True"], out


def test_netinfo_and_set_layers_returns_hidden_layer(board, iris):
    info = board.eval(f"__import__('kpu').netinfo(__import__('kpu').load({iris!r}))")
    assert [(d["index"], d["type"], d["in_shape"], d["out_shape"], d["kpu"]) for d in info] == [
        (0, "FULLY_CONNECTED", (4, 1, 1), (10, 1, 1), False),
        (1, "FULLY_CONNECTED", (10, 1, 1), (3, 1, 1), False)]
    out = board.exec(
        "import kpu\n"
        f"m = kpu.load({iris!r})\n"
        "print(kpu.set_layers(m, 1))\n"
        f"h = kpu.forward(m, {IRIS_IN})\n"
        "print(h.typecode if hasattr(h, 'typecode') else 'f', len(h), min(h) >= 0)\n"
        "kpu.set_layers(m, 0)\n"
        f"print(len(kpu.forward(m, {IRIS_IN})))\n")
    # hidden layer: 10 ReLU outputs
    assert out.split() == ["True", "f", "10", "True", "3"]


def test_hidden_layer_matches_hand_computation(board, iris):
    """Layer 0 = relu(W x + b) with W, b read from the file here (spec 2.3 B-fc)."""
    import struct
    import numpy as np
    data = model_bytes(IRIS)
    body = 28 + 8 + 16
    _, _, _, n_in, n_out, act = struct.unpack_from("<6I", data, body)
    w = np.frombuffer(data, "<f4", n_in * n_out, body + 24).reshape(n_out, n_in)
    b = np.frombuffer(data, "<f4", n_out, body + 24 + 4 * n_in * n_out)
    x = np.array(IRIS_IN, dtype=np.float32)
    expect = np.maximum(w @ x + b, 0) if act == 1 else w @ x + b
    board.exec(f"import kpu\nm = kpu.load({iris!r})\nkpu.set_layers(m, 1)")
    got = board.eval(f"list(kpu.forward(m, {IRIS_IN}))")
    assert got == pytest.approx(expect.tolist(), rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("data, words", [
    ("b'\\x00' * 15", ["4 f32", "16 bytes", "bytes of 15 bytes"]),
    ("__import__('array').array('i', [1, 2, 3, 4])", ["array('i')", "16 bytes"]),
    ("[1.0, 2.0]", ["4 f32", "16 bytes", "list of 8 bytes"]),
    ("(1.0, 2.0, 3.0, 4.0, 5.0)", ["4 f32", "16 bytes", "tuple of 20 bytes"]),
])
def test_bad_input_names_shape_type_and_bytes(board, iris, data, words):
    out = board.exec(
        "import kpu\n"
        f"m = kpu.load({iris!r})\n"
        "try:\n"
        f"    kpu.forward(m, {data})\n"
        "except ValueError as e:\n"
        "    print('ValueError:', e)\n")
    assert out.startswith("ValueError:")
    for w in words:
        assert w in out


def test_a_str_is_a_path_and_a_missing_one_names_file_and_size(board, iris):
    out = board.exec(
        "import kpu\n"
        f"m = kpu.load({iris!r})\n"
        "try:\n"
        "    kpu.forward(m, 'text')\n"
        "except OSError as e:\n"
        "    print('OSError:', e)\n")
    assert out.startswith("OSError:") and "'text'" in out and "no such file" in out and "16 B" in out


def test_output_index_set_outputs_and_set_layers_checked(board, iris):
    out = board.exec(
        "import kpu\n"
        f"m = kpu.load({iris!r})\n"
        "for call in ('kpu.forward(m, [1.0]*4, 1)', 'kpu.set_outputs(m, 1, 1, 1, 3)',\n"
        "             'kpu.set_outputs(m, 0, 2, 1, 3)', 'kpu.set_layers(m, 3)'):\n"
        "    try:\n"
        "        eval(call)\n"
        "        print('no error')\n"
        "    except ValueError as e:\n"
        "        print(e)\n"
        "print(kpu.set_outputs(m, 0, 1, 1, 3), kpu.set_outputs(m, 0, 3, 1, 1))\n")
    lines = out.strip().splitlines()
    assert "output index 1 out of range" in lines[0] and "1 output" in lines[0]
    assert "output index 1 out of range" in lines[1]
    assert "does not match output 0" in lines[2] and "3 values" in lines[2]
    assert "3 layers requested" in lines[3] and "has 2" in lines[3]
    assert lines[4] == "True True"


def test_deinit_twice_and_forward_after_deinit_raise(board, iris):
    out = board.exec(
        "import kpu\n"
        f"m = kpu.load({iris!r})\n"
        "print(kpu.deinit(m), repr(m))\n"
        "for f in (lambda: kpu.deinit(m), lambda: kpu.forward(m, [1.0] * 4), lambda: kpu.netinfo(m)):\n"
        "    try:\n"
        "        f()\n"
        "    except ValueError as e:\n"
        "        print(e)\n")
    lines = out.strip().splitlines()
    assert lines[0] == f"True <kpu.Model '{iris}' (deinitialised)>"
    assert len(lines) == 4 and all("was deinitialised" in l for l in lines[1:])


def test_load_argument_errors(board):
    out = board.exec(
        "import kpu\n"
        "for call in ('kpu.load(1.5)', 'kpu.load(0)', 'kpu.load(-4)', 'kpu.load(0x1000000)',\n"
        "             \"kpu.load('/sd/missing.kmodel')\", \"kpu.load('/sd')\", 'kpu.load(0x300000, size=0x2000000)'):\n"
        "    try:\n"
        "        eval(call)\n"
        "        print('no error')\n"
        "    except Exception as e:\n"
        "        print(type(e).__name__, e)\n")
    lines = out.strip().splitlines()
    assert lines[0].startswith("TypeError") and "path (str) or a flash offset (int)" in lines[0]
    assert lines[1].startswith("ValueError") and "must be > 0" in lines[1]
    assert lines[2].startswith("ValueError")
    assert lines[3].startswith("ValueError") and "flash size" in lines[3]
    assert lines[4].startswith("OSError") and "ENOENT" in lines[4] and "/sd/missing.kmodel" in lines[4]
    assert lines[5].startswith("OSError")
    assert lines[6].startswith("ValueError") and "past the end" in lines[6]


def test_erased_flash_offset_says_so(board):
    out = board.exec(
        "import kpu, machine\n"
        "machine.Flash().erase(0x700000, 4096)\n"
        "try:\n"
        "    kpu.load(0x700000)\n"
        "except ValueError as e:\n"
        "    print(e)\n")
    assert out.strip().startswith("kpu.load(0x700000): the flash there is erased") and "write the model" in out


def test_act_rule_defaults_to_nncase01_for_v3_and_can_be_changed(board, iris):
    out = board.exec(
        "import kpu\n"
        f"m = kpu.load({iris!r})\n"
        "print(kpu.ACT_RULE_NNCASE01, kpu.ACT_RULE_NNCASE02)\n"
        "print(kpu.set_act_rule(m, kpu.ACT_RULE_NNCASE02), kpu.set_act_rule(m, kpu.ACT_RULE_NNCASE01))\n"
        f"m2 = kpu.load({iris!r}, act_rule=kpu.ACT_RULE_NNCASE02)\n"
        "print(kpu.set_act_rule(m2, kpu.ACT_RULE_NNCASE01))\n"
        "for call in ('kpu.set_act_rule(m, 5)', 'kpu.load(' + repr(" + repr(iris) + ") + ', act_rule=7)'):\n"
        "    try:\n"
        "        eval(call)\n"
        "    except ValueError as e:\n"
        "        print(e)\n")
    lines = out.strip().splitlines()
    assert lines[0] == "1 0"
    assert lines[1] == "1 0"          # v3 default nncase01, then the nncase02 just set
    assert lines[2] == "0"
    assert "ACT_RULE_NNCASE01" in lines[3] and "ACT_RULE_NNCASE01" in lines[4]
