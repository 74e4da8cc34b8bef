"""Board tests of the helpers that sit on the C kpu module: model_manager (with blocks, switching,
MemoryError with mem_info figures) and the MaixPy-compatible KPU module."""

import pytest

from k210tools.kmodel import v3
from k210tools.pytest_plugin import BoardError
from realmodels import model_path  # noqa: E402

IRIS_IN = "[5.1, 3.8, 1.9, 0.4]"
IRIS_OUT = (16.077795, 5.607656, -2.071745)   # nncase's published result (models/README.md)


@pytest.fixture
def iris(board):
    board.put(str(model_path("iris_nncase01_v3.kmodel")), "/sd/iris.kmodel")
    return board


def too_big_model() -> bytes:
    """A valid v3 model (one FC layer) whose main buffer alone is larger than the model pool."""
    fc = v3.FullyConnected(flags=0, in_=0, out=16, in_channels=4, out_channels=3, act=0,
                           weights=bytes(48), bias=bytes(12))
    return v3.write(v3.Model(main_mem_usage=7 << 20, outputs=[v3.Output(16, 12)], layers=[fc]))


def test_with_block_deinits_even_when_the_body_raises(iris):
    out = iris.eval(
        "(lambda: exec('import kpu, gc\\nfrom model_manager import Model\\ngc.collect()\\nb = kpu.mem_info()\\n"
        "try:\\n with Model(\"/sd/iris.kmodel\") as m:\\n  i = kpu.mem_info()\\n  raise KeyError(1)\\nexcept KeyError:\\n pass\\n"
        "gc.collect()\\nR = (b == kpu.mem_info(), i[\"models_bytes\"] - b[\"models_bytes\"], m.handle is None)', globals()) or R)()")
    same, charge, cleared = out
    assert same and cleared
    assert charge == 640            # iris: A(440) + A(56), docs/memory.md


def test_model_forward_and_error_after_deinit(iris):
    out = iris.exec(
        "import array\nfrom model_manager import Model\n"
        f"with Model('/sd/iris.kmodel') as m:\n r = m.forward(array.array('f', {IRIS_IN}))\n"
        "print([round(v, 4) for v in r])\n"
        "try:\n m.forward(b'')\nexcept ValueError as e:\n print(e)")
    vals, err = out.strip().split("\n")
    assert eval(vals) == pytest.approx(IRIS_OUT, abs=1e-4)
    assert err == "/sd/iris.kmodel: model was deinit'ed; load it again"


def test_manager_switch_deinits_before_loading(iris):
    iris.put(str(model_path("mnist_maixpy_v3.kmodel")), "/sd/mnist.kmodel")
    out = iris.eval(
        "(lambda: exec('import kpu, gc\\nfrom model_manager import Manager\\ngc.collect()\\nb = kpu.mem_info()\\n"
        "mg = Manager()\\na = mg.switch(\"/sd/iris.kmodel\")\\nm1 = dict(kpu.mem_info()[\"models\"])\\n"
        "c = mg.switch(\"/sd/mnist.kmodel\")\\nm2 = dict(kpu.mem_info()[\"models\"])\\nmg.close()\\ngc.collect()\\n"
        "R = (list(m1.values()), list(m2.values()), a.handle is None, c.handle is None, kpu.mem_info() == b)', globals()) or R)()")
    m1, m2, a_gone, c_gone, same = out
    assert m1 == [640] and m2 == [222336]      # only the current model is charged (docs/memory.md)
    assert a_gone and c_gone and same


def test_switch_that_cannot_fit_says_why_and_leaves_memory(iris):
    iris.put(too_big_model(), "/sd/big.kmodel")
    out = iris.exec(
        "import kpu, gc\nfrom model_manager import Manager\nmg = Manager()\nmg.switch('/sd/iris.kmodel')\n"
        "gc.collect()\nempty = None\n"
        "try:\n mg.switch('/sd/big.kmodel')\nexcept MemoryError as e:\n print(e)\n"
        "gc.collect()\nprint(mg.current, kpu.mem_info()['models_bytes'], kpu.mem_info()['largest_free'])")
    msg, state = out.strip().split("\n")
    assert msg.startswith("switch from /sd/iris.kmodel to /sd/big.kmodel failed: /sd/big.kmodel does not fit: ")
    assert "[mem_info: " in msg and "largest_free " in msg and "models_bytes 0" in msg
    current, used, largest = state.split()
    assert current == "None" and used == "0"
    assert f"largest_free {int(largest):,}" in msg   # the figures are the board's own


def test_maixpy_forward_fmap_on_iris(iris):
    out = iris.eval(
        "(lambda kpu: (lambda t: (lambda f: (f[:], f.typecode(), f.size(), len(f), f.w(), f.h(), f.ch(), f.index(), "
        f"kpu.deinit(t)))(kpu.forward(t, {IRIS_IN})))(kpu.load('/sd/iris.kmodel')))(__import__('KPU'))")
    vals, tc, size, n, w, h, ch, idx, deinit = out
    assert vals == pytest.approx(IRIS_OUT, abs=1e-4)
    assert (tc, size, n, (w, h, ch), idx, deinit) == ("f", 12, 3, (1, 1, 3), 0, True)


def test_maixpy_netinfo_and_yolo_args(board):
    board.put(str(model_path("mnist_maixpy_v3.kmodel")), "/sd/mnist.kmodel")
    out = board.exec(
        "import KPU as kpu\nt = kpu.load('/sd/mnist.kmodel')\nl = kpu.netinfo(t)\n"
        "print(len(l), l[0].type(), l[0].wi(), l[0].hi(), l[0].chi(), l[0].wo(), l[0].ho(), l[0].cho(), "
        "l[0].kernel_type(), l[0].pool_type(), l[-1].type())\n"
        "for bad in ((1.5, 0.3, 1, (1, 1)), (0.5, 0.3, 0, ()), (0.5, 0.3, 2, (1, 1))):\n"
        " try:\n  kpu.init_yolo2(t, *bad)\n except ValueError as e:\n  print(e)\n"
        "print(kpu.deinit(t))")
    lines = out.strip().split("\n")
    assert lines[0].split() == ["11", "K210_CONV", "28", "28", "1", "14", "14", "16", "1", "1", "SOFTMAX"]
    assert lines[1] == "threshold only support 0 to 1"
    assert lines[2] == "anchor_number should > 0"
    assert lines[3] == "init_yolo2: 2 anchor values for anchor_num 2 (need 4)"
    assert lines[4] == "True"


def test_maixpy_forward_checks_image_shape(iris):
    with pytest.raises(BoardError, match=r"check img format err! image is 2x2x1 \(w x h x ch\), model input is 1x1x4"):
        iris.exec("import KPU as kpu\nfrom planar import Image\nt = kpu.load('/sd/iris.kmodel')\n"
                  "try:\n kpu.forward(t, Image(2, 2, 1))\nfinally:\n kpu.deinit(t)")


def test_model_from_flash_offset(iris):
    # iris written raw at 0x300000 (erase one 4 KiB sector first), then loaded by offset
    out = iris.exec(
        "import machine, array\nfrom model_manager import Model\nf = machine.Flash()\n"
        "f.erase(0x300000, f.SECTOR_SIZE)\nf.write(0x300000, open('/sd/iris.kmodel', 'rb').read())\n"
        f"with Model(0x300000) as m:\n print(repr(m))\n print([round(v, 4) for v in m.forward(array.array('f', {IRIS_IN}))])")
    rep, vals = out.strip().split("\n")
    assert rep.startswith("<Model flash 0x300000 ")
    assert eval(vals) == pytest.approx(IRIS_OUT, abs=1e-4)
