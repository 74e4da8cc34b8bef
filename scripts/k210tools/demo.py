"""The demo (./scripts/demo): train + compile the digit CNN (cached under build/demo/ by code hash),
push it with 20 held-out PGM digits to the board, classify them there with the frozen helpers,
compare with the host float model, check the memory ledger, then run the 20-class YOLO on dog.bmp
from the model directory (k210tools.modeldir; one "skipped" line when that directory is absent),
and last the same detector on the camera (the simulated board's camera shows dog.bmp), its
annotated LCD frame saved as build/demo/yolo20_lcd.png through the preview protocol.
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
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


CAMERA_FRAMES = 5
LCD_PNG = ROOT / "build" / "demo" / "yolo20_lcd.png"


def camera(board: Board, port: str) -> bool:
    """The detector on the camera, frames on the LCD; the last LCD frame saved as a PNG."""
    from . import png
    from .preview import Preview
    say(f"running the 20-class YOLOv2 on the camera for {CAMERA_FRAMES} frames, boxes drawn, frames on the LCD")
    board.reset()
    script = HERE / "board_scripts" / "demo_camera.py"
    p = Preview(board.t).start()
    try:
        p.run(b"FRAMES = %d\n" % CAMERA_FRAMES + script.read_bytes())
        pos, line = 0, ""
        end = time.monotonic() + 600
        done = False
        while time.monotonic() < end and not done:
            done = p.wait(lambda st: bool(st.finished), 0.2)
            text, pos = p.output_since(pos)
            *whole, line = (line + text).split("\n")
            for w in whole:
                if not w.startswith("RESULT "):
                    print("  " + w, flush=True)
        # the LCD keeps showing the last frame after the script ends: ask for it until it is here
        p.wait(lambda st: st.frame is not None and st.frame_no >= CAMERA_FRAMES, 10.0)
        st = p.state
        result = {}
        for line in st.output.splitlines():
            if line.startswith("RESULT "):
                result = ast.literal_eval(line[7:])
        if st.finished != "finished" or not result:
            say(f"camera: the board script {st.finished or 'did not finish'}:\n{st.error}")
            return False
        if st.frame is None:
            say("camera: no LCD frame came back from the board -> FAIL")
            return False
        LCD_PNG.parent.mkdir(parents=True, exist_ok=True)
        png.write_rgb(LCD_PNG, st.frame.width, st.frame.height, st.frame.rgb888())
    finally:
        p.close()
        board.t.detach_frames()
    found = set(result["found"])
    ok = {"dog", "bicycle", "car"} <= found
    say(f"camera: found {', '.join(sorted(found)) or 'nothing'} in {result['frames']} frames at "
        f"{result['fps']:.1f} fps (simulated board) -> {'PASS' if ok else 'FAIL'}")
    say(f"the annotated LCD frame: {LCD_PNG.relative_to(ROOT)}")
    cam = f"K210_SIM_CAMERA={os.environ.get('K210_SIM_CAMERA', '')} " if port == "sim" else ""
    say(f"watch it live: {cam}.venv/bin/k210 -p {port} view {script.relative_to(ROOT)}")
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="demo", description=__doc__)
    ap.add_argument("--port", default="sim", help="serial port of a real board (default: the simulated board)")
    ap.add_argument("--baud", type=int, default=115200)
    args = ap.parse_args(argv)
    try:
        art = artifacts()
        if args.port == "sim" and models_available():
            os.environ.setdefault("K210_SIM_CAMERA", str(model_file(DOG)))   # the camera shows the dog
        say("connecting to " + ("the simulated board" if args.port == "sim" else args.port))
        board = Board.connect(args.port, args.baud, state_dir=state_dir() if args.port == "sim" else None)
        try:
            board.exec("import os\ntry:\n os.mkdir('/sd/demo')\nexcept OSError:\n pass")
            ok = digits(board, art)
            if models_available():
                ok = yolo(board) and ok
                ok = camera(board, args.port) and ok
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
