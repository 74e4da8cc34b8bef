"""Commands of the host preview: `k210 snapshot OUT.png [SCRIPT]` saves the board's LCD frame as a
PNG; `k210 view [SCRIPT]` serves a live page of it and of the camera's last snapshot on localhost.
Both read the frames over the REPL line (docs/host-protocol.md section 8), so they work on the
simulated board and on a real one."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable

from . import png
from .errors import K210Error
from .preview import Preview, PreviewState
from .registry import Command, Session

SCALES = {1: 0, 2: 1, 4: 2, 8: 3}
NO_FRAME_HINT = ("the board shows no LCD frame (nothing called lcd.display() since its reset, or its "
                 "firmware has no lcd module): give a SCRIPT that displays one")


def _read_script(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as e:
        raise K210Error(f"{path}: {e.strerror}") from None


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--scale", type=int, choices=sorted(SCALES), default=1,
                   help="the board sends every Nth pixel of every Nth row (1: full frame; on a real board at "
                        "115200 baud a 320x240 frame takes ~13 s, at --scale 4 under 1 s)")


class _Echo:
    """Prints board output the preview collected since the last call."""

    def __init__(self, p: Preview) -> None:
        self.p, self.pos = p, 0

    def __call__(self) -> None:
        text, self.pos = self.p.output_since(self.pos)
        if text:
            sys.stdout.write(text)
            sys.stdout.flush()


def _wait(p: Preview, pred: Callable[[PreviewState], bool], timeout: float, echo: _Echo) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if p.wait(pred, 0.1):
            echo()
            return True
        echo()
    return False


def snapshot_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", type=Path, help="PNG file to write")
    p.add_argument("script", type=Path, nargs="?", help="local .py to run first (sent, not copied); without it "
                   "the board is not interrupted and its current frame is saved")
    p.add_argument("--after", type=int, default=1, metavar="N",
                   help="with SCRIPT: save the frame once the script has displayed N frames (default 1)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the frame (default 60)")
    _common(p)


def snapshot_run(args: argparse.Namespace, s: Session) -> int:
    code = _read_script(args.script)
    if args.after < 1:
        raise K210Error(f"--after {args.after}: give a number of frames from 1")
    if args.out.suffix.lower() != ".png":
        raise K210Error(f"{args.out}: the snapshot is written as PNG; name the file .png")
    board = s.connect(raw=code is not None)
    p = Preview(board.t, SCALES[args.scale]).start()
    echo = _Echo(p)
    try:
        answered = lambda st: st.frame is not None or st.none_seen or bool(st.no_answer)   # noqa: E731
        if not _wait(p, answered, args.timeout, echo):
            raise K210Error(f"no frame from the board within {args.timeout:g}s (--timeout)")
        if p.state.no_answer:
            raise K210Error(p.state.no_answer)
        if code is None:
            if p.state.frame is None:
                raise K210Error(NO_FRAME_HINT)
        else:
            base = p.state.frame_no if p.state.frame else 0
            target = base + args.after

            def done(st: PreviewState) -> bool:
                return (st.frame is not None and st.frame_no >= target) or bool(st.finished)

            p.run(code)
            if not _wait(p, done, args.timeout, echo):
                raise K210Error(f"the script displayed {p.state.frame_no - base} of {args.after} frames "
                                f"in {args.timeout:g}s (--after, --timeout)")
            if p.state.finished and not (p.state.frame and p.state.frame_no >= target):
                # it ended: the LCD keeps its last frame, ask once more
                got = p.state.frame_no
                _wait(p, lambda st: st.frame_no > got or st.none_seen, 3.0, echo)
                if not (p.state.frame and p.state.frame_no >= target):
                    shown = p.state.frame_no - base if p.state.frame else 0
                    why = "raised" if p.state.finished == "raised" else p.state.finished
                    raise K210Error(f"the script {why} after displaying {shown} of {args.after} frames"
                                    + ("" if shown else f"; {NO_FRAME_HINT}"))
        f = p.state.frame
        png.write_rgb(args.out, f.width, f.height, f.rgb888())
        if p.state.running:
            p.interrupt()     # its KeyboardInterrupt traceback is ours: not echoed
            p.wait(lambda st: not st.running, 10.0)
        print(f"{args.out}: {f.width}x{f.height} frame #{f.frame_no}", file=sys.stderr)
        return 0
    finally:
        p.close()


def view_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("script", type=Path, nargs="?", help="local .py to run on the board (Run again on the page "
                   "restarts it); without it the board is not interrupted")
    p.add_argument("--http-port", type=int, default=8210, help="localhost port of the page (default 8210; 0: any free)")
    p.add_argument("--zoom", type=int, default=2, help="page pixels per LCD pixel (default 2)")
    p.add_argument("--fps", type=float, default=30.0, help="most frames a second to ask for (default 30)")
    p.add_argument("--no-browser", action="store_true", help="print the address instead of opening a browser")
    p.add_argument("--duration", type=float, default=None, help=argparse.SUPPRESS)   # tests: stop after S seconds
    _common(p)


def view_run(args: argparse.Namespace, s: Session) -> int:
    code = _read_script(args.script)
    if not 1 <= args.zoom <= 8:
        raise K210Error(f"--zoom {args.zoom}: give 1 to 8")
    board = s.connect(raw=code is not None)
    p = Preview(board.t, SCALES[args.scale], max_fps=args.fps, snapshots=True).start()
    from .viewserver import ViewServer
    try:
        try:
            server = ViewServer(p, board.t.name, args.http_port, args.zoom,
                                (320 // args.scale, 240 // args.scale), code)
        except OSError as e:
            raise K210Error(f"--http-port {args.http_port}: cannot listen on 127.0.0.1 ({e.strerror}); "
                            "pick another port or 0") from None
        if code is not None:
            p.run(code)
        print(f"k210 view: {server.url} (board {board.t.name}); Ctrl-C quits", flush=True)
        if not args.no_browser:
            import webbrowser
            webbrowser.open(server.url)
        if args.duration is not None:
            import threading
            threading.Timer(args.duration, server.shutdown).start()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            server.shutdown()
        return 0
    finally:
        p.close()


COMMANDS = [
    Command("snapshot", "save the board's LCD frame as a PNG (optionally after running a script)",
            snapshot_build, snapshot_run),
    Command("view", "live preview of the board's LCD and last camera snapshot in the browser, with FPS and the printed output",
            view_build, view_run),
]
