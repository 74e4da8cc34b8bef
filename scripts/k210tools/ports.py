"""Serial port discovery: which USB serial ports look like Maix boards, and the autodetect rule
(exactly one candidate, else an error listing them)."""
from __future__ import annotations

from dataclasses import dataclass

from serial.tools import list_ports

from .boards import BOARDS, CH340, FT2232
from .errors import K210Error


@dataclass(frozen=True)
class PortInfo:
    device: str
    vid: int | None
    pid: int | None
    serial_number: str
    interface: int | None
    description: str
    boards: tuple[str, ...]     # boards whose REPL this port can be
    location: str = ""          # USB location (pyserial: "1-1.2:1.0"), for `usb:1-1.2` in farm lists

    @property
    def is_candidate(self) -> bool:
        return bool(self.boards)

    def line(self) -> str:
        ids = f"{self.vid:04x}:{self.pid:04x}" if self.vid is not None else "----:----"
        iface = f"if{self.interface:02d}" if self.interface is not None else "    "
        what = ", ".join(self.boards) if self.boards else "-"
        return f"{self.device:<24} {ids} {iface} {self.description[:28]:<28} {what}"


def _interface(p) -> int | None:
    loc = getattr(p, "location", None) or ""
    # pyserial on Linux: location "1-1.2:1.0" -> the part after ':' is config.interface
    if ":" in loc:
        try:
            return int(loc.rsplit(".", 1)[-1])
        except ValueError:
            return None
    return None


def classify(vid: int | None, pid: int | None, interface: int | None) -> tuple[str, ...]:
    """Boards whose K210 UART could be this port (interface numbers: docs/host-tools.md, "Ports")."""
    if vid is None:
        return ()
    found = []
    for b in BOARDS.values():
        if (vid, pid) != b.bridge:
            continue
        if b.repl_interface is None or interface is None or interface == b.repl_interface:
            found.append(b.name)
    return tuple(found)


def scan() -> list[PortInfo]:
    out = []
    for p in sorted(list_ports.comports(), key=lambda p: p.device):
        iface = _interface(p)
        out.append(PortInfo(p.device, p.vid, p.pid, p.serial_number or "", iface,
                            p.description or "", classify(p.vid, p.pid, iface), getattr(p, "location", None) or ""))
    return out


def autodetect(board: str | None = None) -> str:
    cands = [p for p in scan() if p.is_candidate and (board is None or board.upper() in p.boards)]
    if not cands:
        raise K210Error("no Maix board found on USB (CH340 1a86:7523 or FT2232-style 0403:6010): "
                        "plug one in, or give -p PORT (or -p sim for the simulated board)")
    if len(cands) > 1:
        listing = "; ".join(f"{p.device} ({', '.join(p.boards)})" for p in cands)
        raise K210Error(f"{len(cands)} possible boards: {listing}: choose one with -p PORT")
    return cands[0].device


__all__ = ["PortInfo", "scan", "autodetect", "classify", "CH340", "FT2232"]
