"""Benchmark of the kpu module on the simulated board: per real v3, v4 and v5 model, the bytes the
SRAM ledger charges, load time from SD and from a flash offset, forward time, the reference's
time for the same forward in this process (v3: the numpy model tests/kpuref; v4: the host-side v4
runner of tests/v4ref, i.e. the C runtime ops with the numpy KPU behind the seam; v5: the numpy
interpreter tests/v5ref) and their ratio, then the predicted silicon time (k210tools/kmodel/timing.py,
the same figures as kpu.netinfo's predicted_ms) beside the published silicon figure where one exists,
and the GC bytes one forward allocates the old way (input read() into bytes, output copied to a new
array, as forward returned before) next to the new (input from a path or a buffer used in place, output
read in place by an output view rebound with out=); "fails" when the old way cannot allocate.
K210_KPUSIM_PORTABLE=1 ./scripts/bench measures the portable kernels instead of the SIMD ones
(K210_KPUSIM_NO_VNNI=1: plain AVX2; K210_KPUSIM_NO_AVX512=1: no 16-lane BN loop);
K210_SIM_THREADS=N the simulated KPU on N threads (default 2 on a host with 2 or more CPUs).
Usage: ./scripts/bench [--runs N] [--ref-runs N]"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from k210tools.board import Board  # noqa: E402
from k210tools.errors import BoardError  # noqa: E402
from k210tools.modeldir import available, missing_reason, model_file  # noqa: E402
from kpu_board import IRIS_IN, put_model, to_flash  # noqa: E402

# Published silicon figures (ms) for the shared models, from the issue that asked for the
# prediction: 20-class YOLOv2 ~15-20 ms KPU (midpoint), YOLOv2 face 24 ms (MaixPy),
# RFB-320 164.8 ms (nncase example, CPU ops included).
PUBLISHED = {
    "facedetect_maixpy_0x300000_v3.kmodel": 24.0,
    "yolo20class_nncase01_v3.kmodel": 17.5,
    "yolo20class_nncase02_v4.kmodel": 17.5,
    "facedetect_rfb320_nncase02_v4.kmodel": 164.8,
}

CASES = [  # model, input file (None: the model's own kind of zeros / the iris sample)
    ("iris_nncase01_v3.kmodel", None),
    ("mnist_maixpy_v3.kmodel", None),
    ("facedetect_maixpy_0x300000_v3.kmodel", "facedetect_crowd_320x240_rgb_chw.bin"),
    ("yolo20class_nncase01_v3.kmodel", "yolo20class_dog_320x240_rgb_chw.bin"),
    ("iris_nncase02_v4.kmodel", None),
    ("yolo20class_nncase02_v4.kmodel", "yolo20class_dog_320x240_rgb_chw.bin"),
    ("facedetect_rfb320_nncase02_v4.kmodel", "facedetect_crowd_320x240_rgb_chw.bin"),
    ("mnist_canmv_v4.kmodel", None),
    ("mobilenetv1_0.25_feature_canmv_v4.kmodel", None),
    ("yolox_nano_224_k210_v5.kmodel", "yolox_nano_224_person_input_u8_chw.bin"),
    ("mnist_cpu_benchmark_v5.kmodel", None),
]


def measure(board: Board, model: str, inp: str | None, runs: int) -> tuple[int, float, float, float, int, int]:
    remote = put_model(board, model)
    if inp:
        put_model(board, inp)
    to_flash(board, remote, 0x300000)
    board.reset()
    out = board.exec(
        "import kpu, time, os, array, gc\n"
        # the timed input sits in a LedgerBuf (ledger pool), read once
        + (f"x = kpu.LedgerBuf(os.stat('/sd/{inp}')[6], 'bench input'); open('/sd/{inp}', 'rb').readinto(x)\n"
           if inp else "x = None\n")
        + f"t0 = time.ticks_us(); m = kpu.load({remote!r}); t1 = time.ticks_us()\n"
        "kpu.deinit(m); t2 = time.ticks_us(); m = kpu.load(0x300000); t3 = time.ticks_us()\n"
        f"x = x or (array.array('f', {IRIS_IN}) if m.input_type != 'B' and m.input_bytes == 16 else bytes(m.input_bytes))\n"
        "kpu.forward(m, x)\n"
        "t4 = time.ticks_us()\n"
        f"for i in range({runs}):\n"
        "    kpu.forward(m, x)\n"
        "t5 = time.ticks_us()\n"
        "def per_forward(fn, n):\n"
        "    fn()\n"
        "    gc.collect()\n"
        "    gc.disable()\n"
        "    m0 = gc.mem_free()\n"
        "    try:\n"
        "        for i in range(n):\n"
        "            fn()\n"
        "        r = (m0 - gc.mem_free()) // n\n"
        "    except MemoryError:\n"
        "        r = -1\n"
        "    gc.enable()\n"
        "    return r\n"
        f"src = '/sd/{inp}' if {bool(inp)!r} else x\n"
        "def old():\n"
        "    if isinstance(src, str):\n"
        "        with open(src, 'rb') as f:\n"
        "            return kpu.forward(m, f.read()).copy()\n"
        "    return kpu.forward(m, src).copy()\n"
        "v = kpu.forward(m, src)\n"
        "new = per_forward(lambda: kpu.forward(m, src, out=v), 3)\n"
        "v = None\n"
        "x = None\n"
        "gc.collect()\n"
        "print(m.charge, time.ticks_diff(t1, t0), time.ticks_diff(t3, t2), time.ticks_diff(t5, t4) / "
        f"{runs}, per_forward(old, 1), new)\n",
        timeout=300)
    charge, sd_us, flash_us, fwd_us, old_b, new_b = out.split()
    return int(charge), int(sd_us) / 1000, int(flash_us) / 1000, float(fwd_us) / 1000, int(old_b), int(new_b)


def reference_ms(model: str, inp: str | None, runs: int) -> float:
    """The reference forward's mean time over runs timed runs after one untimed one, as the
    simulated board's column (one warm-up forward, then the mean of --runs)."""
    one = lambda: reference_once_ms(model, inp)  # noqa: E731
    one()
    return sum(one() for _ in range(runs)) / runs


