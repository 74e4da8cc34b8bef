"""`k210 flash`: ISP flashing through kflash 1.1.6 used as a library. A plain firmware goes to kflash
as is; firmware plus models becomes a checked .kfpkg first (kflash has no 'write X at ADDR')."""
from __future__ import annotations

import contextlib
import errno
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import serial

from . import kfpkg
from .boards import BoardInfo
from .errors import K210Error
from .flashmap import check_model_range
from .kmodel.info import check_model

BAUDS = (115200, 230400, 460800, 921600, 1500000, 2000000, 3000000)


@dataclass
class Plan:
    entries: list[kfpkg.Entry]
    board: BoardInfo | None
    port: str
    baud: int
    source: Path | None = None      # an existing .kfpkg/.bin passed through unchanged

    def lines(self) -> list[str]:
        who = f"board {self.board.name} (kflash -B {self.board.kflash_board})" if self.board else \
            "board autodetected by kflash (dan, kd233, goD reset sequences in turn)"
        out = [f"flash via {self.port} at {self.baud} baud, {who}:"]
        out += ["  " + e.describe() for e in sorted(self.entries, key=lambda e: e.address)]
        total = sum(e.flash_bytes for e in self.entries)
        out.append(f"  {total:,} B to write, then reboot")
        return out


def plan(firmware: Path, models: list[str], board: BoardInfo | None, port: str, baud: int,
         force: bool = False) -> Plan:
    if baud not in BAUDS:
        raise K210Error(f"--baud {baud}: kflash rates are {', '.join(map(str, BAUDS))}")
    if not firmware.exists():
        raise K210Error(f"{firmware}: no such file")
    source = None
    if firmware.suffix == ".kfpkg":
        entries = kfpkg.read(firmware)
        source = firmware if not models else None
    else:
        data = firmware.read_bytes()
        if data[:4] == b"\x7fELF":
            raise K210Error(f"{firmware}: an ELF file; flash the .bin objcopy makes from it")
        if not data:
            raise K210Error(f"{firmware}: empty file")
        entries = [kfpkg.Entry(0, firmware.name, data, True)]
        source = firmware if not models else None
    fw_end = max((e.end for e in entries if e.sha256_prefix), default=0)
    for spec in models:
        e = kfpkg.entry_from_spec(spec)
        if e.address == 0:
            raise K210Error(f"{spec}: a model cannot go to 0x0, where the firmware boots from")
        e = kfpkg.Entry(e.address, e.name, e.data, False)
        check_model(e.data, e.name, force)      # the same refusals as `k210 model push`
        check_model_range(e.address, len(e.data), e.name, fw_end, force)
        entries.append(e)
    kfpkg.check(entries)
    return Plan(entries, board, port, baud, source)


class _Lines:
    """A pyserial port whose missing modem lines (ptys, sockets) are reported instead of fatal:
    such a board must be put into ISP mode by hand (hold BOOT, press RESET)."""

    def __init__(self, port: serial.SerialBase, warn: Callable[[str], None]) -> None:
        object.__setattr__(self, "_p", port)
        object.__setattr__(self, "_warn", warn)
        object.__setattr__(self, "_warned", False)

    def _line(self, name: str, value: bool) -> None:
        try:
            setattr(self._p, name, value)
        except OSError as e:
            if e.errno not in (errno.ENOTTY, errno.EINVAL):
                raise
            if not self._warned:
                object.__setattr__(self, "_warned", True)
                self._warn(f"{self._p.port}: no DTR/RTS lines; if the board does not answer, hold BOOT "
                           "and press RESET to enter ISP mode")

    def setDTR(self, value: bool = True) -> None:
        self._line("dtr", value)

    def setRTS(self, value: bool = True) -> None:
        self._line("rts", value)

    def __getattr__(self, name: str):
        return getattr(self._p, name)

    def __setattr__(self, name: str, value) -> None:
        if name in ("dtr", "rts"):
            self._line(name, value)
        else:
            setattr(self._p, name, value)


@contextlib.contextmanager
def _kflash_ports(warn: Callable[[str], None]) -> Iterator[None]:
    """kflash opens `serial.Serial(port=...)`; let it open pyserial URLs and line-less ports too."""
    original = serial.Serial

    def opener(port=None, **kw):
        if port and "://" in port:
            serial.Serial = original  # type: ignore[misc]   # serial_for_url builds on Serial itself
            try:
                p = serial.serial_for_url(port, **kw)
            finally:
                serial.Serial = opener  # type: ignore[assignment,misc]
        else:
            p = original(port=port, **kw)
        return _Lines(p, warn)

    serial.Serial = opener  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        serial.Serial = original  # type: ignore[misc]


def run(p: Plan, progress: Callable[[str, int, int], None] | None = None,
        log: Callable[[str], None] | None = None) -> None:
    import kflash

    lines: list[str] = []

    def say(*args, **kw) -> None:
        text = " ".join(str(a) for a in args).replace("\x1b", "")
        lines.append(text)
        if log and text.strip() and kw.get("end", "\n") == "\n":
            log(text)

    def cb(file_type: str, done: int, total: int, speed: str) -> None:
        if progress:
            progress(file_type, done, total)

    with tempfile.TemporaryDirectory(prefix="k210-flash-") as tmp:
        path = p.source
        if path is None:
            path = Path(tmp) / "image.kfpkg"
            kfpkg.write(path, p.entries)
        k = kflash.KFlash(print_callback=say)
        saved = kflash.KFlash.print_callback
        kflash.KFlash.print_callback = say      # KFlash.log reads the class attribute, not the instance's
        with _kflash_ports(lambda m: log(m) if log else None):
            try:
                k.process(terminal=False, dev=p.port, baudrate=p.baud,
                          board=p.board.kflash_board if p.board and p.board.kflash_board else None,
                          file=str(path), callback=cb, noansi=True)
            except Exception as e:   # kflash raises bare Exception(str) for everything
                msg = " ".join(str(e).replace("[ERROR]", "").split())
                hint = "" if "-p" in msg or "port" in msg.lower() else \
                    "; check the port (-p), the board (--board) or try a lower --baud"
                raise K210Error(f"kflash: {msg or type(e).__name__}{hint}") from None
            finally:
                kflash.KFlash.print_callback = saved
    # kflash 1.1.6 answers a BAD_DATA_CHECKSUM reply to FLASH_WRITE by logging it and moving on to
    # the next frame (dump_to_flash breaks out of its retry loop), leaving a hole in flash.
    if any("checksum error" in line.lower() for line in lines):
        raise K210Error("kflash: the board rejected a data frame (checksum error) and kflash skipped it "
                        "instead of resending: the flash is incomplete; flash again, at a lower --baud")


def write_sim(p: Plan, image: Path) -> None:
    """The simulated board's ISP: the same bytes kflash would write, into its flash.img."""
    if not image.exists():
        image.parent.mkdir(parents=True, exist_ok=True)
        image.write_bytes(b"\xff" * kfpkg.FLASH_BYTES)
    with open(image, "r+b") as f:
        for e in p.entries:
            f.seek(e.address)
            f.write(kfpkg.boot_image(e.data) if e.sha256_prefix else e.data)
