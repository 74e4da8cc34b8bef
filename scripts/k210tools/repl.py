"""`k210 repl`: a terminal on the board's friendly REPL. Ctrl-] quits; every other key (Ctrl-C,
Ctrl-D, Ctrl-E ...) goes to the board."""
from __future__ import annotations

import os
import sys
import threading

from .transport import Transport

QUIT = b"\x1d"


def _raw_tty(fd: int):
    import termios
    import tty
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    return lambda: termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def repl(t: Transport, out=None) -> None:
    out = out or sys.stdout.buffer
    if t.in_raw:
        t.exit_raw()
    fd = sys.stdin.fileno()
    restore = _raw_tty(fd) if os.isatty(fd) else (lambda: None)
    stop = threading.Event()

    def board_to_host() -> None:
        while not stop.is_set():
            try:
                data = t.read_some(4096)
            except Exception:
                stop.set()
                return
            if data:
                out.write(data)
                out.flush()

    reader = threading.Thread(target=board_to_host, daemon=True)
    reader.start()
    if os.isatty(fd):
        sys.stderr.write(f"Connected to {t.name}; Ctrl-] quits\r\n")
    try:
        t.write(b"\r")
        while not stop.is_set():
            data = os.read(fd, 1024)
            if not data:
                break
            if QUIT in data:
                t.write(data[:data.index(QUIT)])
                break
            t.write(data)
    finally:
        stop.set()
        reader.join(1.0)
        restore()
        if os.isatty(fd):
            sys.stderr.write("\r\n")