def reference_once_ms(model: str, inp: str | None) -> float:
    import numpy as np
    data = model_file(model).read_bytes()
    if inp:
        x: bytes | None = model_file(inp).read_bytes()
    elif "iris" in model:
        x = np.array(IRIS_IN, np.float32).tobytes()
    else:
        x = None      # zeros of the model's input size, as on the board
    if data[:8] == b"LDMK\x05\x00\x00\x00":
        return v5_reference_ms(data, x)
    if data[:4] == b"LDMK":
        return v4_reference_ms(data, x)
    from kpuref import v3 as ref
    x = x if x is not None else bytes(28 * 28)
    t = time.perf_counter()
    ref.run_model(data, x, rule="nncase01")
    return (time.perf_counter() - t) * 1000


_V4_LIB = None


def v5_reference_ms(data: bytes, x: bytes | None) -> float:
    """The forward through tests/v5ref (the numpy stackvm interpreter and k210 module), parse excluded."""
    from k210tools.kmodel import v5
    from v5ref.run import run_model
    m = v5.parse(data)
    x = x if x is not None else bytes(m.entry.inputs[0].nbytes)
    t = time.perf_counter()
    run_model(data, [x], m)
    return (time.perf_counter() - t) * 1000


def v4_reference_ms(data: bytes, x: bytes | None) -> float:
    """The forward through tests/v4ref's runner (as tests/core/test_v4_models_host.py uses it)."""
    global _V4_LIB
    sys.path.insert(0, str(ROOT / "tests" / "v4ref"))
    import kpu as v4kpu                 # tests/v4ref/kpu.py: the numpy KPU
    from clib import Lib, Loaded
    if _V4_LIB is None:
        _V4_LIB = Lib("numpy")
        _V4_LIB.layer_fn = lambda words, rule: (v4kpu.run_layer(words, _V4_LIB.ai, _V4_LIB.read_bus), 0)[1]
    m = Loaded(_V4_LIB, data)
    m.set_input(x if x is not None else bytes(input_bytes(data)))
    t = time.perf_counter()
    m.run()
    return (time.perf_counter() - t) * 1000


