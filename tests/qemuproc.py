"""The QEMU_VIRT board as a process with the minimal raw-REPL client of simproc.SimProcess, for tests
that check the firmware byte by byte. The starter itself is k210tools.qemuboard (also behind
`--port qemu` and `k210 -p qemu`).

    from qemuproc import QemuProcess
    q = QemuProcess(state_dir)       # boots; q.path is the pty
    print(q.raw_exec("print(1+1)"))  # (b'2\\r\\n', b'')
    q.close()
"""
from __future__ import annotations

import time
from pathlib import Path

import serial

from k210tools.qemuboard import QemuBoard, make_images, qemu_available, qemu_elf, wait_prompt
from simproc import SimProcess

QEMU_ELF = qemu_elf()
__all__ = ["QEMU_ELF", "QemuProcess", "make_images", "qemu_available"]


class QemuProcess(SimProcess):
    """A booted QEMU_VIRT board; read/write/raw_exec as for the simulated board. With
    serial_mode="tcp" the CPU starts only once this client is connected (every boot byte seen);
    icount_shift: guest time from executed instructions (see k210tools.qemuboard)."""

    def __init__(self, state_dir: Path, boot_timeout: float = 30.0, serial_mode: str = "pty",
                 wait_ready: bool = True, icount_shift: int | None = None) -> None:
        end = time.monotonic() + boot_timeout
        self.qemu = QemuBoard(state_dir, serial_mode, boot_timeout, wait_ready=False, icount_shift=icount_shift)
        self.proc = self.qemu.proc
        self.path = self.qemu.path
        self.pending = b""
        try:
            if serial_mode == "tcp":
                while True:
                    try:
                        self.port = serial.serial_for_url(self.path, timeout=0.05)
                        return      # qemu starts the CPU now
                    except serial.SerialException:
                        if time.monotonic() > end or self.proc.poll() is not None:
                            raise RuntimeError("qemu did not open its serial socket")
                        time.sleep(0.05)
            self.port = serial.Serial(self.path, 115200, timeout=0.05)
            if wait_ready:
                wait_prompt(self.port, end, lambda: self.proc.poll() is None)
                self.drain()
        except BaseException:
            self.qemu.stop(save=False)
            raise

    def close(self, save: bool = True) -> None:
        """Stops qemu; with save, /flash and /sd are written back to the image files first."""
        try:
            self.port.close()
        finally:
            self.qemu.stop(save)
