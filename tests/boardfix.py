"""The `board` fixture's object: exec/eval/put/get/reset/restart on a simulated board."""
from __future__ import annotations

import ast
import binascii
from pathlib import Path

from simproc import SimProcess


class BoardError(Exception):
    """Code run on the board raised; the message is the board's traceback."""


class Board:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.sim = SimProcess(state_dir)
        self.sim.enter_raw()

    def exec(self, code: str, timeout: float = 30.0) -> str:
        out, err = self.sim.raw_exec_here(code.encode(), timeout)
        if err:
            raise BoardError(err.decode(errors="replace"))
        return out.decode(errors="replace").replace("\r\n", "\n")

    def eval(self, expr: str, timeout: float = 30.0):
        return ast.literal_eval(self.exec(f"print(repr({expr}))", timeout).strip())

    def put(self, local: str | bytes, remote: str) -> None:
        data = local if isinstance(local, bytes) else Path(local).read_bytes()
        self.exec(f"_f = open({remote!r}, 'wb')")
        for i in range(0, len(data), 3072):
            chunk = binascii.b2a_base64(data[i:i + 3072], newline=False).decode()
            self.exec(f"_f.write(__import__('binascii').a2b_base64({chunk!r}))")
        self.exec("_f.close(); del _f")

    def get(self, remote: str) -> bytes:
        data = bytearray()
        self.exec(f"_f = open({remote!r}, 'rb')")
        while True:
            chunk = self.exec("print(__import__('binascii').b2a_base64(_f.read(3072), newline=False).decode())").strip()
            if not chunk:
                break
            data += binascii.a2b_base64(chunk)
        self.exec("_f.close(); del _f")
        return bytes(data)

    def reset(self) -> None:
        """Soft reset (Ctrl-D in the raw REPL); the board comes back in the raw REPL."""
        self.sim.enter_raw()
        self.sim.write(b"\x04")
        self.sim.read_until(b"soft reboot\r\n")
        self.sim.read_until(b"raw REPL; CTRL-B to exit\r\n>")

    def restart(self) -> None:
        """Power-cycles the simulated board: a new process on the same storage."""
        self.sim.close()
        self.sim = SimProcess(self.state_dir)
        self.sim.enter_raw()

    def close(self) -> None:
        self.sim.close()
