"""Board farms on one host: a list of boards (`--port a,b,id:SERIAL,usb:1-1.2`), each resolved to
the port it opens, checked for duplicates, split among pytest-xdist workers, and each board's
identity (kind, firmware, unique id) for test reports."""
from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .errors import K210Error
from .ports import PortInfo, scan

# Specs that start a fresh process per use: listing them twice means two boards, not one twice.
FRESH = ("sim", "qemu")
LABGRID = "lg:"          # lg:TARGET/DRIVER, a board handed out by a labgrid place (labgrid_k210)


def split_specs(values: Iterable[str | None]) -> list[str]:
    """`--port a,b --port c` -> [a, b, c]; empty items are an error (a stray comma hides a typo)."""
    out: list[str] = []
    for v in values:
        if v is None:
            continue
        for i, item in enumerate(v.split(",")):
            item = item.strip()
            if not item:
                raise K210Error(f"--port {v!r}: empty entry at position {i + 1}; separate boards with "
                                "single commas, e.g. --port /dev/ttyUSB0,/dev/ttyUSB1")
            out.append(item)
    return out


def _match(spec: str, ports: list[PortInfo]) -> PortInfo:
    kind, _, want = spec.partition(":")
    if kind == "id":
        found = [p for p in ports if p.serial_number == want]
        what = "USB serial number"
        known = sorted({p.serial_number for p in ports if p.serial_number})
    else:
        # usb:1-1.2 is the device (its REPL channel is picked below); usb:1-1.2:1.0 one interface
        found = [p for p in ports if want in (_location(p), p.location)]
        what = "USB location"
        known = sorted({_location(p) for p in ports if _location(p)})
    if len(found) > 1:
        # a two-channel bridge (FT2232) has one serial number: take the channel that is a REPL
        repl = [p for p in found if p.is_candidate]
        found = repl if len(repl) == 1 else found
    if not found:
        seen = ", ".join(known) if known else "no USB serial ports at all"
        raise K210Error(f"{spec}: no port with {what} {want!r} (seen: {seen}); "
                        "`k210 ports` lists them")
    if len(found) > 1:
        raise K210Error(f"{spec}: {len(found)} ports match ({', '.join(p.device for p in found)}); "
                        "name the device instead")
    return found[0]


def _location(p: PortInfo) -> str:
    return p.location.split(":")[0] if p.location else ""


def resolve(specs: list[str], scanner=scan) -> list[str]:
    """Each spec as open_port takes it: id:/usb: become devices; duplicates are refused in one line."""
    ports: list[PortInfo] | None = None
    out: list[str] = []
    seen: dict[str, str] = {}
    for spec in specs:
        if spec.startswith(("id:", "usb:")):
            if ports is None:
                ports = scanner()
            dev = _match(spec, ports).device
        else:
            dev = spec
        if dev not in FRESH:
            # /dev/serial/by-id/... and /dev/ttyUSB0 are the same board
            key = os.path.realpath(dev) if dev.startswith("/") else dev
            if key in seen:
                first = seen[key]
                how = f"as {first!r} and {spec!r}" if first != spec else f"{spec!r} twice"
                raise K210Error(f"--port lists the board at {key} {how}: list each board once")
            seen[key] = spec
        out.append(dev)
    return out


def worker_slot(workerinput: dict | None) -> tuple[int, int]:
    """(this worker's index, number of workers) under pytest-xdist; (0, 1) without it."""
    if not workerinput:
        return 0, 1
    wid = str(workerinput.get("workerid", "gw0"))
    return int(wid[2:]) if wid.startswith("gw") and wid[2:].isdigit() else 0, int(workerinput.get("workercount", 1))


def share(boards: list[str], index: int, workers: int) -> list[str]:
    """The boards worker `index` of `workers` owns: one worker per board (fresh sims are unlimited)."""
    if workers == 1:
        return boards
    if boards and all(b in FRESH for b in boards):
        return [boards[index % len(boards)]] + boards[1:] if len(boards) > 1 else boards
    if len(boards) < workers:
        raise K210Error(f"-n {workers} workers but {len(boards)} board(s) given "
                        f"({', '.join(boards) or 'none'}): give one board per worker, or -n {len(boards)}")
    return boards[index::workers]


@dataclass(frozen=True)
class Identity:
    kind: str          # os.uname().machine
    firmware: str      # os.uname().version
    unique_id: str     # machine.unique_id() in hex ('' where the firmware has none)
    port: str          # how the host reached it

    def properties(self) -> list[tuple[str, str]]:
        return [("board_kind", self.kind), ("board_firmware", self.firmware),
                ("board_unique_id", self.unique_id), ("board_port", self.port)]

    def line(self) -> str:
        return f"{self.kind}; {self.firmware}; unique id {self.unique_id or '-'}; via {self.port}"


def identify(board, port: str) -> Identity:
    """Reads the identity from the board itself (one exec)."""
    kind, version, uid = board.eval(
        "(lambda o,m:(o.uname()[4],o.uname()[3],"
        "__import__('binascii').hexlify(m.unique_id()).decode() if hasattr(m,'unique_id') else ''))"
        "(__import__('os'),__import__('machine'))")
    return Identity(str(kind), str(version), str(uid), port)


@contextlib.contextmanager
def host_lock(name: str, timeout: float | None = 300.0, poll: float = 0.05) -> Iterator[Path]:
    """An exclusive lock on one host resource, shared by every process of this user on the host
    (flock on $TMPDIR/k210-host-NAME.lock, released by the kernel if the holder dies)."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    path = Path(tempfile.gettempdir()) / f"k210-host-{safe}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        start = time.monotonic()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if timeout is not None and time.monotonic() - start > timeout:
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                    raise K210Error(f"host resource {name!r}: still held by pid {holder} after "
                                    f"{timeout:g}s ({path})") from None
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield path
    finally:
        os.close(fd)      # closing the descriptor releases the lock
