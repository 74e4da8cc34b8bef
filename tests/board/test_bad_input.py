"""Bad input on every API the board offers for models: kpu, machine.Flash, open/os on kmodel
paths and the frozen helpers. Each case must raise the expected exception type with a message
naming the value or file, leave kpu.mem_info() exactly as it was, and leave the board answering.
Cases run many per exec (see CHECK) so the file stays fast."""
from __future__ import annotations

import ast
import time

import pytest

from kpu_board import IRIS_IN, model_bytes, put_model
from realmodels import need_models

# chk(label, f, exc, *words): f() must raise exc (exactly that type) whose str() holds every word,
# and kpu.mem_info() must be the same before and after. Failures collect in BAD; N counts cases.
CHECK = """
import kpu, gc
BAD = []
N = [0]
def chk(label, f, exc, *words):
    N[0] += 1
    before = kpu.mem_info()
    try:
        f()
        BAD.append((label, 'no error'))
    except Exception as e:
        s = str(e)
        if type(e) is not exc or any(w not in s for w in words):
            BAD.append((label, type(e).__name__, s))
    gc.collect()
    if kpu.mem_info() != before:
        BAD.append((label, 'mem_info changed', before, kpu.mem_info()))
def done():
    print(repr((N[0], BAD)))
"""

IRIS = "iris_nncase01_v3.kmodel"
MNIST = "mnist_maixpy_v3.kmodel"
YOLO = "yolo20class_nncase01_v3.kmodel"
ENOENT, EEXIST, ENOTDIR, EISDIR = 2, 17, 20, 21

TOTAL = [0]


def run_cases(board, body: str, timeout: float = 60.0) -> int:
    """Runs CHECK + body (which ends with done()); asserts no case failed; returns the count."""
    out = board.exec(CHECK + body + "\ndone()\n", timeout=timeout).strip().splitlines()[-1]
    n, bad = ast.literal_eval(out)
    assert bad == [], "\n".join(repr(b) for b in bad)
    assert board.eval("1 + 1") == 2   # still answering
    TOTAL[0] += n
    print(f"{n} cases, {TOTAL[0]} so far")   # shown with pytest -s
    return n


def setup_files(board) -> None:
    put_model(board, IRIS)
    put_model(board, MNIST)
    board.put(b"", "/sd/empty.kmodel")
    board.put(bytes(range(256)) * 4, "/sd/garbage.kmodel")
    board.put(model_bytes(IRIS)[:100], "/sd/iris_cut.kmodel")
    board.exec("import os\ntry:\n os.mkdir('/sd/adir.kmodel')\nexcept OSError:\n pass\n")


