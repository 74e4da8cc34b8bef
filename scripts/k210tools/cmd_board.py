"""Commands that talk to the REPL: ports, repl, exec, run, reset, info, sim."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .registry import Command, Session
from .errors import K210Error
from .transport import Transport


class _Stream:
    """Board output to stdout with CRLF -> LF, also when CR and LF arrive in different reads."""

    def __init__(self) -> None:
        self.cr = False

    def __call__(self, data: bytes) -> None:
        if self.cr:
            data = b"\r" + data
        self.cr = data.endswith(b"\r")
        if self.cr:
            data = data[:-1]
        sys.stdout.buffer.write(data.replace(b"\r\n", b"\n"))
        sys.stdout.buffer.flush()

    def end(self) -> None:
        if self.cr:
            sys.stdout.buffer.write(b"\r")
            self.cr = False
        sys.stdout.buffer.flush()


def _run_streamed(s: Session, code: bytes) -> None:
    out = _Stream()
    try:
        s.board.run(code, out)
    finally:
        out.end()


def ports_run(args: argparse.Namespace, s: Session) -> int:
    from .ports import scan
    found = scan()
    if not found:
        print("no serial ports")
    for p in found:
        if p.is_candidate or args.all:
            print(p.line())
    if not any(p.is_candidate for p in found):
        print("no Maix board among them (CH340 1a86:7523 or FT2232-style 0403:6010); -p sim is the simulated board")
    return 0


def ports_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("-a", "--all", action="store_true", help="list every serial port, not only Maix candidates")


def repl_run(args: argparse.Namespace, s: Session) -> int:
    from .repl import repl
    repl(s.board.t)
    return 0


def exec_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("code", help="Python code to run on the board")


def exec_run(args: argparse.Namespace, s: Session) -> int:
    _run_streamed(s, args.code.encode())
    return 0


def run_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="local .py file; it is sent, not copied to the board")


def run_run(args: argparse.Namespace, s: Session) -> int:
    try:
        code = args.file.read_bytes()
    except OSError as e:
        raise K210Error(f"{args.file}: {e.strerror}") from None
    _run_streamed(s, code)
    return 0


def reset_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("--hard", action="store_true", help="full reset: machine.reset() on the simulated board, "
                   "the board's DTR/RTS reset sequence on a real one (needs --board)")
    p.add_argument("--board", help="board name, for its DTR/RTS reset sequence")


def reset_run(args: argparse.Namespace, s: Session) -> int:
    if not args.hard:
        s.board.reset()
        print(s.board.t.soft_reboot_line.decode(errors="replace") or "soft reset")
        return 0
    b = s.board
    if b.launcher is not None:
        b.t.exec_no_follow("import machine\nmachine.reset()")
    else:
        if not args.board:
            raise K210Error("reset --hard needs --board B (the DTR/RTS wiring differs per board)")
        from .boards import board as board_info
        hard_reset(b.t, board_info(args.board).reset)
    b.t.enter_raw()         # interrupts whatever boot runs and enters the raw REPL afresh
    print("hard reset; " + b.exec("import os\nprint(os.uname().version)").strip())
    return 0


def hard_reset(t: Transport, steps) -> None:
    """Drives the board's plain-reset DTR/RTS sequence (docs/host-tools.md, "Ports"), 100 ms a step."""
    import time
    for dtr, rts in steps:
        t.set_lines(dtr, rts)
        time.sleep(0.1)


def info_run(args: argparse.Namespace, s: Session) -> int:
    print(s.board.info().line())
    return 0


def sim_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pty", action="store_true", help="serve the REPL on a pty and print its path")
    p.add_argument("--state", type=Path, help="storage directory (default $K210_SIM_DIR, else build/sim/state)")
    p.add_argument("--maixpy", action="store_true", help="imitate MaixPy-v1 (no raw-paste)")
    # every board the host starts (`-p sim` on any command, the pytest plugin) reads the same
    # settings from $K210_SIM_CAMERA, $K210_SIM_CAMERA_FPS and $K210_SIM_CAMERA_MOUNT
    p.add_argument("--camera", metavar="FILE|DIR", help="images the camera shows (BMP, PGM/PPM, PNG, JPEG; "
                   "a directory cycles in name order); default $K210_SIM_CAMERA")
    p.add_argument("--camera-fps", type=int, metavar="N", help="camera frame rate (default 30)")
    p.add_argument("--camera-mount", choices=("none", "hmirror", "vflip", "rot180"),
                   help="how the sensor sits on the board; set_hmirror/set_vflip act on top of it")


def sim_run(args: argparse.Namespace, s: Session) -> int:
    import os
    from .simboard import sim_binary, state_dir
    argv = [str(sim_binary()), "--state", str(args.state or state_dir())]
    argv += ["--pty"] if args.pty else []
    argv += ["--maixpy"] if args.maixpy else []
    argv += ["--camera", args.camera] if args.camera else []
    argv += ["--camera-fps", str(args.camera_fps)] if args.camera_fps else []
    argv += ["--camera-mount", args.camera_mount] if args.camera_mount else []
    sys.stdout.flush()
    os.execv(argv[0], argv)
    return 0  # not reached


def bench_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sizes", default="64K,1M", help="file sizes, e.g. 64K,1M (default)")
    p.add_argument("--no-mpremote", action="store_true", help="only k210 cp")


def bench_run(args: argparse.Namespace, s: Session) -> int:
    from . import bench
    sizes = []
    for tok in args.sizes.split(","):
        tok = tok.strip().upper()
        mult = {"K": 1024, "M": 1024 * 1024}.get(tok[-1:], 1)
        try:
            sizes.append(int(tok.rstrip("KM")) * mult)
        except ValueError:
            raise K210Error(f"--sizes: {tok!r} is not a size (e.g. 64K, 1M)") from None
    rows = bench.run(tuple(sizes), not args.no_mpremote, log=lambda m: print(m, file=sys.stderr))
    print(bench.table(rows))
    print("simulated board over a pty; both tools through the same counting relay; mpremote times include "
          "its start-up and soft reset; 's at' columns = wire bytes x 10 bits / baud")
    return 0


def _none(p: argparse.ArgumentParser) -> None:
    pass


COMMANDS = [
    Command("ports", "list serial ports and which look like Maix boards (VID:PID, interface)", ports_build, ports_run),
    Command("repl", "terminal on the board's REPL (Ctrl-] quits)", _none, repl_run),
    Command("exec", "run CODE on the board, streaming its output; exit 1 on a board exception", exec_build, exec_run),
    Command("run", "run a local FILE.py on the board, streaming its output; exit 1 on a board exception", run_build, run_run),
    Command("reset", "soft-reset the board (fresh interpreter, boot.py runs); --hard: full reset", reset_build, reset_run),
    Command("info", "the board's firmware: version, platform, raw-paste, transfer path", _none, info_run),
    Command("bench", "k210 cp vs mpremote fs cp on the simulated board: wire bytes per payload byte, throughput",
            bench_build, bench_run),
    Command("sim", "run the simulated board in this terminal (or --pty: print a port path)", sim_build, sim_run),
]
