"""The SRAM ledger through kpu.mem_info(): every byte of 6 MiB + 2 MiB accounted, models charged
exactly the ledger formula, everything back after deinit / del / soft reset, exact MemoryError."""
import pytest

from kpu_board import IRIS_IN, mem_sum, model_bytes, put_model, v3_charge

IRIS = "iris_nncase01_v3.kmodel"
YOLO = "yolo20class_nncase01_v3.kmodel"
MNIST = "mnist_maixpy_v3.kmodel"
FACE = "facedetect_maixpy_0x300000_v3.kmodel"


def grouped(n: int) -> str:
    return f"{n:,}"


@pytest.mark.qemu_subset
def test_mem_info_adds_up_to_8_mib(board):
    info = board.eval("__import__('kpu').mem_info()")
    assert info["total"] == 8 * 1024 * 1024 == mem_sum(info)
    assert info["ai_sram"] == 2 * 1024 * 1024
    assert info["image"] + info["stacks"] + info["gc_heap"] + info["pool"] == 6 * 1024 * 1024
    assert info["pool"] == info["models_bytes"] + info["free"] + info["pool_align"]
    assert info["gc_heap"] == board.eval("__import__('machine').heap_size()")
    assert info["models"] == {} and info["largest_free"] == info["free"]


# the QEMU subset takes the KPU model small enough for its ~20 KB/s serial link (mnist, 208 KB)
@pytest.mark.parametrize("name", [IRIS, pytest.param(MNIST, marks=pytest.mark.qemu_subset), FACE, YOLO])
def test_model_charge_is_the_ledger_formula_and_deinit_restores(board, name):
    remote = put_model(board, name)
    image, main, charge = v3_charge(model_bytes(name))
    out = board.eval(
        "(lambda kpu: (lambda before, m: (before, kpu.mem_info(), m.charge, kpu.deinit(m), kpu.mem_info()))"
        f"(kpu.mem_info(), kpu.load({remote!r})))(__import__('kpu'))")
    before, loaded, m_charge, _, after = out
    assert m_charge == charge
    assert loaded["models_bytes"] == charge and list(loaded["models"].values()) == [charge]
    assert loaded["free"] == before["free"] - charge
    assert mem_sum(loaded) == 8 * 1024 * 1024
    assert after == before


def test_several_models_freed_in_any_order_coalesce(board):
    paths = [put_model(board, n) for n in (IRIS, MNIST, FACE, YOLO)]
    out = board.exec(
        "import kpu\n"
        "before = kpu.mem_info()\n"
        f"ms = [kpu.load(p) for p in {paths!r}]\n"
        "mid = kpu.mem_info()\n"
        "print(len(mid['models']), mid['models_bytes'] == sum(m.charge for m in ms))\n"
        "for i in (1, 3, 0, 2):\n"
        "    kpu.deinit(ms[i])\n"
        "print(kpu.mem_info() == before)\n"
        "ms = [kpu.load(p) for p in " + repr(paths) + "]\n"
        "for i in (2, 0, 3, 1):\n"
        "    kpu.deinit(ms[i])\n"
        "print(kpu.mem_info() == before)\n")
    assert out.split() == ["4", "True", "True", "True"]


def test_1000_load_forward_deinit_cycles_leave_memory_identical(board):
    remote = put_model(board, IRIS)
    out = board.exec(
        "import kpu, array, gc\n"
        f"x = array.array('f', {IRIS_IN})\n"
        "gc.collect()\n"
        "before = kpu.mem_info()\n"
        "first = None\n"
        "for i in range(1000):\n"
        f"    m = kpu.load({remote!r})\n"
        "    o = list(kpu.forward(m, x))\n"
        "    first = first or o\n"
        "    assert o == first, (i, o)\n"
        "    kpu.deinit(m)\n"
        "gc.collect()\n"
        "print(kpu.mem_info() == before)\n", timeout=120)
    assert out.strip() == "True"


def test_finaliser_and_soft_reset_free_models(board):
    paths = [put_model(board, n) for n in (IRIS, MNIST)]
    fresh = board.eval("__import__('kpu').mem_info()")
    out = board.exec(
        "import kpu, gc\n"
        f"m = kpu.load({paths[1]!r})\n"
        "del m\n"
        "gc.collect()\n"
        "print(kpu.mem_info()['models'])\n")
    assert out.strip() == "{}"
    board.exec(f"import kpu\nkeep = [kpu.load(p) for p in {paths!r}]")
    assert len(board.eval("__import__('kpu').mem_info()['models']")) == 2
    board.reset()
    assert board.eval("__import__('kpu').mem_info()") == fresh


def test_too_big_model_raises_memory_error_with_exact_figures(board):
    remote = put_model(board, YOLO)
    image, main, charge = v3_charge(model_bytes(YOLO))
    a = lambda x: (x + 127) // 128 * 128  # noqa: E731
    out = board.exec(
        "import kpu\n"
        "ms = []\n"
        "try:\n"
        "    while True:\n"
        f"        ms.append(kpu.load({remote!r}))\n"
        "        before = kpu.mem_info()\n"
        "except MemoryError as e:\n"
        "    print(repr(kpu.mem_info() == before), len(ms))\n"
        "    print(before['free'], before['largest_free'], sorted(before['models']))\n"
        "    print(e)\n", timeout=60)
    first, free_line, msg = out.strip().split("\n", 2)
    same, n = first.split()
    assert same == "True"
    free, largest = (int(v) for v in free_line.split()[:2])
    pool = board.eval("__import__('kpu').mem_info()['pool']")
    assert int(n) == pool // charge and free == pool - int(n) * charge
    assert (f"model needs {grouped(charge)} B (image {grouped(a(image))} B + working {grouped(a(main))} B), "
            f"{grouped(free)} B free (largest block {grouped(largest)} B)") in msg
    assert msg.startswith(f"kpu.load('{remote}')")
    assert "loaded: #" in msg and "yolo20class" in msg and "machine.heap_size" in msg


def test_bigger_gc_heap_leaves_less_pool_and_is_reported(board):
    remote = put_model(board, YOLO)
    charge = v3_charge(model_bytes(YOLO))[2]
    default = board.eval("__import__('machine').heap_size()")
    board.exec("import machine; machine.heap_size(4 * 1024 * 1024)")
    try:
        board.reset()
        info = board.eval("__import__('kpu').mem_info()")
        assert info["gc_heap"] == 4 * 1024 * 1024 and mem_sum(info) == 8 * 1024 * 1024
        assert info["free"] < charge
        out = board.exec(
            "import kpu\n"
            "try:\n"
            f"    kpu.load({remote!r})\n"
            "except MemoryError as e:\n"
            "    print(e)\n"
            "print(kpu.mem_info()['models'])\n")
        assert f"{grouped(charge)} B" in out and f"{grouped(info['free'])} B free" in out and "loaded: nothing" in out
        assert out.strip().endswith("{}")
    finally:
        board.exec(f"import machine; machine.heap_size({default})")
        board.reset()
