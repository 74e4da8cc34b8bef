"""Times the behavioural KPU on the 16 conv layers of the real 320x240 YOLO v3 model
(yolo20class_nncase01_v3.kmodel in the model directory, $K210_MODELS_DIR) with its dog input, and prints a table with
the numpy reference's time for the same layers beside it (CPU time of this process, best of 3).
Run: .venv/bin/python tests/kpusim/bench_kpu_sim.py [model] [input]. No test asserts times."""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kmodel_v3_conv import field, parse, patched  # noqa: E402
from kpusim_lib import KpuSim, build_library, store_map  # noqa: E402
from k210tools.modeldir import models_dir  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MODELS = models_dir()


def load_input(sim: KpuSim, words: list[int], data: bytes) -> None:
    c, h, w = field(words[2], 0, 9) + 1, field(words[3], 10, 18) + 1, field(words[3], 0, 9) + 1
    plane = h * w
    chw = [[data[ci * plane + y * w: ci * plane + (y + 1) * w] for y in range(h)] for ci in range(c)]
    store_map(sim.ai, field(words[1], 0, 14), chw)


def ref_times(sim: KpuSim, model, data: bytes) -> list[float]:
    """The numpy reference (tests/kpuref) on the same layers, for comparison."""
    import numpy as np
    sys.path.insert(0, str(ROOT / "tests"))
    from kpuref import kpu, layout
    ai = np.zeros(layout.AI_SRAM_BYTES, np.uint8)
    store_map(memoryview(ai), field(model.convs[0].words[1], 0, 14),
              np.frombuffer(data, np.uint8).reshape(field(model.convs[0].words[2], 0, 9) + 1, -1,
                                                    field(model.convs[0].words[3], 0, 9) + 1))
    blobs = {}
    for L in model.convs:
        blobs[L.index] = (sim.put(L.weights), sim.put(L.bn), sim.put(L.act, 256))

    def read_main(addr: int, n: int) -> bytes:
        return bytes(sim.sram[addr - 0x80000000:addr - 0x80000000 + n])
    times = []
    for L in model.convs:
        words = patched(L.words, *blobs[L.index], L.main_out is not None)
        t0 = time.process_time()
        kpu.run_layer(words, ai, read_main, rule="nncase02", eight_bit=bool(model.flags & 1))
        times.append(time.process_time() - t0)
    return times


def run_model(sim: KpuSim, model, data: bytes, repeat: int = 1):
    """Runs every conv layer in order; returns [(layer, shape, MACs, seconds)], last DMA out."""
    addrs = []
    for L in model.convs:
        addrs.append((sim.put(L.weights), sim.put(L.bn), sim.put(L.act, 256)))
    sim.weight_bits(8 if model.flags & 1 else 16)
    rows, out = [], None
    for _ in range(repeat):
        load_input(sim, model.convs[0].words, data)
        rows = []
        for L, (wa, ba, aa) in zip(model.convs, addrs):
            w = L.words
            send = L.main_out is not None
            words = patched(w, wa, ba, aa, send)
            ic, oc = field(w[2], 0, 9) + 1, field(w[2], 32, 41) + 1
            iw, ih = field(w[3], 0, 9) + 1, field(w[3], 10, 18) + 1
            k = 3 if field(w[4], 0, 2) else 1
            dw = field(w[0], 3, 3)
            macs = (1 if dw else ic) * oc * k * k * iw * ih
            nbytes = field(w[11], 32, 63) + 1 if send else None
            t0 = time.process_time()
            rc, dma = sim.run(words, nbytes)
            dt = time.process_time() - t0
            if rc != 0:
                raise SystemExit(f"layer {L.index}: kpu_hw_run_layer returned {rc}")
            if dma is not None:
                out = dma
            rows.append((L.index, f"{ic}x{ih}x{iw} -> {oc} {'dw' if dw else ''}{k}x{k} pool{field(w[4], 4, 7)}",
                         macs, dt))
    return rows, out


def main() -> None:
    model_path = Path(sys.argv[1]) if len(sys.argv) > 1 else MODELS / "yolo20class_nncase01_v3.kmodel"
    input_path = Path(sys.argv[2]) if len(sys.argv) > 2 else MODELS / "yolo20class_dog_320x240_rgb_chw.bin"
    sim = KpuSim(build_library())
    model = parse(model_path)
    data = input_path.read_bytes()
    run_model(sim, model, data)                 # warm-up
    best = None
    for _ in range(3):
        sim.reset()
        rows, _ = run_model(sim, model, data)
        if best is None or sum(r[3] for r in rows) < sum(r[3] for r in best):
            best = rows
    sim.reset()
    try:
        ref = ref_times(sim, model, data)
    except ImportError:          # numpy / kpuref not available: C figures only
        ref = [float("nan")] * len(best)
    print(f"{'layer':>5}  {'shape':<40} {'MMAC':>7} {'C ms':>8} {'GMAC/s':>7} {'numpy ms':>9}")
    for (idx, shape, macs, dt), rt in zip(best, ref):
        print(f"{idx:>5}  {shape:<40} {macs / 1e6:7.2f} {dt * 1e3:8.2f} {macs / dt / 1e9:7.2f} {rt * 1e3:9.1f}")
    tm = sum(r[2] for r in best)
    tt = sum(r[3] for r in best)
    print(f"{'total':>5}  {model_path.name:<40} {tm / 1e6:7.2f} {tt * 1e3:8.2f} {tm / tt / 1e9:7.2f} "
          f"{sum(ref) * 1e3:9.1f}")


if __name__ == "__main__":
    main()
