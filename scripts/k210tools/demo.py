"""The demo (./scripts/demo): train + compile the digit CNN (cached under build/demo/ by code hash),
push it with 20 held-out PGM digits to the board, classify them there with the frozen helpers,
compare with the host float model, check the memory ledger, then run the 20-class YOLO on dog.bmp
from the model directory (k210tools.modeldir; one "skipped" line when that directory is absent).
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Dict

import numpy as np

from .board import Board
from .errors import K210Error
from .modeldir import ENV as MODELS_ENV, available as models_available, model_file, models_dir
from .simboard import state_dir

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SOURCES = [HERE / "train_digits.py", HERE / "digits_kmodel.py", HERE / "kmodel" / "v3.py"]
YOLO_MODEL = "yolo20class_nncase01_v3.kmodel"
DOG = "yolo20class_dog_320x240.bmp"


def say(msg: str) -> None:
    print(f"[demo] {msg}", flush=True)


def cache_key() -> str:
    h = hashlib.sha256()
    for p in SOURCES:
        h.update(p.read_bytes())
    import sklearn
    h.update(f"numpy {np.__version__} sklearn {sklearn.__version__}".encode())
    return h.hexdigest()[:16]


def pgm(u8: np.ndarray) -> bytes:
    return b"P5\n%d %d\n255\n" % (u8.shape[1], u8.shape[0]) + u8.astype(np.uint8).tobytes()


def build_artifacts(out: Path) -> Dict:
    """Trains, quantizes, compiles; writes the kmodel, the board's images and meta.json."""
    from . import digits_kmodel as dk
    from . import train_digits as td

    t0 = time.time()
    data = td.load_digits_u8()
    say(f"training the digit CNN on {len(data.train_y)} scikit-learn digits (numpy, seed {td.SEED})")
    params = td.train(data)
    float_acc = td.accuracy(params, data.test_x, data.test_y)
    comp = dk.compile_digits(params, data.train_x[:500])
    quant_acc = dk.quantized_accuracy(comp, data.test_x, data.test_y)
    tmp = out.with_suffix(".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    (tmp / "digits.kmodel").write_bytes(comp.kmodel())
    (tmp / "labels.txt").write_text("".join(f"{d}\n" for d in range(10)))
    lines = []
    for i in range(td.N_BOARD):
        name = f"digit{i:02d}.pgm"
        (tmp / name).write_bytes(pgm(data.test_x[i]))
        lines.append(f"{name} {data.test_y[i]}\n")
    (tmp / "images.txt").write_text("".join(lines))
    (tmp / "heldout.bin").write_bytes(data.test_x.astype(np.uint8).tobytes())
    (tmp / "heldout_labels.bin").write_bytes(data.test_y.astype(np.uint8).tobytes())
    meta = {"float_acc": float_acc, "quant_acc": quant_acc, "n_test": int(len(data.test_y)),
            "n_train": int(len(data.train_y)), "seconds": round(time.time() - t0, 1)}
    (tmp / "meta.json").write_text(json.dumps(meta, indent=1))
    tmp.rename(out)
    return meta


def artifacts() -> Path:
    out = ROOT / "build" / "demo" / cache_key()
    if out.is_dir():
        say(f"model cached in {out.relative_to(ROOT)} (same code: no retraining)")
    else:
        build_artifacts(out)
        say(f"model written to {out.relative_to(ROOT)}")
    return out


def push(board: Board, local: Path, remote: str) -> None:
    """Copies a file unless the board already has the same bytes (a sha256 sidecar says so)."""
    data = local.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    sidecar = remote + ".sha256"
    if board.exists(remote) and board.exists(sidecar) and board.get(sidecar).decode() == digest:
        return
    board.put(data, remote)
    board.put(digest.encode(), sidecar)


def run_board_script(board: Board, script: Path) -> Dict:
    """Soft-resets (a fresh, unfragmented GC heap), streams the board script's output; returns the
    dict on its RESULT line."""
    board.reset()
    result = {}
    buf = bytearray()

    def stream(chunk: bytes) -> None:
        buf.extend(chunk)
        while b"\n" in buf:
            i = buf.index(b"\n")
            line = buf[:i].decode(errors="replace").rstrip("\r")
            del buf[:i + 1]
            if line.startswith("RESULT "):
                result.update(ast.literal_eval(line[7:]))
            else:
                print("  " + line, flush=True)

    board.run(script.read_bytes(), stream)
    return result


def digits(board: Board, art: Path) -> bool:
    meta = json.loads((art / "meta.json").read_text())
    say("pushing the digit model, labels and 20 held-out PGM images to /sd/demo")
    for f in sorted(art.iterdir()):
        if f.name != "meta.json":
            push(board, f, "/sd/demo/" + f.name)
    say("running the classifier on the board")
    r = run_board_script(board, HERE / "board_scripts" / "demo_digits.py")
    board_acc = r["ok"] / r["n"]
    say(f"host float model: {100 * meta['float_acc']:.2f}% on the same {meta['n_test']} held-out digits "
        f"(host quantized arithmetic: {100 * meta['quant_acc']:.2f}%)")
    say(f"board (KPU) model: {100 * board_acc:.2f}%, {100 * (board_acc - meta['float_acc']):+.2f} points")
    same = r["after"] == r["before"]
    say("memory after deinit equals memory before load: " + ("yes" if same else "NO"))
    if not same:
        for k in sorted(set(r["before"]) | set(r["after"])):
            if r["before"].get(k) != r["after"].get(k):
                say(f"  {k}: before {r['before'].get(k)}, after {r['after'].get(k)}")
    ok = same and board_acc >= 0.90 and abs(board_acc - meta["float_acc"]) <= 0.02
    say("digits: " + ("PASS" if ok else "FAIL") + " (needs >= 90% and within 2 points of the float model)")
    return ok


def yolo(board: Board) -> bool:
    model, dog = model_file(YOLO_MODEL), model_file(DOG)
    say(f"pushing {YOLO_MODEL} ({model.stat().st_size:,} B) and {DOG}")
    push(board, model, "/sd/demo/yolo20.kmodel")
    push(board, dog, "/sd/demo/dog.bmp")
    say("running the 20-class YOLOv2 on the board")
    r = run_board_script(board, HERE / "board_scripts" / "demo_yolo.py")
    found = {d[0] for d in r["dets"]}
    same = r["after"] == r["before"]
    ok = {"dog", "bicycle", "car"} <= found and same
    say(f"yolo: found {', '.join(sorted(found)) or 'nothing'}; expected dog, bicycle, car; memory back to "
        f"before load: {'yes' if same else 'NO'} -> {'PASS' if ok else 'FAIL'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="demo", description=__doc__)
    ap.add_argument("--port", default="sim", help="serial port of a real board (default: the simulated board)")
    ap.add_argument("--baud", type=int, default=115200)
    args = ap.parse_args(argv)
    try:
        art = artifacts()
        say("connecting to " + ("the simulated board" if args.port == "sim" else args.port))
        board = Board.connect(args.port, args.baud, state_dir=state_dir() if args.port == "sim" else None)
        try:
            board.exec("import os\ntry:\n os.mkdir('/sd/demo')\nexcept OSError:\n pass")
            ok = digits(board, art)
            if models_available():
                ok = yolo(board) and ok
            else:
                say(f"yolo: skipped: no model directory {models_dir()} (put {YOLO_MODEL} and {DOG} "
                    f"there, or set {MODELS_ENV} to where they are)")
        finally:
            board.close()
    except K210Error as e:
        print(f"demo: {e}", file=sys.stderr)
        return 1
    say("all checks passed" if ok else "some checks FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
