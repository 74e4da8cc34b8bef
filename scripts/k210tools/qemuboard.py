"""Starts the QEMU_VIRT board (qemu-system-riscv64 -machine virt running build/qemu_virt/firmware.elf)
and stops it again, saving its storage; the host-side twin of simboard.SimBoard.

Storage: flash.img (16 MiB, erased = 0xFF) and sd.img (64 MiB, blank) in the state directory are
created if absent and loaded into RAM windows with -device loader (0x88000000 and 0x89000000,
firmware/qemu/qemu_virt.h). stop() saves both windows back into the files through qemu's monitor
(pmemsave), so the storage persists across restarts like the simulated board's.

serial_mode="pty" (default) puts the REPL on a pty (.path); "tcp" makes qemu wait for a TCP client
(.path = socket://127.0.0.1:PORT) before the CPU starts, so nothing printed at boot is lost and
bytes can be sent from the first instant (Ctrl-C at reset).

Guest time: the virt machine's mtime follows the host clock under TCG, so a loaded host eats into
guest time windows (the 200 ms boot window) while the guest runs nothing. icount_shift=N makes
mtime count executed instructions instead (2**N ns each; -icount shift=N,sleep=on: idle time still
passes in real time), so such a window holds a fixed amount of guest work whatever the load."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import serial

from .boards import ROOT
from .errors import K210Error

QEMU_BIN = "qemu-system-riscv64"
FLASH_BASE, FLASH_BYTES = 0x88000000, 16 << 20
SD_BASE, SD_BYTES = 0x89000000, 64 << 20
PTY_LINE = re.compile(rb"char device redirected to (/dev/pts/\d+)")


def qemu_elf() -> Path:
    return Path(os.environ.get("K210_QEMU_ELF", ROOT / "build" / "qemu_virt" / "firmware.elf"))


def qemu_available() -> bool:
    return qemu_elf().exists() and shutil.which(QEMU_BIN) is not None


def check_available() -> None:
    if not qemu_elf().exists():
        raise K210Error(f"{qemu_elf()} is not built: run ./scripts/build QEMU_VIRT (or set K210_QEMU_ELF)")
    if shutil.which(QEMU_BIN) is None:
        raise K210Error(f"{QEMU_BIN} not found: install qemu-system-misc (./scripts/setup does)")


def state_dir() -> Path:
    return Path(os.environ.get("K210_QEMU_DIR") or ROOT / "build" / "qemu_virt" / "state")


def make_images(state: Path) -> tuple[Path, Path]:
    state.mkdir(parents=True, exist_ok=True)
    flash, sd = state / "flash.img", state / "sd.img"
    if not flash.exists():
        flash.write_bytes(b"\xff" * FLASH_BYTES)
    if not sd.exists():
        with open(sd, "wb") as f:     # sparse, all zero: a blank card the firmware formats
            f.truncate(SD_BYTES)
    return flash, sd


def qemu_command(elf: Path, flash: Path, sd: Path, serial_arg: list[str], monitor: Path,
                 icount_shift: int | None = None) -> list[str]:
    icount = [] if icount_shift is None else ["-icount", f"shift={icount_shift},sleep=on"]
    return [
        QEMU_BIN, "-machine", "virt", "-bios", "none", "-m", "256M", "-smp", "2", *icount,
        "-display", "none", "-monitor", f"unix:{monitor},server=on,wait=off", *serial_arg,
        "-kernel", str(elf),
        "-device", f"loader,file={flash},addr={FLASH_BASE:#x},force-raw=on",
        "-device", f"loader,file={sd},addr={SD_BASE:#x},force-raw=on",
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_prompt(port: serial.SerialBase, deadline: float, alive=lambda: True) -> None:
    """Sends CR until the REPL prompt comes back: qemu drops output while no client holds the
    pty, so the banner may be gone, and the firmware may still be booting."""
    buf = b""
    while True:
        port.write(b"\r")
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            buf = (buf + port.read(max(1, port.in_waiting)))[-64:]
            if b">>> " in buf:
                return
        if time.monotonic() > deadline or not alive():
            raise K210Error("the QEMU_VIRT firmware gave no REPL prompt "
                            f"(last bytes {buf[-40:]!r}); check build/qemu_virt/firmware.elf")


class QemuBoard:
    """A qemu-system-riscv64 process running the QEMU_VIRT firmware; .path is its serial port
    (a pty, or a socket:// URL with serial_mode="tcp")."""

    def __init__(self, state: Path | None = None, serial_mode: str = "pty", boot_timeout: float = 30.0,
                 wait_ready: bool = True, elf: Path | None = None, icount_shift: int | None = None) -> None:
        check_available()
        self.state = Path(state or state_dir()).resolve()
        self.serial_mode = serial_mode
        self.flash, self.sd = make_images(self.state)
        self.monitor = self.state / "qemu-monitor.sock"
        self.monitor.unlink(missing_ok=True)
        deadline = time.monotonic() + boot_timeout
        if serial_mode == "tcp":
            port = _free_port()
            serial_arg = ["-chardev", f"socket,id=ser0,host=127.0.0.1,port={port},server=on,wait=on",
                          "-serial", "chardev:ser0"]
        elif serial_mode == "pty":
            serial_arg = ["-serial", "pty"]
        else:
            raise K210Error(f"serial_mode {serial_mode!r}: use 'pty' or 'tcp'")
        self.icount_shift = icount_shift
        self.proc = subprocess.Popen(qemu_command(elf or qemu_elf(), self.flash, self.sd, serial_arg, self.monitor,
                                                  icount_shift),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if serial_mode == "tcp":
            self.path = f"socket://127.0.0.1:{port}"
            return      # the CPU starts when the client connects; it sees every byte from reset on
        seen = b""
        while True:
            line = self.proc.stdout.readline()
            seen += line
            m = PTY_LINE.search(line)
            if m:
                break
            if not line or time.monotonic() > deadline:
                self.stop(save=False)
                raise K210Error(f"qemu did not report its serial pty: {seen[-300:].decode(errors='replace')}")
        self.path = m.group(1).decode()
        if wait_ready:
            try:
                with serial.Serial(self.path, 115200, timeout=0.05) as probe:
                    wait_prompt(probe, deadline, lambda: self.proc.poll() is None)
            except BaseException:
                self.stop(save=False)
                raise

    def relaunch(self) -> "QemuBoard":
        """Power cycle: stops this board (saving storage) and boots a new one on the same state."""
        self.stop()
        return QemuBoard(self.state, self.serial_mode, icount_shift=self.icount_shift)

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

    def stop(self, save: bool = True) -> None:
        """Stops qemu; with save, /flash and /sd are written back to the image files first."""
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
        if self.proc.stdout:
            self.proc.stdout.close()
