"""`k210 bench`: k210 cp next to mpremote fs cp (pinned mpremote) on the simulated board, for 64 KiB
and 1 MiB random files, both directions. Both tools talk through the same counting relay (a pty
that forwards to the board's pty), so wire bytes are measured the same way for each. Throughput
on a pty says little about a UART, so the table also projects the time the same wire bytes take
at 115200 and 1.5 Mbaud (10 bits per byte)."""
from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import tempfile
import threading
import time
import tty
from dataclasses import dataclass
from pathlib import Path

from .board import Board
from .errors import K210Error
from .simboard import SimBoard
from .serial_transport import SerialTransport


class Relay:
    """A pty whose traffic is forwarded to target_fd and counted in both directions."""

    def __init__(self, target_fd: int) -> None:
        self.master, slave = pty.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self._slave = slave
        self.target = target_fd
        self.host_to_board = 0
        self.board_to_host = 0
        self._stop = False
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        while not self._stop:
            r, _, _ = select.select([self.master, self.target], [], [], 0.05)
            for fd in r:
                try:
                    data = os.read(fd, 65536)
                except OSError:
                    continue
                if fd == self.master:
                    self.host_to_board += len(data)
                    _write_all(self.target, data)
                else:
                    self.board_to_host += len(data)
                    _write_all(self.master, data)

    def reset_counts(self) -> None:
        self.host_to_board = self.board_to_host = 0

    def close(self) -> None:
        self._stop = True
        self._t.join(1)
        for fd in (self._slave, self.master):
            os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except BlockingIOError:
            select.select([], [fd], [], 1.0)
            continue
        view = view[n:]


@dataclass
class Row:
    tool: str
    direction: str
    size: int
    seconds: float
    wire: int

    def cells(self) -> list[str]:
        ratio = self.wire / self.size
        return [self.tool, self.direction, _size(self.size), f"{ratio:.3f}", f"{self.size / self.seconds / 1024:,.0f}",
                f"{self.wire * 10 / 115200:,.1f}", f"{self.wire * 10 / 1500000:,.1f}"]


def _size(n: int) -> str:
    return f"{n // 1048576} MiB" if n >= 1048576 else f"{n // 1024} KiB"


HEAD = ["tool", "dir", "size", "wire B / payload B", "KiB/s (pty)", "s at 115200", "s at 1.5M"]


def table(rows: list[Row]) -> str:
    cells = [HEAD] + [r.cells() for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(HEAD))]
    line = lambda c: "| " + " | ".join(x.ljust(w) if i < 3 else x.rjust(w) for i, (x, w) in enumerate(zip(c, widths))) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep] + [line(c) for c in cells[1:]])


def _mpremote(port: str, *args: str) -> None:
    p = subprocess.run([sys.executable, "-m", "mpremote", "connect", port, *args],
                       capture_output=True, text=True, timeout=1800)
    if p.returncode != 0:
        raise K210Error(f"mpremote {' '.join(args)} failed: {(p.stderr or p.stdout).strip()[-300:]}")


def run(sizes: tuple[int, ...] = (64 * 1024, 1024 * 1024), with_mpremote: bool = True,
        log=print) -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="k210-bench-") as tmp:
        sim = SimBoard(Path(tmp) / "state")
        # the relay reads the board's pty directly
        board_fd = os.open(sim.path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(board_fd)
        relay = Relay(board_fd)
        try:
            for size in sizes:
                data = os.urandom(size)
                src = Path(tmp) / f"in{size}.bin"
                src.write_bytes(data)
                dst = Path(tmp) / f"out{size}.bin"
                t = SerialTransport.open(relay.path)
                b = Board(t)
                b.info()
                relay.reset_counts()
                t0 = time.perf_counter()
                b.put(data, "/sd/bench.bin")
                rows.append(Row("k210 cp", "up", size, time.perf_counter() - t0, relay.host_to_board + relay.board_to_host))
                relay.reset_counts()
                t0 = time.perf_counter()
                got = b.get("/sd/bench.bin")
                rows.append(Row("k210 cp", "down", size, time.perf_counter() - t0, relay.host_to_board + relay.board_to_host))
                if got != data:
                    raise K210Error("bench: k210 cp returned different bytes")
                b.exec("import os\nos.remove('/sd/bench.bin')")
                b.close()
                log(f"k210 cp {_size(size)}: done")
                if not with_mpremote:
                    continue
                relay.reset_counts()
                t0 = time.perf_counter()
                _mpremote(relay.path, "fs", "cp", str(src), ":/sd/bench.bin")
                rows.append(Row("mpremote fs cp", "up", size, time.perf_counter() - t0, relay.host_to_board + relay.board_to_host))
                relay.reset_counts()
                t0 = time.perf_counter()
                _mpremote(relay.path, "fs", "cp", ":/sd/bench.bin", str(dst))
                rows.append(Row("mpremote fs cp", "down", size, time.perf_counter() - t0, relay.host_to_board + relay.board_to_host))
                if dst.read_bytes() != data:
                    raise K210Error("bench: mpremote returned different bytes")
                _mpremote(relay.path, "fs", "rm", ":/sd/bench.bin")
                log(f"mpremote fs cp {_size(size)}: done")
        finally:
            relay.close()
            os.close(board_fd)
            sim.stop()
    return rows