def test_kpu_load_bad_sources(board):
    setup_files(board)
    n = run_cases(board, f"""
import machine
fl = machine.Flash().size()
m = kpu.load('/sd/{IRIS}')
for v in (None, 1.5, {{}}, [], b'/sd/{IRIS}', bytearray(b'/sd/x'), m, kpu):
    chk('load type %r' % type(v), lambda: kpu.load(v), TypeError, 'kpu.load', 'path (str) or a flash offset (int)')
for v in (-1, 0, -0x300000):
    chk('load %d' % v, lambda: kpu.load(v), ValueError, 'kpu.load(%d)' % v, '0x300000')
for v in (fl, fl + 1, 0x7fffffff):
    chk('load 0x%x' % v, lambda: kpu.load(v), ValueError, 'kpu.load(0x%x)' % v, 'below the flash size')
chk('load 2**80', lambda: kpu.load(2 ** 80), OverflowError)
chk('load erased flash', lambda: kpu.load(fl - 4096), ValueError, 'kpu.load(0x%x)' % (fl - 4096), 'erased')
# size=
for s in (0, -1, -4096):
    chk('size=%d' % s, lambda: kpu.load('/sd/{IRIS}', s), ValueError, 'size=%d' % s, 'positive')
    chk('flash size=%d' % s, lambda: kpu.load(0x300000, size=s), ValueError, 'size=%d' % s, 'positive')
for s in ('436', 1.5, b'x'):
    chk('size type %r' % type(s), lambda: kpu.load('/sd/{IRIS}', s), TypeError)
chk('size past flash end', lambda: kpu.load(0x300000, fl), ValueError, '0x300000', 'size=%d' % fl, 'past the end')
chk('size past flash end by 1', lambda: kpu.load(fl - 100, 101), ValueError, 'size=101', 'past the end')
chk('size past file', lambda: kpu.load('/sd/{IRIS}', 437), ValueError, '{IRIS}', 'size=437', 'larger than the file (436 B)')
chk('size one byte short', lambda: kpu.load('/sd/{IRIS}', 400), ValueError, '{IRIS}')
chk('size 1', lambda: kpu.load('/sd/{IRIS}', 1), ValueError, '{IRIS}')
# act_rule=
for r in (2, -1, 99):
    chk('act_rule=%d' % r, lambda: kpu.load('/sd/{IRIS}', act_rule=r), ValueError, 'act_rule=%d' % r, 'ACT_RULE_NNCASE01')
chk('act_rule str', lambda: kpu.load('/sd/{IRIS}', act_rule='x'), TypeError)
chk('unknown kwarg', lambda: kpu.load('/sd/{IRIS}', offset=1), TypeError)
chk('no args', lambda: kpu.load(), TypeError)
# files
chk('empty file', lambda: kpu.load('/sd/empty.kmodel'), ValueError, '/sd/empty.kmodel')
chk('garbage file', lambda: kpu.load('/sd/garbage.kmodel'), ValueError, '/sd/garbage.kmodel')
chk('truncated file', lambda: kpu.load('/sd/iris_cut.kmodel'), ValueError, '/sd/iris_cut.kmodel')
chk('missing file', lambda: kpu.load('/sd/nope.kmodel'), OSError, '/sd/nope.kmodel', 'no such file')
chk('empty path', lambda: kpu.load(''), OSError, "kpu.load('')")
for d in ('/', '/sd', '/sd/', '/sd/adir.kmodel', '/flash'):
    chk('dir %s' % d, lambda: kpu.load(d), OSError, "kpu.load('%s')" % d, 'directory')
for p in ('/nomount/x.kmodel', '/sdx/{IRIS}', 'sd/{IRIS}', '/SD2/a'):
    chk('unmounted %s' % p, lambda: kpu.load(p), OSError, p, 'no such file')
chk('long path', lambda: kpu.load('/sd/' + 'a' * 300), OSError, 'kpu.load')
chk('path with NUL', lambda: kpu.load('/sd/{IRIS}\x00x'), ValueError, 'kpu.load(', 'NUL byte')
chk('path in a file', lambda: kpu.load('/sd/{IRIS}/x'), OSError, '/sd/{IRIS}/x')
kpu.deinit(m)
""")
    assert n >= 45


