"""Commands that talk to the REPL: ports, repl, exec, run, reset, info, sim."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .cli import Command, Session
from .errors import K210Error


def _stream(data: bytes) -> None:
    sys.stdout.buffer.write(data.replace(b"\r\n", b"\n"))
    sys.stdout.buffer.flush()


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
    s.board.run(args.code.encode(), _stream)
    return 0


def run_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="local .py file; it is sent, not copied to the board")


def run_run(args: argparse.Namespace, s: Session) -> int:
    try:
        code = args.file.read_bytes()
    except OSError as e:
        raise K210Error(f"{args.file}: {e.strerror}") from None
    s.board.run(code, _stream)
    return 0


def reset_run(args: argparse.Namespace, s: Session) -> int:
    s.board.reset()
    print(s.board.t.soft_reboot_line.decode(errors="replace") or "soft reset")
    return 0


def info_run(args: argparse.Namespace, s: Session) -> int:
    print(s.board.info().line())
    return 0


def sim_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pty", action="store_true", help="serve the REPL on a pty and print its path")
    p.add_argument("--state", type=Path, help="storage directory (default $K210_SIM_DIR, else build/sim/state)")
    p.add_argument("--maixpy", action="store_true", help="imitate MaixPy-v1 (no raw-paste)")


def sim_run(args: argparse.Namespace, s: Session) -> int:
    import os
    from .simboard import sim_binary, state_dir
    argv = [str(sim_binary()), "--state", str(args.state or state_dir())]
    argv += ["--pty"] if args.pty else []
    argv += ["--maixpy"] if args.maixpy else []
    sys.stdout.flush()
    os.execv(argv[0], argv)
    return 0  # not reached


def _none(p: argparse.ArgumentParser) -> None:
    pass


COMMANDS = [
    Command("ports", "list serial ports and which look like Maix boards (VID:PID, interface)", ports_build, ports_run),
    Command("repl", "terminal on the board's REPL (Ctrl-] quits)", _none, repl_run),
    Command("exec", "run CODE on the board, streaming its output; exit 1 on a board exception", exec_build, exec_run),
    Command("run", "run a local FILE.py on the board, streaming its output; exit 1 on a board exception", run_build, run_run),
    Command("reset", "soft-reset the board (fresh interpreter, boot.py runs)", _none, reset_run),
    Command("info", "the board's firmware: version, platform, raw-paste, transfer path", _none, info_run),
    Command("sim", "run the simulated board in this terminal (or --pty: print a port path)", sim_build, sim_run),
]
