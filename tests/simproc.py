"""A bare simulated-board process and a minimal raw-REPL client, for tests that check the
firmware's REPL protocol itself (byte by byte), independently of the k210tools client."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import serial

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "build" / "sim" / "k210-sim"


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

    def write(self, data: bytes) -> None:
        self.port.write(data)

    def read_until(self, marker: bytes, timeout: float = 10.0) -> bytes:
        buf = b""
        end = time.monotonic() + timeout
        while marker not in buf:
            if time.monotonic() > end:
                raise TimeoutError(f"waited {timeout}s for {marker!r}; got {buf[-300:]!r}")
            buf += self.port.read(4096)
        return buf

    def drain(self, quiet: float = 0.2) -> bytes:
        buf = b""
        last = time.monotonic()
        while time.monotonic() - last < quiet:
            chunk = self.port.read(4096)
            if chunk:
                buf += chunk
                last = time.monotonic()
        return buf

    def raw_exec(self, code: str, timeout: float = 10.0) -> tuple[bytes, bytes]:
        """Runs code in the raw REPL (entered if needed); returns (stdout, stderr)."""
        self.write(b"\r\x03\x03")
        self.drain()
        self.write(b"\r\x01")
        self.read_until(b"raw REPL; CTRL-B to exit\r\n>")
        self.write(code.encode() + b"\x04")
        out = self.read_until(b"\x04>", timeout)
        assert out.startswith(b"OK"), out[:100]
        body = out[2:-2]
        stdout, _, stderr = body.partition(b"\x04")
        return stdout, stderr

    def close(self) -> None:
        self.port.close()
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
