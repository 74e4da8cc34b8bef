"""A noisy cable on a pty: relays bytes between a new pty (the host tools open its path as the
board's device) and a board's serial device, injecting faults with a seeded RNG: drop, flip
(one bit), dup(licate) bytes, delay bursts, and cut the line (the host side sees EIO, as when a
USB adapter is pulled).

  python -m k210tools.testing.faultproxy /dev/ttyUSB0 --fault flip:up:rate=1e-4 --seed 3
  k210 -p /dev/pts/N cp big.bin :/sd/big.bin        # N as printed by the proxy

A fault is KIND:DIR[:key=value...]; DIR is up (host -> board) or down (board -> host); keys:
rate (chance per byte, default 1e-4), after (bytes of DIR to let through first), count (most
injections, default 1), delay (seconds, for delay). Byte offsets count from when the proxy is
armed: at once, or when the host sends --arm-on TEXT (e.g. k210xfer, the start of a copy)."""
from __future__ import annotations

import argparse
import math
import os
import random
import select
import sys
import threading
import time
import tty
from collections import Counter
from dataclasses import dataclass, field

KINDS = ("drop", "flip", "dup", "delay", "cut")
DIRS = ("up", "down")


@dataclass
class Fault:
    kind: str
    direction: str
    rate: float = 1e-4
    after: int = 0
    count: int = 1
    delay: float = 0.5
    next_at: int = field(default=-1, repr=False)   # byte offset of the next injection (-1: none)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind {self.kind!r}: use one of {', '.join(KINDS)}")
        if self.direction not in DIRS:
            raise ValueError(f"fault direction {self.direction!r}: use up (host->board) or down")
        if not 0 < self.rate <= 1:
            raise ValueError(f"fault rate {self.rate}: must be in (0, 1]")


def parse_fault(spec: str) -> Fault:
    """KIND:DIR[:key=value...] -> Fault (ValueError naming the bad part)."""
    parts = spec.split(":")
    if len(parts) < 2:
        raise ValueError(f"fault {spec!r}: expected KIND:DIR[:key=value...], e.g. drop:up:rate=1e-4")
    kw: dict[str, float | int] = {}
    for p in parts[2:]:
        key, _, val = p.partition("=")
        if key in ("rate", "delay"):
            kw[key] = float(val)
        elif key in ("after", "count"):
            kw[key] = int(val)
        else:
            raise ValueError(f"fault {spec!r}: unknown key {key!r} (rate, after, count, delay)")
    return Fault(parts[0], parts[1], **kw)  # type: ignore[arg-type]


def _set_nonblock_raw(fd: int) -> None:
    tty.setraw(fd)
    os.set_blocking(fd, False)


