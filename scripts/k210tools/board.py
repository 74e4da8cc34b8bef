"""A connected board: run code, files, transfers, resets. The CLI and the pytest plugin both use it.
It owns one Transport and, for the simulated and QEMU boards, the Launcher that started them."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from . import transfer
from .errors import BoardError, K210Error
from .launch import LAUNCHED, Launcher, launch
from .serial_transport import SerialTransport
from .transport import Stream, Transport


@dataclass
class FirmwareInfo:
    platform: str          # sys.platform: 'k210' (ours) or 'MaixPy'
    release: str           # os.uname().release (MicroPython version as the board reports it)
    version: str           # os.uname().version
    machine: str           # os.uname().machine
    raw_paste: bool
    fast_transfer: bool    # k210xfer frozen in and raw-paste available

    def line(self) -> str:
        path = "raw blocks" if self.fast_transfer else "base64 (fallback)"
        return (f"{self.version} ({self.platform}, MicroPython {self.release}) on {self.machine}; "
                f"raw-paste {'yes' if self.raw_paste else 'no'}; transfers: {path}")


class Board:
    """exec/eval/put/get/reset/restart plus file commands, over one Transport."""

    def __init__(self, transport: Transport, spec: str | None = None, launcher: Launcher | None = None,
                 raw: bool = True) -> None:
        self.t = transport
        self.spec = spec
        self.launcher = launcher
        self._info: FirmwareInfo | None = None
        if raw:
            self.t.enter_raw()

    @classmethod
    def connect(cls, spec: str | None, baud: int = 115200, board: str | None = None,
                state_dir: Path | None = None, maixpy_sim: bool = False, raw: bool = True) -> "Board":
        """spec: a device, a pyserial URL (socket://, rfc2217://), 'sim' or 'qemu' (started here, on
        state_dir or the default storage), or None (autodetect a Maix board, optionally of `board`).
        raw False: the port is opened and nothing sent (whatever the board runs keeps running)."""
        launcher = launch(spec, state_dir, maixpy_sim) if spec in LAUNCHED else None
        try:
            if launcher is not None:
                t: Transport = SerialTransport.open(launcher.path, baud, name=spec)
            else:
                if spec is None:
                    from .ports import autodetect
                    spec = autodetect(board)
                t = SerialTransport.open(spec, baud)
        except BaseException:
            if launcher is not None:
                launcher.stop()
            raise
        try:
            return cls(t, spec, launcher, raw)
        except BaseException:
            t.close()
            if launcher is not None:
                launcher.stop()
            raise

    # ---- code ----
    def exec(self, code: str, timeout: float | None = 30.0, stream: Stream | None = None) -> str:
        return self.t.exec(code, timeout, stream)

    def eval(self, expr: str, timeout: float | None = 30.0):
        text = self.exec(f"print(repr({expr}))", timeout).strip()
        try:
            return ast.literal_eval(text)
        except (ValueError, SyntaxError):
            raise K210Error(f"eval({expr!r}): board printed {text[:80]!r}, not a Python literal") from None

    def run(self, code: bytes, stream: Stream) -> None:
        """Runs code, streaming stdout; Ctrl-C on the host interrupts the board program."""
        self.t.exec_no_follow(code)
        try:
            out, err = self.t.follow(None, stream)
        except KeyboardInterrupt:
            self.t.write(b"\x03")
            out, err = self.t.follow(10.0, stream)
        if err:
            raise BoardError(err.decode(errors="replace").replace("\r\n", "\n"))

    def info(self) -> FirmwareInfo:
        if self._info is None:
            d = self.eval("(lambda s,o:(s.platform,o.uname()[2],o.uname()[3],o.uname()[4]))"
                          "(__import__('sys'),__import__('os'))")
            if self.t.raw_paste is None:
                self.exec("pass")
            fast = False
            if self.t.raw_paste:
                fast = self.exec("try:\n import k210xfer\n print(1)\nexcept ImportError:\n print(0)").strip() == "1"
            self._info = FirmwareInfo(d[0], d[1], d[2], d[3], bool(self.t.raw_paste), bool(fast))
        return self._info

    # ---- files ----
    def put(self, local: str | Path | bytes, remote: str, progress: transfer.Progress | None = None,
            baud: int | None = None) -> None:
        data = local if isinstance(local, (bytes, bytearray)) else Path(local).read_bytes()
        if self.info().fast_transfer:
            transfer.put_fast(self.t, bytes(data), remote, progress, baud)
        else:
            if baud:
                raise K210Error(f"--baud {baud}: this firmware ({self.info().platform}) has no baud switch "
                                "for transfers; copy at the REPL's rate")
            transfer.put_b64(self.t, bytes(data), remote, progress)

    def get(self, remote: str, progress: transfer.Progress | None = None, baud: int | None = None) -> bytes:
        if self.info().fast_transfer:
            return transfer.get_fast(self.t, remote, progress, baud)
        if baud:
            raise K210Error(f"--baud {baud}: this firmware has no baud switch for transfers")
        return transfer.get_b64(self.t, remote, progress)

    def stat(self, remote: str) -> tuple[int, int] | None:
        """(mode, size) of a board path, or None if it does not exist."""
        text = self.exec(f"import os\ntry:\n s=os.stat({remote!r})\n print((s[0],s[6]))\n"
                         "except OSError:\n print(None)\n").strip()
        return ast.literal_eval(text)

    def exists(self, remote: str) -> bool:
        return self.stat(remote) is not None

    def listdir(self, remote: str) -> list[tuple[str, bool, int]]:
        """[(name, is_dir, size)] sorted by name."""
        rows = self.eval(f"[(e[0], e[1] == 0x4000, e[3] if len(e) > 3 else 0) for e in "
                         f"__import__('os').ilistdir({remote!r})]")
        return sorted(rows)

    def reset(self) -> None:
        """Soft reset: a fresh interpreter; storage untouched."""
        self.t.soft_reset()

    def restart(self) -> None:
        """Power-cycles the simulated or QEMU board: a new process on the same storage."""
        if self.launcher is None:
            raise K210Error("restart: only the simulated and QEMU boards can be power-cycled from the host; "
                            "use reset() (soft) or press RESET")
        name, baud = self.t.name, self.t.baudrate
        self.t.close()
        self.launcher = self.launcher.relaunch()
        self.t = SerialTransport.open(self.launcher.path, baud, name=name)
        self._info = None
        self.t.enter_raw()

    def close(self) -> None:
        self.t.close()
        if self.launcher is not None:
            self.launcher.stop()