def input_bytes(v4_data: bytes) -> int:
    """Planar bytes of input 0 (the board's m.input_bytes): shape product times 4 (f32) or 1 (u8)."""
    from k210tools.kmodel import v4
    m = v4.parse(v4_data)
    n = 1
    for d in m.input_shapes[0]:
        n *= d
    return n * (4 if m.inputs[0].dtype == 0 else 1)


def predicted_ms(model: str) -> float | None:
    """None for v5: the timing model (kmodel/timing.py) reads v3/v4 layer tables only."""
    from k210tools.kmodel import timing
    if model_file(model).read_bytes()[:8] == b"LDMK\x05\x00\x00\x00":
        return None
    return sum(timing.layer_ms(g) for g in timing.geometry(model_file(model).read_bytes()))


def mobilenet_v1_ms() -> float:
    """MobileNet v1 1.0 at 224x224 (1000 classes; no such file is shared, so its geometry is
    written out here): the prediction for the published ~40 ms from RAM."""
    from k210tools.kmodel import timing
    G = timing.Geometry
    geo = [G("K210_CONV", True, (3, 224, 224), (32, 112, 112))]
    for ci, size, co in [(32, 112, 64), (64, 112, 128), (128, 56, 128), (128, 56, 256), (256, 28, 256),
                         (256, 28, 512)] + [(512, 14, 512)] * 5 + [(512, 14, 1024), (1024, 7, 1024)]:
        geo.append(G("K210_CONV", True, (ci, size, size), (ci, size, size), depthwise=True))
        geo.append(G("K210_CONV", True, (ci, size, size), (co, size, size)))
    geo.append(G("K210_CONV", True, (1024, 4, 4), (1000, 1, 1), main_out=True))
    return sum(timing.layer_ms(g) for g in geo)


def mobilenet_v1_stream(window: int | None, buffers: int):
    """MobileNet v1 1.0 geometry (as mobilenet_v1_ms) with its 8-bit KPU weights as streamed
    ranges: (geometry, plan)."""
    from k210tools.kmodel import stream, timing
    G = timing.Geometry
    geo = [G("K210_CONV", True, (3, 224, 224), (32, 112, 112))]
    weights = [3 * 9 * 32]
    for ci, size, co in [(32, 112, 64), (64, 112, 128), (128, 56, 128), (128, 56, 256), (256, 28, 256),
                         (256, 28, 512)] + [(512, 14, 512)] * 5 + [(512, 14, 1024), (1024, 7, 1024)]:
        geo.append(G("K210_CONV", True, (ci, size, size), (ci, size, size), depthwise=True))
        weights.append(9 * ci)
        geo.append(G("K210_CONV", True, (ci, size, size), (co, size, size)))
        weights.append(ci * co)
    geo.append(G("K210_CONV", True, (1024, 4, 4), (1000, 1, 1), main_out=True))
    weights.append(1024 * 1000)
    rg = []
    for i, (g, w) in enumerate(zip(geo, weights)):
        ow = g.out_shape[2]
        rg.append(stream.Range(i, 0, w, g.out_shape[0], 4 if ow <= 16 else 2 if ow <= 32 else 1, g.depthwise))
    win, reads = stream.split(rg, window)
    return geo, stream.Plan(rg, 0, win, buffers, sum(weights), reads)