class FaultProxy:
    """Relays a new pty (.path) <-> the device at target, injecting faults; .injected counts them
    by 'kind:dir'. A cut closes the host side and stops relaying; close() stops everything."""

    def __init__(self, target: str, faults: list[Fault], seed: int = 0, arm_on: bytes | None = None) -> None:
        self.faults = faults
        self.rng = random.Random(seed)
        self.arm_on = arm_on
        self.armed = arm_on is None
        self.seen = b""                       # upstream tail, to find arm_on across reads
        self.pos = {"up": 0, "down": 0}       # bytes of each direction since armed
        self.moved = {"up": 0, "down": 0}     # bytes relayed in total
        self.injected: Counter[str] = Counter()
        self.cut = threading.Event()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.target = os.open(target, os.O_RDWR | os.O_NOCTTY)
        _set_nonblock_raw(self.target)
        self.master, self._slave = os.openpty()
        self.path = os.ttyname(self._slave)
        _set_nonblock_raw(self._slave)       # held open so the master stays readable between clients
        _set_nonblock_raw(self.master)
        for f in faults:
            if self.armed:
                self._schedule(f, 0)
        self.threads = [threading.Thread(target=self._relay, args=(self.master, self.target, "up"), daemon=True),
                        threading.Thread(target=self._relay, args=(self.target, self.master, "down"), daemon=True)]
        for t in self.threads:
            t.start()

    # ---- fault schedule ----
    def _schedule(self, f: Fault, start: int) -> None:
        """Next injection offset: geometric gap from start (>= f.after), or none when used up."""
        if f.count <= 0:
            f.next_at = -1
            return
        gap = 0 if f.rate >= 1 else int(math.log(1.0 - self.rng.random()) / math.log(1.0 - f.rate))
        f.next_at = max(start, f.after) + gap

    def _arm(self, chunk: bytes) -> int:
        """Returns the index in chunk just past arm_on once seen, else -1."""
        buf = self.seen + chunk
        i = buf.find(self.arm_on or b"")
        if i < 0:
            self.seen = buf[-len(self.arm_on or b""):]
            return -1
        self.armed = True
        for f in self.faults:
            self._schedule(f, 0)
        return max(0, i + len(self.arm_on or b"") - len(self.seen))

    # ---- relaying ----
    def _write(self, fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view and not self.stop.is_set():
            try:
                n = os.write(fd, view)
                view = view[n:]
            except BlockingIOError:
                select.select([], [fd], [], 0.05)

    def _relay(self, src: int, dst: int, d: str) -> None:
        try:
            while not self.stop.is_set():
                r, _, _ = select.select([src], [], [], 0.05)
                if not r:
                    continue
                try:
                    chunk = os.read(src, 4096)
                except BlockingIOError:
                    continue
                if not chunk:
                    continue
                self.moved[d] += len(chunk)
                # the lock guards the shared RNG and counters only: a write blocked in one
                # direction must not stall the other (the board may be waiting to send)
                with self.lock:
                    start = 0
                    if not self.armed:
                        start = self._arm(chunk) if d == "up" else -1
                    plan = [("data", chunk)] if start < 0 else \
                        [("data", chunk[:start])] + self._plan(chunk[start:], d)
                for kind, data in plan:
                    if kind == "delay":
                        time.sleep(data)          # type: ignore[arg-type]
                    elif kind == "cut":
                        self._cut()
                        return
                    else:
                        self._write(dst, data)    # type: ignore[arg-type]
        except OSError:
            # the host closed its end or the board went away: nothing more to relay
            self.stop.set()

    def _plan(self, chunk: bytes, d: str) -> list[tuple[str, bytes | float]]:
        """chunk with this direction's faults applied, as a list of ('data', bytes),
        ('delay', seconds) and ('cut', b'') steps."""
        base = self.pos[d]
        self.pos[d] += len(chunk)
        hits = []
        for f in self.faults:
            while f.direction == d and 0 <= f.next_at < base + len(chunk):
                hits.append((f.next_at - base, f))
                f.count -= 1
                self.injected[f"{f.kind}:{d}"] += 1
                self._schedule(f, f.next_at + 1)
        hits.sort(key=lambda h: h[0])
        out: list[tuple[str, bytes | float]] = []
        i = 0
        buf = bytearray()
        for at, f in hits:
            buf += chunk[i:at]
            i = at
            if f.kind == "drop":
                i = at + 1
            elif f.kind == "flip":
                buf.append(chunk[at] ^ (1 << self.rng.randrange(8)))
                i = at + 1
            elif f.kind == "dup":
                buf.append(chunk[at])
            elif f.kind in ("delay", "cut"):
                out.append(("data", bytes(buf)))
                buf = bytearray()
                out.append((f.kind, f.delay if f.kind == "delay" else b""))
                if f.kind == "cut":
                    return out
        buf += chunk[i:]
        out.append(("data", bytes(buf)))
        return out

    def _cut(self) -> None:
        """The line goes dead: the host side gets EIO, nothing reaches the board any more."""
        self.cut.set()
        self.stop.set()
        # /dev/null over the pty's fds hangs the pty up while the numbers stay valid until
        # close(), so the other relay thread can never touch a reused fd
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (self.master, self._slave):
            os.dup2(null, fd)
        os.close(null)

    def summary(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.injected.items())) or "none"
        return f"faults injected: {kinds}; relayed up {self.moved['up']} B, down {self.moved['down']} B"

    def close(self) -> None:
        self.stop.set()
        for t in self.threads:
            if t is not threading.current_thread():
                t.join(2.0)
        for fd in (self.master, self._slave, self.target):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.master = self._slave = self.target = -1

    def __enter__(self) -> "FaultProxy":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m k210tools.testing.faultproxy", description=__doc__.split("\n\n")[0])
    p.add_argument("device", help="the board's serial device (or a simulated board's pty)")
    p.add_argument("--fault", action="append", default=[], metavar="KIND:DIR[:k=v...]",
                   help=f"a fault to inject (repeatable); KIND in {', '.join(KINDS)}, DIR up or down")
    p.add_argument("--seed", type=int, default=0, help="RNG seed (default 0): the same seed, the same faults")
    p.add_argument("--arm-on", help="count byte offsets from when the host sends this text")
    args = p.parse_args(argv)
    try:
        faults = [parse_fault(s) for s in args.fault]
        proxy = FaultProxy(args.device, faults, args.seed, args.arm_on.encode() if args.arm_on else None)
    except (ValueError, OSError) as e:
        print(f"faultproxy: {e}", file=sys.stderr)
        return 1
    print(proxy.path, flush=True)
    try:
        while not proxy.stop.is_set():
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        proxy.close()
        print(f"faultproxy: {proxy.summary()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
