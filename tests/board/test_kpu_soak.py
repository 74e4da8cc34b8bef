"""The kpu soak: rounds of load, forward and deinit across the shared real v3 and v4 models, from /sd
files and raw flash offsets in turn, with failing loads mixed in (too big for what is left,
truncated, word-swapped/v5, empty file, directory, offset past the flash). kpu.mem_info() and the
GC heap's free bytes must end exactly where they started, and every model must give the same
output every time. K210_SOAK_ROUNDS sets the rounds (default 1000)."""
from __future__ import annotations

import os

from kpu_board import model_bytes, put_model, to_flash

IRIS = "iris_nncase01_v3.kmodel"
MNIST = "mnist_maixpy_v3.kmodel"
FACE = "facedetect_maixpy_0x300000_v3.kmodel"
YOLO = "yolo20class_nncase01_v3.kmodel"
IRIS4 = "iris_nncase02_v4.kmodel"
YOLO4 = "yolo20class_nncase02_v4.kmodel"
RFB = "facedetect_rfb320_nncase02_v4.kmodel"
MNIST4 = "mnist_canmv_v4.kmodel"
MOBILE = "mobilenetv1_0.25_feature_canmv_v4.kmodel"
HEAVY = [FACE, YOLO, YOLO4, RFB, MNIST4, MOBILE]   # forward in one of ten of their rounds (time)
SWAPPED = "swapped_iris_v3.kmodel"   # MaixPy's model_le2be.py output: every 4-byte word reversed
V5 = "mnist_cpu_benchmark_v5.kmodel"

FLASH = {IRIS: 0x300000, MNIST: 0x310000, FACE: 0x350000, YOLO: 0x400000, IRIS4: 0x560000,
         MNIST4: 0x570000, MOBILE: 0x600000, RFB: 0x640000, YOLO4: 0x6a0000}


def test_soak_load_forward_deinit_mixed_sources_and_failures(board):
    rounds = int(os.environ.get("K210_SOAK_ROUNDS", "1000"))
    for name in (*FLASH, V5):
        put_model(board, name)
    raw = model_bytes(IRIS)
    raw += b"0" * (-len(raw) % 4)
    put_model(board, SWAPPED, "/sd/" + SWAPPED, b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4)))
    for name, off in FLASH.items():
        if board.eval(f"__import__('machine').Flash().read({off}, 16)") != model_bytes(name)[:16]:
            to_flash(board, "/sd/" + name, off)
    board.exec("open('/sd/empty.kmodel', 'wb').close()\n"
               "import os\n"
               "if 'adir.kmodel' not in os.listdir('/sd'): os.mkdir('/sd/adir.kmodel')\n")
    sizes = {n: len(model_bytes(n)) for n in FLASH}
    out = board.exec(f"""
import kpu, gc, array, binascii
good = {list(FLASH)!r}
heavy = {HEAVY!r}
flash = {FLASH!r}
sizes = {sizes!r}
bad = [lambda: kpu.load('/sd/{SWAPPED}'), lambda: kpu.load('/sd/{V5}'),
       lambda: kpu.load('/sd/{MNIST}', size=5000), lambda: kpu.load({FLASH[FACE]}, size=100),
       lambda: kpu.load('/sd/empty.kmodel'), lambda: kpu.load('/sd/adir.kmodel'),
       lambda: kpu.load('/sd/missing.kmodel'), lambda: kpu.load(0x1000000 - 8),
       lambda: kpu.load(-4096)]
first, inputs = {{}}, {{}}
# every u8 input is a view of one buffer, in the ledger (not the GC heap); outputs are kept as CRCs
big = kpu.LedgerBuf(3 * 240 * 320, 'soak input')
for j in range(0, len(big), 13):
    big[j] = (j * 7) & 255
for name in good:
    m = kpu.load('/sd/' + name)
    if m.input_type == 'f':
        inputs[name] = array.array('f', [5.1, 3.8, 1.9, 0.4])
    else:
        inputs[name] = memoryview(big)[:m.input_bytes]
    # the reference output of each model, taken before the figures are
    first[name] = binascii.crc32(kpu.forward(m, inputs[name]))
    kpu.deinit(m)
# one warm-up of each failing load: their first use interns names and builds lasting objects
# once (constant, measured independent of the count); drift is counted from after them
for f in bad:
    try:
        f()
    except (ValueError, MemoryError, OSError):
        pass
f = None
hog = []
try:
    while True:
        hog.append(kpu.load('/sd/{YOLO}'))
except MemoryError:
    pass
for h in hog:
    kpu.deinit(h)
h = None
hog.clear()
kinds = {{'ValueError': 0, 'MemoryError': 0, 'OSError': 0}}
counts = [0, 0, 0]    # loads, forwards, failing loads

# One round in a function: its names are locals, so the module's globals dict does not churn
# (a deleted-and-re-added global such as an 'except ... as e' name grows the dict now and then).
def one_round(i):
    name = good[i % len(good)]
    m = kpu.load('/sd/' + name) if (i // len(good)) % 2 == 0 else kpu.load(flash[name], size=sizes[name])
    counts[0] += 1
    x = inputs[name]
    if name not in heavy or (i // len(good)) % 10 == 3:
        o = binascii.crc32(kpu.forward(m, x))
        counts[1] += 1
        if first[name] != o:
            raise AssertionError('round %d: %s gave a different output' % (i, name))
    if i % 5 == 2:
        # failing loads while a model is loaded: nothing of them may stay allocated
        try:
            bad[(i // 5) % len(bad)]()
            raise AssertionError('round %d: bad load %d succeeded' % (i, (i // 5) % len(bad)))
        except (ValueError, MemoryError, OSError) as e:
            kinds[type(e).__name__] += 1
            counts[2] += 1
    if i % 50 == 7:
        # too big: fill the pool with YOLO copies until one does not fit
        try:
            while True:
                hog.append(kpu.load('/sd/{YOLO}'))
        except MemoryError:
            counts[2] += 1
            kinds['MemoryError'] += 1
        for h in hog:
            kpu.deinit(h)
        hog.clear()
    kpu.deinit(m)

m = o = x = b = None
mem0 = kpu.mem_info()
gc.collect()
free0 = gc.mem_free()
for i in range({rounds}):
    one_round(i)
m = o = x = None
gc.collect()
free1 = gc.mem_free()
mem1 = kpu.mem_info()
print(counts[0], counts[1], counts[2], sorted(k for k in kinds if kinds[k]))
print(mem1 == mem0, free1 - free0)
""", timeout=3000)
    lines = out.strip().splitlines()
    loads, forwards, fails = (int(v) for v in lines[0].split()[:3])
    print(f"soak: {rounds} rounds, {loads} loads, {forwards} forwards, {fails} failing loads; {lines[1]}")
    assert loads == rounds and fails >= rounds // 5
    assert "ValueError" in lines[0] and "MemoryError" in lines[0] and "OSError" in lines[0]
    assert lines[1] == "True 0", "memory drift after the soak"