def _mhz_for(ratio: float, predict) -> float:
    """The flash clock (MHz) at which the double-buffered streamed forward is ratio x resident."""
    lo, hi = 1e6, 4e9
    for _ in range(60):
        mid = (lo + hi) / 2
        res, st, _ = predict(int(mid))
        lo, hi = (mid, hi) if st > ratio * res else (lo, mid)
    return hi / 1e6


def stream_table(streamed: dict) -> None:
    """Predicted forward times streamed from flash (k210tools/kmodel/stream.py, the firmware's
    kpu.stream_info figures) against resident, beside MaixPy's published load_flash figures, and
    the flash clock a forward within 1.3x of resident would need."""
    from k210tools.kmodel import stream, timing
    print(f"streamed from flash (kpu.load(offset, stream=True)): predicted at {stream.DEFAULT_SPI_HZ // 10**6} MHz quad "
          "SPI, default window (64 KiB); sim = charge and flash bytes one forward read on the simulated board")
    print(f"{'model':40} {'weights B':>10} {'charge B':>10} {'sim flash B':>11} {'resident':>9} {'1 buf':>8} {'2 bufs':>8} "
          f"{'x':>6} {'MHz for 1.3x':>12} {'MaixPy RAM/1/2 (ms)':>20}")
    rows = []
    for model, _ in CASES:
        data = model_file(model).read_bytes()
        if data[:4] != b"\x03\x00\x00\x00":
            continue
        geo = timing.geometry(data)
        plans = [stream.plan(data, None, b) for b in (1, 2)]
        pub = {"facedetect_maixpy_0x300000_v3.kmodel": "24 / 34-37"}.get(model, "-")
        rows.append((model, geo, plans, pub, streamed.get(model)))
    geo_mn, plan_mn1 = mobilenet_v1_stream(None, 1)
    _, plan_mn2 = mobilenet_v1_stream(None, 2)
    rows.append(("MobileNet v1 1.0 224 (geometry only)", geo_mn, [plan_mn1, plan_mn2], "40 / 106 / 83", None))
    for name, geo, (p1, p2), pub, sim in rows:
        res, t1, _ = stream.predict_geometry(geo, p1)
        _, t2, _ = stream.predict_geometry(geo, p2)
        mhz = _mhz_for(1.3, lambda hz: stream.predict_geometry(geo, p2, hz)) if p2.ranges else 0.0
        charge = f"{sim[0]:>10,}" if sim else f"{'-':>10}"
        flash = f"{sim[1]:>11,}" if sim else f"{'-':>11}"
        print(f"{name:40} {p2.flash:>10,} {charge} {flash} {res:>9.2f} {t1:>8.2f} {t2:>8.2f} {t2 / res:>6.2f} "
              f"{mhz:>12.0f} {pub:>20}")
    print("  1.3x needs the weights read within ~1.3x the resident forward, overlapped layer by layer: a quad SPI NOR\n"
          "  flash moves 4 bits per clock, 40 MB/s at MaixPy's 80 MHz, 66.5 MB/s at the flash's 133 MHz, so a model\n"
          "  with more than ~52 (80 MHz) or ~86 (133 MHz) weight bytes per microsecond of resident forward cannot get\n"
          "  there (YOLO 20-class: 156 B/us; MobileNet 1.0: 97 B/us), and uneven layers need more than that average.")


def streamed_on_board(board: Board, inp: str | None) -> tuple[int, int]:
    """(charge, flash bytes the forward read) of the model at flash 0x300000 loaded stream=True."""
    out = board.exec(
        "import kpu, os\n"
        + (f"x = kpu.LedgerBuf(os.stat('/sd/{inp}')[6], 'bench input'); open('/sd/{inp}', 'rb').readinto(x)\n"
           if inp else "x = None\n")
        + "m = kpu.load(0x300000, stream=True)\n"
        "kpu.forward(m, x or bytes(m.input_bytes) if m.input_type == 'B' or m.input_bytes != 16 else "
        f"__import__('array').array('f', {IRIS_IN}))\n"
        "print(m.charge, kpu.stream_info(m)['last_forward_flash'])\n"
        "kpu.deinit(m)\n", timeout=300)
    charge, flash = out.split()
    return int(charge), int(flash)


