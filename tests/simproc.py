"""A bare simulated-board process and a minimal raw-REPL client, for tests that check the
firmware's REPL protocol itself (byte by byte), independently of the k210tools client."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import serial

ROOT = Path(__file__).resolve().parents[1]
# K210_SIM picks another build of the board (e.g. build/sim-asan/k210-sim, scripts/test-asan): the
# same variable the board fixture's launcher (k210tools.simboard) reads.
SIM = Path(os.environ.get("K210_SIM") or ROOT / "build" / "sim" / "k210-sim")


class SimProcess:
    def __init__(self, state_dir: Path, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [str(SIM), "--pty", "--state", str(state_dir), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("/dev/"):
            raise RuntimeError(f"k210-sim did not print a pty path: {line!r} {self.proc.stderr.read()!r}")
        self.path = line
        self.port = serial.Serial(self.path, 115200, timeout=0.05)
        self.pending = b""

    def write(self, data: bytes) -> None:
        self.port.write(data)

    def read_until(self, marker: bytes, timeout: float = 10.0) -> bytes:
        """Bytes up to and including marker; what came after it is kept for the next read."""
        buf = self.pending
        end = time.monotonic() + timeout
        while marker not in buf:
            if time.monotonic() > end:
                self.pending = b""
                raise TimeoutError(f"waited {timeout}s for {marker!r}; got {buf[-300:]!r}")
            buf += self.port.read(max(1, self.port.in_waiting))
        cut = buf.index(marker) + len(marker)
        self.pending = buf[cut:]
        return buf[:cut]

    def drain(self, quiet: float = 0.2) -> bytes:
        buf, self.pending = self.pending, b""
        last = time.monotonic()
        while time.monotonic() - last < quiet:
            chunk = self.port.read(4096)
            if chunk:
                buf += chunk
                last = time.monotonic()
        return buf

    def read_exact(self, n: int, timeout: float = 10.0) -> bytes:
        buf = self.pending
        end = time.monotonic() + timeout
        while len(buf) < n:
            if time.monotonic() > end:
                raise TimeoutError(f"waited {timeout}s for {n} bytes; got {buf!r}")
            buf += self.port.read(n - len(buf))
        self.pending = buf[n:]
        return buf[:n]

    def enter_raw(self) -> None:
        self.write(b"\r\x03\x03")
        self.drain()
        self.write(b"\r\x01")
        self.read_until(b"raw REPL; CTRL-B to exit\r\n>")

    def raw_exec(self, code: str, timeout: float = 10.0) -> tuple[bytes, bytes]:
        """Runs code in the raw REPL (entered first); returns (stdout, stderr)."""
        self.enter_raw()
        return self.raw_exec_here(code.encode(), timeout)

    def raw_exec_here(self, code: bytes, timeout: float = 10.0) -> tuple[bytes, bytes]:
        """Runs code at the raw REPL's '>' prompt, with raw-paste flow control."""
        self.write(b"\x05A\x01")
        head = self.read_exact(2)
        if head != b"R\x01":
            raise RuntimeError(f"raw-paste refused: {head!r}")
        flow = self.read_exact(3)
        window = int.from_bytes(flow[:2], "little")
        credit = window + (window if flow[2:3] == b"\x01" else 0)
        sent = 0
        while sent < len(code):
            while credit == 0 or self.port.in_waiting:
                b = self.port.read(1)
                if b == b"\x01":
                    credit += window
                elif b == b"\x04":
                    self.write(b"\x04")
                    raise RuntimeError("board aborted raw-paste")
            n = min(credit, len(code) - sent)
            self.write(code[sent:sent + n])
            sent += n
            credit -= n
        self.write(b"\x04")
        self.read_until(b"\x04", timeout)      # code received and compiled
        out = self.read_until(b"\x04>", timeout)
        stdout, _, stderr = out[:-2].partition(b"\x04")
        return stdout, stderr

    def close(self) -> None:
        self.port.close()
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