def test_forward_and_model_functions_bad_input(board):
    setup_files(board)
    run_cases(board, f"""
import array
m = kpu.load('/sd/{IRIS}')
u = kpu.load('/sd/{MNIST}')
good = array.array('f', {IRIS_IN!r})
ref = list(kpu.forward(m, good))
F = 'expects 4 f32 values = 16 bytes'
for v in (None, 1.5, 7, {{}}, m, kpu):
    chk('forward iris %r' % type(v), lambda: kpu.forward(m, v), ValueError, "'/sd/{IRIS}'", F, type(v).__name__)
# a str is a path to the input's bytes: a missing file names itself and the size wanted
chk('forward iris str', lambda: kpu.forward(m, 'abcdefghijklmnop'), OSError, "'abcdefghijklmnop'", 'no such file', '16 B')
for b in (b'', bytes(15), bytes(17), bytearray(12), array.array('f', [1.0] * 3), array.array('f', [1.0] * 5)):
    chk('forward iris %d B' % len(b), lambda: kpu.forward(m, b), ValueError, F, '%d bytes' % (len(b) * (4 if isinstance(b, array.array) else 1)))
chk('forward iris array h', lambda: kpu.forward(m, array.array('h', [1] * 8)), ValueError, F, "array('h')")
chk('forward iris array i', lambda: kpu.forward(m, array.array('i', [1] * 4)), ValueError, F, "array('i')")
chk('forward iris list 3', lambda: kpu.forward(m, [1.0, 2.0, 3.0]), ValueError, F, 'list', '12 bytes')
chk('forward iris tuple 5', lambda: kpu.forward(m, (1.0,) * 5), ValueError, F, 'tuple', '20 bytes')
chk('forward iris list of str', lambda: kpu.forward(m, ['a'] * 4), TypeError)
chk('forward iris list of None', lambda: kpu.forward(m, [None] * 4), TypeError)
U = 'expects a 1x28x28 u8 planar CHW input = 784 bytes'
for b in (b'', bytes(783), bytes(785), bytearray(784 * 4)):
    chk('forward mnist %d B' % len(b), lambda: kpu.forward(u, b), ValueError, "'/sd/{MNIST}'", U, '%d bytes' % len(b))
chk('forward mnist f32', lambda: kpu.forward(u, array.array('f', [0.0] * 196)), ValueError, U, "array('f')")
chk('forward mnist list', lambda: kpu.forward(u, [0.0] * 784), ValueError, U, 'list')
chk('forward mnist str', lambda: kpu.forward(u, 'x' * 100), OSError, 'x' * 100, '784 B')
for i in (1, -1, 2 ** 31):
    chk('forward index %d' % i, lambda: kpu.forward(m, good, i), ValueError, 'output index %d' % i, '1 output(s)')
chk('forward index str', lambda: kpu.forward(m, good, '0'), TypeError)
chk('forward index big', lambda: kpu.forward(m, good, 2 ** 80), OverflowError)
for v in (None, 1, 'm', good, kpu):
    for name in ('forward', 'deinit', 'netinfo', 'set_layers', 'set_act_rule', 'set_outputs'):
        f = getattr(kpu, name)
        args = {{'forward': (v, good), 'deinit': (v,), 'netinfo': (v,), 'set_layers': (v, 1), 'set_act_rule': (v, 1),
                'set_outputs': (v, 0, 3, 1, 1)}}[name]
        chk('%s(%r)' % (name, type(v)), lambda: f(*args), TypeError, 'kpu.%s' % name, 'expected a model from kpu.load', type(v).__name__)
chk('forward 1 arg', lambda: kpu.forward(m), TypeError)
chk('forward 4 args', lambda: kpu.forward(m, good, 0, 0), TypeError)
chk('mem_info arg', lambda: kpu.mem_info(m), TypeError)
# set_outputs: index, sizes that do not multiply to the output, and sizes whose product wraps
for a in ((1, 3, 1, 1), (-1, 3, 1, 1)):
    chk('set_outputs idx %d' % a[0], lambda: kpu.set_outputs(m, *a), ValueError, 'output index %d' % a[0], '1 output(s)')
for a in ((0, 2, 2, 1), (0, 0, 3, 1), (0, -3, -1, 1), (0, 3, 1, 0), (0, 822531, 67280421310721, 1), (0, 3, 2 ** 62, 4)):
    chk('set_outputs %r' % (a,), lambda: kpu.set_outputs(m, *a), ValueError, 'w*h*ch = %d*%d*%d' % a[1:], '3 values')
chk('set_outputs str', lambda: kpu.set_outputs(m, 0, '3', 1, 1), TypeError)
chk('set_outputs float', lambda: kpu.set_outputs(m, 0, 3.0, 1, 1), TypeError)
chk('set_outputs 4 args', lambda: kpu.set_outputs(m, 0, 3, 1), TypeError)
# set_layers: more layers than the model has
for n in (3, 100, 2 ** 31):
    chk('set_layers %d' % n, lambda: kpu.set_layers(m, n), ValueError, '%d layers requested' % n, 'has 2')
chk('set_layers None', lambda: kpu.set_layers(m, None), TypeError)
chk('set_layers str', lambda: kpu.set_layers(m, '1'), TypeError)
chk('set_layers big', lambda: kpu.set_layers(m, 2 ** 80), OverflowError)
for r in (2, -1, 255):
    chk('set_act_rule %d' % r, lambda: kpu.set_act_rule(m, r), ValueError, 'kpu.set_act_rule: %d' % r, 'ACT_RULE_NNCASE0')
chk('set_act_rule None', lambda: kpu.set_act_rule(m, None), TypeError)
chk('netinfo 2 args', lambda: kpu.netinfo(m, 1), TypeError)
# attributes are read-only
def setattr_layers():
    m.layers = 5
chk('attr write', setattr_layers, AttributeError)
chk('attr missing', lambda: m.nothing, AttributeError)
# the failures above left the model untouched
assert list(kpu.forward(m, good)) == ref, 'iris output changed'
assert kpu.set_layers(m, -5) and list(kpu.forward(m, good)) == ref
# deinit'd models: every function refuses, a second deinit too
kpu.deinit(m)
D = "model '/sd/{IRIS}' was deinitialised"
chk('forward deinit', lambda: kpu.forward(m, good), ValueError, 'kpu.forward', D, 'load it again')
chk('deinit twice', lambda: kpu.deinit(m), ValueError, 'kpu.deinit', D)
chk('deinit thrice', lambda: kpu.deinit(m), ValueError, 'kpu.deinit', D)
chk('netinfo deinit', lambda: kpu.netinfo(m), ValueError, 'kpu.netinfo', D)
chk('set_layers deinit', lambda: kpu.set_layers(m, 1), ValueError, 'kpu.set_layers', D)
chk('set_outputs deinit', lambda: kpu.set_outputs(m, 0, 3, 1, 1), ValueError, 'kpu.set_outputs', D)
chk('set_act_rule deinit', lambda: kpu.set_act_rule(m, 1), ValueError, 'kpu.set_act_rule', D)
chk('layers deinit', lambda: m.layers, AttributeError)
assert 'deinitialised' in repr(m) and m.live is False
kpu.deinit(u)
""")