def cpu_simd() -> str:
    """The SIMD extensions the kernels choose between, as /proc/cpuinfo names them."""
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "unknown"
    return " ".join(f for f in ("avx2", "avx_vnni", "avx512f", "avx512_vnni") if f in flags) or "none of AVX2/VNNI/AVX-512"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="forwards averaged per model (default 3)")
    ap.add_argument("--ref-runs", type=int, default=3,
                    help="reference forwards averaged per model, after an untimed one (default 3)")
    args = ap.parse_args()
    if not available():
        print(f"bench: nothing to measure: {missing_reason()}", file=sys.stderr)
        return 1
    board = Board.connect("sim", state_dir=Path(tempfile.mkdtemp(prefix="k210-bench-")))
    try:
        def env_on(name: str) -> bool:
            return os.environ.get(name, "0") not in ("", "0")
        kernels = ("portable" if env_on("K210_KPUSIM_PORTABLE") else "AVX2 only" if env_on("K210_KPUSIM_NO_VNNI")
                   else "AVX2 (+AVX-VNNI) if the CPU has it" if env_on("K210_KPUSIM_NO_AVX512")
                   else "the best the CPU has of AVX2, AVX-VNNI, AVX-512 (BN loop; with AVX-512 VNNI the "
                        "16-lane and byte-product conv kernels)")
        threads = os.environ.get("K210_SIM_THREADS") or f"default ({2 if (os.cpu_count() or 1) >= 2 else 1})"
        print(f"kpusim kernels: {kernels}; CPU has: {cpu_simd()}; threads: {threads}; "
              f"load average before: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
        print(f"{'model':40} {'charge B':>10} {'load SD':>8} {'load fl':>8} {'sim ms':>8} {'numpy ms':>9} "
              f"{'x faster':>8} {'pred ms':>8} {'publ ms':>8} {'pred/publ':>9} {'GC B/fwd old':>12} {'GC B/fwd new':>12}")
        streamed: dict = {}
        for model, inp in CASES:
            ref = reference_ms(model, inp, args.ref_runs)
            try:
                charge, sd, flash, fwd, old_b, new_b = measure(board, model, inp, args.runs)
            except BoardError as e:       # e.g. a format this firmware does not load: say so, go on
                print(f"{model:40} {'-':>10} {'-':>8} {'-':>8} {'-':>8} {ref:>9.1f}  board: {e.last_line}")
                board.reset()
                continue
            pred = predicted_ms(model)
            pub = PUBLISHED.get(model)
            ratio = f"{ref / fwd:8.1f}" if fwd > 0 else f"{'-':>8}"
            pubs = f"{pub:8.1f} {pred / pub:9.2f}" if pub and pred else f"{'-':>8} {'-':>9}"
            preds = f"{pred:>8.2f}" if pred is not None else f"{'-':>8}"
            olds = f"{old_b:>12,}" if old_b >= 0 else f"{'fails':>12}"
            print(f"{model:40} {charge:>10,} {sd:>8.2f} {flash:>8.2f} {fwd:>8.2f} {ref:>9.1f} {ratio} {preds} {pubs} "
                  f"{olds} {new_b:>12,}")
            if model_file(model).read_bytes()[:4] == b"\x03\x00\x00\x00":
                streamed[model] = streamed_on_board(board, inp)
        mn = mobilenet_v1_ms()
        print(f"{'MobileNet v1 1.0 224 (geometry only)':40} {'':>10} {'':>8} {'':>8} {'-':>8} {'-':>9} {'-':>8} "
              f"{mn:>8.2f} {40.0:8.1f} {mn / 40.0:9.2f}")
        stream_table(streamed)
        print(f"load average after: {os.getloadavg()[0]:.2f}")
    finally:
        board.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
