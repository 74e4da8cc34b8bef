"""The kpu soak: rounds of load, forward and deinit across the shared real v3 models, from /sd
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
SWAPPED = "swapped_iris_v3.kmodel"   # MaixPy's model_le2be.py output: every 4-byte word reversed
V5 = "mnist_cpu_benchmark_v5.kmodel"

FLASH = {IRIS: 0x300000, MNIST: 0x310000, FACE: 0x350000, YOLO: 0x400000}


def test_soak_load_forward_deinit_mixed_sources_and_failures(board):
    rounds = int(os.environ.get("K210_SOAK_ROUNDS", "1000"))
    for name in (IRIS, MNIST, FACE, YOLO, V5):
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
    board.reset()    # a fresh, unfragmented GC heap for the 230 KB camera-sized input
    out = board.exec(f"""
import kpu, gc, array
good = {[IRIS, MNIST, FACE, YOLO]!r}
flash = {FLASH!r}
sizes = {sizes!r}
bad = [lambda: kpu.load('/sd/{SWAPPED}'), lambda: kpu.load('/sd/{V5}'),
       lambda: kpu.load('/sd/{MNIST}', size=5000), lambda: kpu.load({FLASH[FACE]}, size=100),
       lambda: kpu.load('/sd/empty.kmodel'), lambda: kpu.load('/sd/adir.kmodel'),
       lambda: kpu.load('/sd/missing.kmodel'), lambda: kpu.load(0x1000000 - 8),
       lambda: kpu.load(-4096)]
first, inputs = {{}}, {{}}
for name in good:
    m = kpu.load('/sd/' + name)
    c, h, w = kpu.netinfo(m)[0]['in_shape']
    kpu.deinit(m)
    if name == '{IRIS}':
        inputs[name] = array.array('f', [5.1, 3.8, 1.9, 0.4])
    else:
        # models with the same input size share one buffer: the GC heap is 512 KiB
        b = [v for v in inputs.values() if len(v) == c * h * w]
        if not b:
            b = [bytearray(c * h * w)]
            for j in range(0, c * h * w, 13):
                b[0][j] = (j * 7) & 255
        inputs[name] = b[0]
    # the reference output of each model, taken before the figures are
    m = kpu.load('/sd/' + name)
    first[name] = bytes(kpu.forward(m, inputs[name]))
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
    if name != '{YOLO}' or i % 20 == 3:
        o = bytes(kpu.forward(m, x))
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