def test_soft_reset_kills_models_and_ids_are_not_reused(board):
    setup_files(board)
    board.exec(f"import kpu\nm = kpu.load('/sd/{IRIS}')\n")
    board.reset()   # the interpreter (and m) is gone; a new model is a fresh ledger entry
    run_cases(board, f"""
m = kpu.load('/sd/{IRIS}')
m2 = kpu.load('/sd/{IRIS}')
kpu.deinit(m2)
chk('deinit other twice', lambda: kpu.deinit(m2), ValueError, 'was deinitialised')
assert m.live
kpu.deinit(m)
""")


def test_machine_flash_bad_input(board):
    put_model(board, IRIS)
    run_cases(board, """
import machine
f = machine.Flash()
fl = f.size()
probe = fl - 8192
keep = f.read(probe, 8192)
for o, n in ((-1, 4), (0, -1), (-4096, 4096)):
    chk('read %d %d' % (o, n), lambda: f.read(o, n), ValueError, 'offset %d and length %d' % (o, n), '>= 0')
    chk('erase %d %d' % (o, n), lambda: f.erase(o, n), ValueError, 'offset %d and length %d' % (o, n), '>= 0')
for o, n in ((fl, 1), (fl - 1, 2), (0, fl + 1), (fl + 4096, 4096), (0x7fffffff, 1)):
    chk('read 0x%x+%d' % (o, n), lambda: f.read(o, n), ValueError, '0x%x+%d' % (o, n), 'outside the %d-byte flash' % fl)
    if n <= 4096:   # a buffer as big as the flash does not fit the GC heap
        chk('readinto 0x%x+%d' % (o, n), lambda: f.readinto(o, bytearray(n)), ValueError, '0x%x+%d' % (o, n), 'outside')
        chk('write 0x%x+%d' % (o, n), lambda: f.write(o, bytes(n)), ValueError, '0x%x+%d' % (o, n), 'outside')
chk('erase past end', lambda: f.erase(fl, 4096), ValueError, 'outside')
chk('readinto -1', lambda: f.readinto(-1, bytearray(4)), ValueError, 'offset -1', '>= 0')
chk('write -1', lambda: f.write(-1, b'x'), ValueError, 'offset -1', '>= 0')
for o, n in ((1, 4096), (probe, 100), (probe + 512, 4096), (probe, 0x1001)):
    chk('erase 0x%x+%d' % (o, n), lambda: f.erase(o, n), ValueError, 'erase 0x%x+%d' % (o, n), 'multiples of the 4096-byte sector')
for v in (None, '0', 1.5, b'x', 2 ** 80):
    e = OverflowError if v == 2 ** 80 else TypeError
    chk('read offset %r' % (v,), lambda: f.read(v, 4), e)
    chk('read size %r' % (v,), lambda: f.read(probe, v), e)
    chk('erase offset %r' % (v,), lambda: f.erase(v, 4096), e)
    chk('write offset %r' % (v,), lambda: f.write(v, b'x'), e)
for v in (None, 5, 1.5, f):
    chk('write data %r' % type(v), lambda: f.write(probe, v), TypeError)
    chk('readinto buf %r' % type(v), lambda: f.readinto(probe, v), TypeError)
m = kpu.load('/sd/iris_nncase01_v3.kmodel')
chk('write a model', lambda: f.write(probe, m), TypeError)
chk('readinto a model', lambda: f.readinto(probe, m), TypeError)
kpu.deinit(m)
chk('readinto bytes', lambda: f.readinto(probe, b'abcd'), TypeError)
chk('Flash(1)', lambda: machine.Flash(1), TypeError)
chk('read 1 arg', lambda: f.read(0), TypeError)
assert f.read(probe, 8192) == keep, 'a refused call changed the flash'
assert f.read(fl, 0) == b'' and f.read(fl - 1, 1) == keep[-1:]
""")


