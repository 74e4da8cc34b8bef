"""Models streamed from flash (issue 19): kpu.load(offset, stream=True) keeps the tables resident
and reads the KPU weights per layer during each forward.

Oracles: the same model loaded resident on the same board (bit-identical outputs), the numpy
reference (tests/kpuref) for a generated model larger than the pool, the ledger charge from the
v3 header (kpu_board.v3_charge), and the weight bytes kpu.netinfo reports per K210_CONV layer.
The boards read models and inputs from flash images written here before they boot.
"""
from __future__ import annotations

import ast
import struct
from pathlib import Path

import pytest

from kpu_board import IRIS_IN, v3_charge
from kpuref import gen, v3
from qemuproc import QemuProcess, make_images, qemu_available
from realmodels import available, missing_reason, model_path
from simproc import SIM, SimProcess

pytestmark = pytest.mark.skipif(not SIM.exists(), reason="needs build/sim (./scripts/build)")
needs_models = pytest.mark.skipif(not available(), reason=missing_reason())

YOLO_RESIDENT = 1_396_480
V3 = {  # model -> (flash offset, input: flash offset of a file, or bytes)
    "yolo20class_nncase01_v3.kmodel": (0x300000, 0x800000),
    "facedetect_maixpy_0x300000_v3.kmodel": (0x480000, 0x840000),
    "mnist_maixpy_v3.kmodel": (0x500000, bytes(range(0, 256, 3))[:28] * 28),
    "iris_nncase01_v3.kmodel": (0x540000, struct.pack("<4f", *IRIS_IN)),
}
INPUTS = {0x800000: "yolo20class_dog_320x240_rgb_chw.bin", 0x840000: "facedetect_crowd_320x240_rgb_chw.bin"}
IRIS_V4 = 0x560000
SWAPPED = {"yolo20class_nncase01_v3.kmodel": 0x580000, "facedetect_maixpy_0x300000_v3.kmodel": 0x700000}
TAIL = 0xFF0000          # the first 64 KiB of the YOLO file at the last 64 KiB of the flash
BIG, BIG_IN = 0x300000, 0xC40000


def le2be(data: bytes) -> bytes:
    """MaixPy's model_le2be.py (docs/kmodel-spec.md): every aligned 4-byte word reversed, a
    ragged tail padded with ASCII '0'."""
    data = data + b"0" * (-len(data) % 4)
    return b"".join(data[i:i + 4][::-1] for i in range(0, len(data), 4))


def flash_state(state: Path, places: dict) -> Path:
    flash, _ = make_images(state)
    img = bytearray(flash.read_bytes())
    for off, data in places.items():
        img[off:off + len(data)] = data
    flash.write_bytes(img)
    return state


def run(board, code: str, timeout: float = 300.0) -> str:
    out, err = board.raw_exec(code, timeout)
    assert err == b"", err.decode(errors="replace")
    return out.decode().strip()


def ev(board, code: str, timeout: float = 300.0):
    """code ends by printing one repr; returns it evaluated (a ledger input is released after)."""
    code += "\nif 'inp' in globals() and hasattr(inp, 'release'):\n    inp.release()\n"
    return ast.literal_eval(run(board, code, timeout).splitlines()[-1])


def input_code(model: str) -> str:
    src = V3[model][1]
    if isinstance(src, bytes):
        return f"inp = {src!r}\n"
    size = model_path(INPUTS[src]).stat().st_size
    # a ledger buffer: an input this size on the GC heap may not find a gap
    return f"import machine, kpu\ninp = kpu.LedgerBuf({size}, 'input')\nmachine.Flash().readinto({src}, inp)\n"


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    if not available():
        pytest.skip(missing_reason())
    places = {off: model_path(name).read_bytes() for name, (off, _) in V3.items()}
    places.update({off: model_path(name).read_bytes() for off, name in INPUTS.items()})
    places.update({off: le2be(model_path(name).read_bytes()) for name, off in SWAPPED.items()})
    places[IRIS_V4] = model_path("iris_nncase02_v4.kmodel").read_bytes()
    places[TAIL] = model_path("yolo20class_nncase01_v3.kmodel").read_bytes()[:0x10000]
    board = SimProcess(flash_state(tmp_path_factory.mktemp("stream"), places))
    yield board
    board.close()


OUTPUTS = """
import kpu, binascii
def outs(m):
    o = kpu.forward(m, inp)
    return [binascii.crc32(bytes(kpu.get_output(m, i))) for i in range(m.outputs)] + [len(bytes(o))]
"""


