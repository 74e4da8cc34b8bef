"""The QEMU_VIRT board as a process: qemu-system-riscv64 -machine virt running
build/qemu_virt/firmware.elf, the REPL on a pty (same client API as simproc.SimProcess).

Storage: flash.img (16 MiB, erased = 0xFF) and sd.img (64 MiB, blank) in the state directory are
created if absent and loaded into RAM windows with -device loader (0x88000000 and 0x89000000,
firmware/qemu/qemu_virt.h). Writes live in RAM for the life of the process: files survive
soft and machine resets, not a restart of qemu.

    from qemuproc import QemuProcess
    q = QemuProcess(state_dir)       # boots; q.path is the pty
    print(q.raw_exec("print(1+1)"))  # (b'2\\r\\n', b'')
    q.close()
"""
from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import serial

from simproc import ROOT, SimProcess

QEMU_ELF = ROOT / "build" / "qemu_virt" / "firmware.elf"
QEMU_BIN = "qemu-system-riscv64"
FLASH_BASE, FLASH_BYTES = 0x88000000, 16 << 20
SD_BASE, SD_BYTES = 0x89000000, 64 << 20
PTY_LINE = re.compile(rb"char device redirected to (/dev/pts/\d+)")


def qemu_available() -> bool:
    return QEMU_ELF.exists() and shutil.which(QEMU_BIN) is not None


def make_images(state_dir: Path) -> tuple[Path, Path]:
    state_dir.mkdir(parents=True, exist_ok=True)
    flash, sd = state_dir / "flash.img", state_dir / "sd.img"
    if not flash.exists():
        flash.write_bytes(b"\xff" * FLASH_BYTES)
    if not sd.exists():
        with open(sd, "wb") as f:     # sparse, all zero: a blank card the firmware formats
            f.truncate(SD_BYTES)
    return flash, sd


def qemu_command(elf: Path, flash: Path, sd: Path) -> list[str]:
    return [
        QEMU_BIN, "-machine", "virt", "-bios", "none", "-m", "256M", "-smp", "2",
        "-display", "none", "-monitor", "none", "-serial", "pty",
        "-kernel", str(elf),
        "-device", f"loader,file={flash},addr={FLASH_BASE:#x},force-raw=on",
        "-device", f"loader,file={sd},addr={SD_BASE:#x},force-raw=on",
    ]


class QemuProcess(SimProcess):
    """A booted QEMU_VIRT board; read/write/raw_exec as for the simulated board."""

    def __init__(self, state_dir: Path, elf: Path = QEMU_ELF, boot_timeout: float = 20.0) -> None:
        flash, sd = make_images(Path(state_dir))
        self.proc = subprocess.Popen(qemu_command(elf, flash, sd), stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        end = time.monotonic() + boot_timeout
        seen = b""
        while True:
            line = self.proc.stdout.readline()
            seen += line
            m = PTY_LINE.search(line)
            if m:
                break
            if not line or time.monotonic() > end:
                self.proc.kill()
                raise RuntimeError(f"qemu did not report its serial pty: {seen[-500:]!r}")
        self.path = m.group(1).decode()
        self.port = serial.Serial(self.path, 115200, timeout=0.05)
        self.pending = b""
        # qemu drops output while no one holds the pty, so the banner may be gone: ask for a prompt
        while True:
            self.write(b"\r")
            try:
                self.read_until(b">>> ", 1.0)
                break
            except TimeoutError:
                if time.monotonic() > end or self.proc.poll() is not None:
                    self.close()
                    raise RuntimeError(f"the QEMU_VIRT firmware gave no prompt within {boot_timeout}s")
        self.drain()

    def close(self) -> None:
        try:
            self.port.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