def test_open_and_os_on_kmodel_paths(board):
    setup_files(board)
    run_cases(board, f"""
import os
ENOENT, EEXIST, ENOTDIR, EISDIR = {ENOENT}, {EEXIST}, {ENOTDIR}, {EISDIR}
def errno_is(label, f, n):
    N[0] += 1
    try:
        f()
        BAD.append((label, 'no error'))
    except OSError as e:
        if e.errno != n:
            BAD.append((label, 'errno', e.errno, str(e)))
for p in ('/sd/nope.kmodel', '/nomount/x.kmodel', '/sd/nodir/x.kmodel', '/flash/nope.kmodel'):
    errno_is('open %s' % p, lambda: open(p, 'rb'), ENOENT)
    errno_is('stat %s' % p, lambda: os.stat(p), ENOENT)
    errno_is('remove %s' % p, lambda: os.remove(p), ENOENT)
for d in ('/sd/adir.kmodel', '/sd'):
    errno_is('open dir %s' % d, lambda: open(d, 'rb'), EISDIR)
    errno_is('open dir wb %s' % d, lambda: open(d, 'wb'), EISDIR)
errno_is('remove dir', lambda: os.remove('/sd/adir.kmodel'), EISDIR)
errno_is('listdir file', lambda: os.listdir('/sd/{IRIS}'), ENOTDIR)
errno_is('rmdir file', lambda: os.rmdir('/sd/{IRIS}'), ENOTDIR)
errno_is('mkdir over file', lambda: os.mkdir('/sd/{IRIS}'), EEXIST)
errno_is('chdir file', lambda: os.chdir('/sd/{IRIS}'), ENOTDIR)
errno_is('rename missing', lambda: os.rename('/sd/nope.kmodel', '/sd/nope2.kmodel'), ENOENT)
errno_is('rename to unmounted', lambda: os.rename('/sd/empty.kmodel', '/nomount/e.kmodel'), ENOENT)
errno_is('open under file', lambda: open('/sd/{IRIS}/x', 'rb'), ENOENT)   # FatFs: no such path
for v in (None, 5, 1.5):
    chk('open %r' % type(v), lambda: open(v), TypeError)
    chk('stat %r' % type(v), lambda: os.stat(v), TypeError)
for i, f in enumerate((open, os.stat, os.remove, os.listdir, os.chdir, os.mkdir)):
    chk('path function %d NUL' % i, lambda: f('/sd/{IRIS}\x00x'), ValueError, '/sd/{IRIS}', 'NUL byte')
chk('open mode', lambda: open('/sd/{IRIS}', 'q'), ValueError)
with open('/sd/empty.kmodel', 'rb') as f:
    assert f.read() == b''
assert os.stat('/sd/{IRIS}')[6] == 436 and os.stat('/sd/adir.kmodel')[0] & 0x4000
""")