@needs_models
@pytest.mark.parametrize("model", list(V3))
def test_streamed_outputs_equal_resident_and_charge_less(sim, model):
    off = V3[model][0]
    resident_charge = v3_charge(model_path(model).read_bytes())[2]
    r = ev(sim, input_code(model) + OUTPUTS + f"""
free0 = kpu.mem_info()['free']
m = kpu.load({off})
res = (outs(m), m.charge)
w = sum(d.get('weights', 0) for d in kpu.netinfo(m) if d['kpu'])
kpu.deinit(m)
got = []
for kw in (dict(), dict(buffers=1), dict(window=16384)):
    try:
        m = kpu.load({off}, stream=True, **kw)
    except ValueError as e:
        got.append(('refused', str(e)))
        continue
    o = outs(m)
    si = kpu.stream_info(m)
    mi = kpu.mem_info()['stream']
    got.append((o, m.charge, si['resident'] + si['buffers'], si['flash'], si['last_forward_flash'], mi['flash'], mi['models']))
    kpu.deinit(m)
print(repr((res, w, got, free0 == kpu.mem_info()['free'])))
""")
    (res_out, res_charge), weights, got, freed = r
    assert res_charge == resident_charge
    assert freed
    for g in got:
        if g[0] == "refused":   # only a depthwise layer or a smallest group above 16 KiB may refuse
            assert "window=16,384 B is smaller than layer" in g[1], g[1]
            continue
        outs, charge, parts, flash, last, mi_flash, mi_models = g
        assert outs == res_out
        assert charge == parts
        assert flash == last == mi_flash == weights
        assert mi_models == 1
        if weights > 2 * 65536:
            # more KPU weights than two default buffers: streaming charges less. mnist's are
            # 5,072 B (its bulk is a FULLY_CONNECTED layer, resident by design); iris has none.
            assert charge < res_charge


@needs_models
def test_yolo20_streams_under_40_percent_of_its_resident_charge(sim):
    model = "yolo20class_nncase01_v3.kmodel"
    assert v3_charge(model_path(model).read_bytes())[2] == YOLO_RESIDENT
    r = ev(sim, input_code(model) + OUTPUTS + f"""
m = kpu.load({V3[model][0]})
ref = outs(m)
kpu.deinit(m)
m = kpu.load({V3[model][0]}, stream=True, window=131072)
si = kpu.stream_info(m)
blocks = [b for b in kpu.mem_info()['blocks'] if b[0].startswith('#')]
print(repr((outs(m) == ref, m.charge, si['resident'], si['buffers'], si['window'], si['buffer_count'], blocks)))
kpu.deinit(m)
""")
    same, charge, resident, buffers, window, count, blocks = r
    assert same
    assert charge < 0.4 * YOLO_RESIDENT, charge
    assert (window, count, buffers) == (131072, 2, 262144)
    assert sorted(b[1] for b in blocks) == sorted([resident, buffers])   # two ledger blocks: tables, buffers


@needs_models
@pytest.mark.parametrize("model", list(SWAPPED))
def test_maixpy_byte_swapped_file_through_load_flash_equals_normal(sim, model):
    r = ev(sim, input_code(model) + OUTPUTS + f"""
import KPU
m = kpu.load({V3[model][0]})
ref = outs(m)
kpu.deinit(m)
got = []
for dual, batch in ((1, 0x10000), (0, 0), (1, 0)):
    m = KPU.load_flash({SWAPPED[model]}, dual, batch, 80000000)
    si = kpu.stream_info(m)
    got.append((outs(m) == ref, si['swapped'], si['buffer_count']))
    kpu.deinit(m)
m = KPU.load_flash({V3[model][0]}, 1, 0, 80000000)
got.append((outs(m) == ref, kpu.stream_info(m)['swapped'], 2))
kpu.deinit(m)
try:
    kpu.load({SWAPPED[model]})
    got.append('resident load of a swapped file accepted')
except ValueError as e:
    got.append(str(e))
try:
    KPU.load_flash({SWAPPED[model]}, 1, 100, 80000000)
    got.append('batch_size=100 accepted')
except ValueError as e:
    got.append(str(e))
print(repr(got))
""")
    assert r[:4] == [(True, True, 2), (True, True, 1), (True, True, 2), (True, False, 2)]
    assert "word-byte-swapped" in r[4]
    assert r[5].startswith("load_flash: batch_size=100 is the buffer size here: kpu.load(0x") and "use window>=" in r[5]


def _refused(board, call: str) -> tuple[str, str, bool]:
    return ev(board, f"""
import kpu
free0, blocks0 = kpu.mem_info()['free'], kpu.mem_info()['blocks']
try:
    {call}
    r = ('accepted', '')
except Exception as e:
    r = (type(e).__name__, str(e))
print(repr(r + (kpu.mem_info()['free'] == free0 and kpu.mem_info()['blocks'] == blocks0,)))
""")


