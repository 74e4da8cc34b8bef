"""Launchers: the boards the host starts itself. `sim` is a k210-sim process (simboard.SimBoard),
`qemu` a qemu-system-riscv64 process (qemuboard.QemuBoard). A launcher starts the process and
exposes the port path of its REPL (.path); a serial transport then opens that path like any other
port. relaunch() is a power cycle on the same storage, stop() ends the process."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

from .qemuboard import QemuBoard
from .simboard import SimBoard

LAUNCHED = ("sim", "qemu")


class Launcher(Protocol):
    path: str

    def relaunch(self) -> "Launcher": ...

    def stop(self) -> None: ...


def launch(spec: str, state_dir: Path | None = None, maixpy_sim: bool = False) -> Launcher:
    """Starts the board named by spec ('sim' or 'qemu'); state_dir None: the default storage."""
    if spec == "sim":
        return SimBoard(state_dir, maixpy=maixpy_sim)
    if spec == "qemu":
        return QemuBoard(state_dir)
    raise ValueError(f"launch({spec!r}): only {' and '.join(LAUNCHED)} are started by the host")