def test_frozen_helpers_bad_input(board):
    setup_files(board)
    bmp = model_bytes("yolo20class_dog_320x240.bmp")
    board.put(bmp[:30], "/sd/head.bmp")
    board.put(bmp[:2000], "/sd/cut.bmp")
    board.put(b"P5\n4 4\n255\n" + bytes(3), "/sd/cut.pgm")
    board.put(b"P6\n4 x\n255\n", "/sd/nan.ppm")
    board.put(b"P5\n2 2\n65535\n" + bytes(8), "/sd/deep.pgm")
    board.put(b"P5\n4", "/sd/short.pgm")
    board.put(b"\x00" * 64, "/sd/zero.bmp")
    run_cases(board, f"""
import imgfile, model_manager, KPU, array
chk('img empty', lambda: imgfile.load('/sd/empty.kmodel'), ValueError, '/sd/empty.kmodel', 'not a BMP')
chk('img garbage', lambda: imgfile.load('/sd/garbage.kmodel'), ValueError, '/sd/garbage.kmodel', 'not a BMP')
chk('img zeros', lambda: imgfile.load('/sd/zero.bmp'), ValueError, '/sd/zero.bmp', 'not a BMP')
chk('img bmp head', lambda: imgfile.load('/sd/head.bmp'), ValueError, '/sd/head.bmp', 'header truncated (30 of 54')
chk('img bmp cut', lambda: imgfile.load('/sd/cut.bmp'), ValueError, '/sd/cut.bmp', 'pixel data ends in row')
chk('img pgm cut', lambda: imgfile.load('/sd/cut.pgm'), ValueError, '/sd/cut.pgm', '3 of 16 bytes')
chk('img pgm short', lambda: imgfile.load('/sd/short.pgm'), ValueError, '/sd/short.pgm', 'truncated')
chk('img ppm nan', lambda: imgfile.load('/sd/nan.ppm'), ValueError, '/sd/nan.ppm', 'not numeric')
chk('img pgm 16-bit', lambda: imgfile.load('/sd/deep.pgm'), ValueError, '/sd/deep.pgm', 'maxval 65535')
chk('img dir', lambda: imgfile.load('/sd/adir.kmodel'), OSError, '21')
chk('img missing', lambda: imgfile.load('/sd/nope.bmp'), OSError, '2')
chk('img unmounted', lambda: imgfile.load('/nomount/a.bmp'), OSError, '2')
chk('img None', lambda: imgfile.load(None), TypeError)
# model_manager
M = model_manager
for p, e, w in (('/sd/empty.kmodel', ValueError, '/sd/empty.kmodel'), ('/sd/garbage.kmodel', ValueError, 'garbage'),
                ('/sd/adir.kmodel', OSError, 'directory'), ('/nomount/a.kmodel', OSError, 'no such file'),
                (-1, ValueError, '-1'), (None, TypeError, 'NoneType')):
    chk('Model(%r)' % (p,), lambda: M.Model(p), e, w)
    mg = M.Manager()
    chk('switch(%r)' % (p,), lambda: mg.switch(p), e, w)
    assert mg.current is None
chk('Model size=0', lambda: M.Model('/sd/{IRIS}', 0), ValueError, 'size=0')
mm = M.Model('/sd/{IRIS}')
mm.deinit()
mm.deinit()   # idempotent on the wrapper
chk('Model forward deinit', lambda: mm.forward(b''), ValueError, '/sd/{IRIS}', "deinit'ed", 'load it again')
chk('Model netinfo deinit', lambda: mm.netinfo(), ValueError, "deinit'ed")
mem0 = kpu.mem_info()
with M.Manager() as mg:
    a = mg.switch('/sd/{IRIS}')
    try:
        mg.switch('/sd/garbage.kmodel')
        BAD.append('switch to garbage loaded')
    except ValueError as e:
        assert 'garbage' in str(e), e
    # switch deinits the current model first, by design: nothing stays loaded
    assert mg.current is None and a.handle is None and kpu.mem_info() == mem0
chk('Model forward short', lambda: M.Model('/sd/{IRIS}').forward(bytes(3)), ValueError, '16 bytes', '3 bytes')
# KPU (MaixPy API)
n = KPU.load('/sd/{IRIS}')
chk('KPU.forward short', lambda: KPU.forward(n, b'abc'), ValueError, '16 bytes')
chk('KPU.forward dir', lambda: KPU.forward(n, '/sd/adir.kmodel'), OSError)
chk('KPU.set_outputs bad', lambda: KPU.set_outputs(n, 0, 2, 2, 2), ValueError, '3 values')
chk('KPU.init_yolo2 anchors', lambda: KPU.init_yolo2(n, 0.5, 0.3, 5, [1.0] * 3), ValueError, '3 anchor values')
chk('KPU.run_yolo2 no init', lambda: KPU.run_yolo2(n, b''), ValueError, 'init_yolo2')
KPU.deinit(n)
chk('KPU.forward None img', lambda: KPU.forward(None, '/sd/cut.pgm'), TypeError, 'expected a model', 'NoneType')
chk('KPU.run_yolo2 None', lambda: KPU.run_yolo2(None, b''), ValueError, 'init_yolo2')
chk('KPU.forward deinit img', lambda: KPU.forward(n, '/sd/cut.pgm'), ValueError, "'/sd/{IRIS}'", 'deinitialised', 'load it again')
chk('KPU.deinit twice', lambda: KPU.deinit(n), ValueError, 'deinitialised')
chk('KPU.forward deinit', lambda: KPU.forward(n, array.array('f', [0.0] * 4)), ValueError, 'deinitialised')
""")