@needs_models
def test_bad_input_is_refused_at_load_with_figures_and_nothing_allocated(sim):
    kind, msg, clean = _refused(sim, f"kpu.load({TAIL:#x}, stream=True)")
    assert (kind, clean) == ("ValueError", True), msg
    assert "kpu.load(0xff0000)" in msg and "declare 1352592 B but the flash from there" in msg and "65536 B" in msg, msg
    kind, msg, clean = _refused(sim, f"kpu.load({V3['yolo20class_nncase01_v3.kmodel'][0]}, stream=True, window=1000)")
    assert (kind, clean) == ("ValueError", True)
    assert "window=1,000 B is smaller than layer" in msg and "use window>=" in msg, msg
    kind, msg, clean = _refused(sim, f"kpu.load({IRIS_V4}, stream=True)")
    assert (kind, clean) == ("ValueError", True) and "kmodel v4" in msg and "stream=False" in msg, msg
    kind, msg, clean = _refused(sim, f"kpu.load({V3['iris_nncase01_v3.kmodel'][0]}, stream=True, buffers=3)")
    assert (kind, clean) == ("ValueError", True) and "buffers=3" in msg, msg
    kind, msg, clean = _refused(sim, "kpu.load(0x300000, window=4096)")
    assert (kind, clean) == ("ValueError", True) and "stream=True only" in msg, msg
    # a file on the SD card is not streamed: its clusters need not be contiguous
    run(sim, "f = open('/sd/s.kmodel', 'wb')\nf.write(b'\\x03' + bytes(100))\nf.close()\n")
    kind, msg, clean = _refused(sim, "kpu.load('/sd/s.kmodel', stream=True)")
    assert (kind, clean) == ("ValueError", True) and "raw SPI flash only" in msg and "model push --flash" in msg, msg


# --- a model larger than the pool ---

@pytest.fixture(scope="module")
def big():
    g = gen.big_model(19)
    ref = v3.run_model(g.data, g.input, rule="nncase01")
    o = g.model.outputs[0]
    return g, ref.main[o.address:o.address + o.size].tobytes()


BIG_CODE = """
import kpu, machine, binascii
inp = kpu.LedgerBuf({n_in}, 'input')
machine.Flash().readinto({at_in}, inp)
try:
    kpu.load({at})
    res = 'accepted'
except MemoryError as e:
    res = str(e)
m = kpu.load({at}, stream=True, window=262144)
o = bytes(kpu.forward(m, inp))
si = kpu.stream_info(m)
print(repr((res, binascii.crc32(o), len(o), m.charge, si['flash'], si['last_forward_flash'])))
kpu.deinit(m)
"""


def _check_big(board, g, expected: bytes) -> None:
    import binascii
    weights = sum(len(b.weights) for b in g.model.layers if hasattr(b, "weights"))
    assert weights >= 8 << 20
    res, crc, n, charge, flash, last = ev(board, BIG_CODE.format(n_in=len(g.input), at_in=BIG_IN, at=BIG), 900)
    charge_res = v3_charge(g.data)[2]
    assert res.startswith(f"kpu.load(0x300000): model needs {charge_res:,} B"), res
    assert "free (largest block" in res
    assert (n, crc) == (len(expected), binascii.crc32(expected))
    assert flash == last == weights
    assert charge < 1 << 20


def _big_state(tmp: Path, g) -> Path:
    return flash_state(tmp, {BIG: g.data, BIG_IN: g.input})


def test_model_larger_than_the_pool_streams_on_the_simulated_board(big, tmp_path):
    g, expected = big
    board = SimProcess(_big_state(tmp_path, g))
    try:
        _check_big(board, g, expected)
    finally:
        board.close()


@pytest.mark.skipif(not qemu_available(), reason="needs build/qemu_virt and qemu-system-riscv64")
def test_model_larger_than_the_pool_streams_on_qemu(big, tmp_path):
    g, expected = big
    board = QemuProcess(_big_state(tmp_path, g))
    try:
        _check_big(board, g, expected)
    finally:
        board.close()


@needs_models
@pytest.mark.parametrize("model", ["yolo20class_nncase01_v3.kmodel", "facedetect_maixpy_0x300000_v3.kmodel"])
def test_host_figures_equal_the_boards(sim, model):
    """k210 model info --stream (k210tools/kmodel/stream.py) against kpu.stream_info."""
    from k210tools.kmodel import stream
    data = model_path(model).read_bytes()
    cases = [(None, 2), (None, 1), (131072, 2), (20000, 1)]
    got = ev(sim, f"""
import kpu
r = []
for w, b in {cases!r}:
    m = kpu.load({V3[model][0]}, stream=True, window=w, buffers=b)
    s = kpu.stream_info(m)
    r.append((m.charge, s['resident'], s['window'], s['flash'], round(s['stream_ms'], 4), round(s['resident_ms'], 4)))
    kpu.deinit(m)
print(repr(r))
""")
    for (w, b), board in zip(cases, got):
        p = stream.plan(data, w, b)
        res, st, _ = stream.predict(data, p)
        assert board == (p.charge, p.resident, p.window, p.flash, round(st, 4), round(res, 4)), (w, b)
