"""The QEMU_VIRT board as a process: qemu-system-riscv64 -machine virt running
build/qemu_virt/firmware.elf, the REPL on a pty (same client API as simproc.SimProcess).

Storage: flash.img (16 MiB, erased = 0xFF) and sd.img (64 MiB, blank) in the state directory are
created if absent and loaded into RAM windows with -device loader (0x88000000 and 0x89000000,
firmware/qemu/qemu_virt.h). close() saves both windows back into the files through qemu's
monitor (pmemsave), so the storage persists across restarts like the simulated board's.

serial="pty" (default) puts the REPL on a pty (.path); serial="tcp" makes qemu wait for our TCP
connection before the CPU starts, so nothing the firmware prints at boot is lost and bytes can be
sent from the first instant (Ctrl-C at reset).

    from qemuproc import QemuProcess
    q = QemuProcess(state_dir)       # boots; q.path is the pty
    print(q.raw_exec("print(1+1)"))  # (b'2\\r\\n', b'')
    q.close()
"""
from __future__ import annotations

import re
import shutil
import socket
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


def qemu_command(elf: Path, flash: Path, sd: Path, serial_arg: list[str], monitor: Path) -> list[str]:
    return [
        QEMU_BIN, "-machine", "virt", "-bios", "none", "-m", "256M", "-smp", "2",
        "-display", "none", "-monitor", f"unix:{monitor},server=on,wait=off", *serial_arg,
        "-kernel", str(elf),
        "-device", f"loader,file={flash},addr={FLASH_BASE:#x},force-raw=on",
        "-device", f"loader,file={sd},addr={SD_BASE:#x},force-raw=on",
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class QemuProcess(SimProcess):
    """A booted QEMU_VIRT board; read/write/raw_exec as for the simulated board."""

    def __init__(self, state_dir: Path, elf: Path = QEMU_ELF, boot_timeout: float = 20.0,
                 serial_mode: str = "pty", wait_prompt: bool = True) -> None:
        self.state_dir = Path(state_dir).resolve()
        self.flash, self.sd = make_images(self.state_dir)
        self.monitor = self.state_dir / "qemu-monitor.sock"
        self.monitor.unlink(missing_ok=True)
        end = time.monotonic() + boot_timeout
        if serial_mode == "tcp":
            port = _free_port()
            serial_arg = ["-chardev", f"socket,id=ser0,host=127.0.0.1,port={port},server=on,wait=on",
                          "-serial", "chardev:ser0"]
        else:
            serial_arg = ["-serial", "pty"]
        self.proc = subprocess.Popen(qemu_command(elf, self.flash, self.sd, serial_arg, self.monitor),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.pending = b""
        if serial_mode == "tcp":
            self.path = f"socket://127.0.0.1:{port}"
            while True:
                try:
                    self.port = serial.serial_for_url(self.path, timeout=0.05)
                    break
                except serial.SerialException:
                    if time.monotonic() > end or self.proc.poll() is not None:
                        self.proc.kill()
                        raise RuntimeError(f"qemu did not open its serial socket: {self.proc.stdout.read()!r}")
                    time.sleep(0.05)
            return   # qemu starts the CPU now: the caller sees every byte from reset on
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
        if not wait_prompt:
            return
        # qemu drops output while no one holds the pty, so the banner may be gone: ask for a prompt
        while True:
            self.write(b"\r")
            try:
                self.read_until(b">>> ", 1.0)
                break
            except TimeoutError:
                if time.monotonic() > end or self.proc.poll() is not None:
                    self.close(save=False)
                    raise RuntimeError(f"the QEMU_VIRT firmware gave no prompt within {boot_timeout}s")
        self.drain()

    def _monitor(self, *commands: str) -> None:
        """Runs monitor commands one at a time, each after the previous one's prompt came back."""
        with socket.socket(socket.AF_UNIX) as m:
            m.settimeout(60)
            m.connect(str(self.monitor))

            def prompt() -> None:
                buf = b""
                while not buf.endswith(b"(qemu) "):
                    chunk = m.recv(4096)
                    if not chunk:
                        return           # qemu closed the monitor (quit)
                    buf += chunk

            prompt()
            for c in commands:
                m.sendall(c.encode() + b"\r\n")
                prompt()

    def close(self, save: bool = True) -> None:
        """Stops qemu; with save, /flash and /sd are written back to the image files first."""
        try:
            self.port.close()
        finally:
            if save and self.proc.poll() is None:
                try:
                    # quoted: unquoted, "16777216 /tmp/..." parses as a division
                    self._monitor(f'pmemsave {FLASH_BASE:#x} {FLASH_BYTES} "{self.flash}"',
                                  f'pmemsave {SD_BASE:#x} {SD_BYTES} "{self.sd}"', "quit")
                except OSError:
                    pass
            if self.proc.poll() is None:
                self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