def _wait_text(t, marker: bytes, timeout: float) -> bytes:
    return t.read_until(marker, timeout)


@pytest.mark.parametrize("name", [YOLO, "yolo20class_nncase02_v4.kmodel"])
def test_ctrl_c_mid_forward_leaves_model_usable(board, name):
    """A Ctrl-C during a long YOLO forward raises KeyboardInterrupt at a layer (v4: node) boundary
    inside kpu.forward; the model stays loaded, mem_info is unchanged and the next forward matches."""
    try:
        _ctrl_c_mid_forward(board, name)
    finally:   # megabytes other tests' SD-full checks should not inherit
        board.reset()
        board.exec(f"import os\nfor p in ('/sd/{name}', '/sd/dog.bin'):\n    try:\n        os.remove(p)\n    except OSError:\n        pass\n")


def _ctrl_c_mid_forward(board, name: str) -> None:
    put_model(board, name)
    board.put(model_bytes("yolo20class_dog_320x240_rgb_chw.bin"), "/sd/dog.bin")
    board.exec(f"""
import kpu, gc, binascii
m = kpu.load('/sd/{name}')
img = '/sd/dog.bin'   # a path: read into the model's input buffer, nothing on the GC heap
ref = binascii.crc32(kpu.forward(m, img))
mem0 = kpu.mem_info()
gc.collect()
def stale(v):
    try:
        len(v)
        return False
    except ValueError as e:
        return 'earlier run' in str(e)
""", timeout=120)
    t = board.t
    for attempt in range(2):   # the first interrupt after a warm-up forward, then once more
        # nothing but forwards in the loop, so the interrupt lands inside one whatever the delays
        # (line 5 carries the loop's back-edge, where the VM itself would raise the interrupt);
        # n is set before the loop too, so a loaded host that interrupts the first loop forward
        # still finds it
        t.exec_no_follow("o = kpu.forward(m, img); n = 1\nprint('warm')\nwhile True:\n    o = kpu.forward(m, img)\n    n = 1\n")
        _wait_text(t, b"warm\r\n", 120)
        time.sleep(0.05 + 0.1 * attempt)
        t.write(b"\x03")
        out, err = t.follow(60)
        text = err.decode(errors="replace")
        assert "KeyboardInterrupt" in text, text
        # raised inside kpu.forward (line 4 of the program) at a layer boundary, not at the
        # loop's back-edge after the forward ran to its end
        assert "line 4," in text, text
    # o, the view of the last complete run, is stale: the interrupted run overwrote its memory
    res = board.eval(f"(m.live, kpu.mem_info() == mem0, stale(o), binascii.crc32(kpu.forward(m, img)) == ref, "
                     f"n == 1)", timeout=120)
    assert res == (True, True, True, True, True)
    assert board.eval("kpu.deinit(m)") is True
    assert board.eval("kpu.mem_info()['models_bytes']") == 0


def test_ctrl_c_mid_forward_then_deinit_frees_cleanly(board):
    need_models()            # before the try: without models there is nothing to clean up
    try:
        _ctrl_c_then_deinit(board)
    finally:
        board.reset()
        board.exec(f"import os\nfor p in ('/sd/{YOLO}', '/sd/dog.bin'):\n    try:\n        os.remove(p)\n    except OSError:\n        pass\n")


def _ctrl_c_then_deinit(board) -> None:
    put_model(board, YOLO)
    put_model(board, "yolo20class_dog_320x240_rgb_chw.bin", "/sd/dog.bin")
    board.exec(f"""
import kpu
mem0 = kpu.mem_info()
m = kpu.load('/sd/{YOLO}')
img = '/sd/dog.bin'   # a path: the input buffer is the model's, freed by deinit
""", timeout=60)
    t = board.t
    t.exec_no_follow("print('go')\nwhile True:\n    kpu.forward(m, img)\n")
    _wait_text(t, b"go\r\n", 30)
    time.sleep(0.3)
    t.write(b"\x03")
    out, err = t.follow(60)
    assert b"KeyboardInterrupt" in err
    assert board.eval("(kpu.deinit(m), kpu.mem_info() == mem0)") == (True, True)
    with pytest.raises(Exception, match="was deinitialised"):
        board.exec("kpu.forward(m, img)")
