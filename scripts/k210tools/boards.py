"""What the host needs to know about each board: USB bridge, which interface is the REPL, the
kflash board name (ISP reset sequence), the plain-reset sequence, and where its memory report is."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import K210Error

ROOT = Path(__file__).resolve().parents[2]

CH340 = (0x1A86, 0x7523)
FT2232 = (0x0403, 0x6010)       # CH552 (Sipeed-Debug), GD32 and STM32 open-ec bridges look like this


@dataclass(frozen=True)
class BoardInfo:
    name: str
    bridge: tuple[int, int]
    repl_interface: int | None   # USB interface number of the K210 UART (None: single port)
    kflash_board: str            # kflash -B name: selects the DTR/RTS ISP-entry sequence
    reset: tuple[tuple[bool, bool], ...]   # (dtr, rts) steps, 100 ms each, for a plain reset

    def memory_report(self) -> Path:
        return ROOT / "build" / self.name.lower() / "memory.json"


# (dtr, rts): True = asserted = line low (docs/host-tools.md, "Ports").
_DAN_RESET = ((False, False), (False, True), (False, False))
_KD233_RESET = ((False, False), (True, False), (False, False))

BOARDS: dict[str, BoardInfo] = {b.name: b for b in (
    BoardInfo("SIM", (0, 0), None, "", ()),
    BoardInfo("MAIX_BIT", CH340, None, "bit", _DAN_RESET),
    BoardInfo("MAIX_DOCK", CH340, None, "dan", _DAN_RESET),
    BoardInfo("MAIX_GO", FT2232, 1, "goE", _KD233_RESET),
    BoardInfo("MAIXDUINO", FT2232, 0, "goE", _KD233_RESET),
    BoardInfo("MAIX_AMIGO", FT2232, 1, "goE", _KD233_RESET),
    BoardInfo("MAIX_CUBE", FT2232, 0, "goE", _KD233_RESET),
)}


def board(name: str) -> BoardInfo:
    try:
        return BOARDS[name.upper()]
    except KeyError:
        raise K210Error(f"unknown board {name!r}: choose one of {', '.join(BOARDS)}") from None


def sim_memory() -> dict[str, int]:
    """The simulated board's memory split, from boards/SIM/board.h (the same figures its build uses)."""
    text = (ROOT / "boards" / "SIM" / "board.h").read_text()
    vals: dict[str, int] = {}
    for line in text.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and parts[0] == "#define" and parts[1].startswith("BOARD_"):
            expr = parts[2].split("//")[0].strip().replace("u", "")
            try:
                vals[parts[1]] = int(eval(expr, {"__builtins__": {}}))  # noqa: S307 - digits, * + ( ) only
            except Exception:
                continue
    general = 6 * 1024 * 1024
    image, stacks, heap = vals["BOARD_IMAGE_BYTES"], vals["BOARD_STACK_BYTES"], vals["BOARD_GC_HEAP_DEFAULT"]
    heap_min = vals["BOARD_GC_HEAP_MIN"]
    return {"general_sram": general, "image": image, "stacks": stacks, "gc_heap_default": heap,
            "gc_heap_min": heap_min, "model_pool": general - image - stacks - heap,
            "model_pool_max": general - image - stacks - heap_min, "ai_sram": 2 * 1024 * 1024,
            "flash_bytes": vals["BOARD_FLASH_BYTES"]}


def memory(name: str) -> dict[str, int]:
    """A board's memory split: build/<board>/memory.json (written by its build), SIM from board.h."""
    info = board(name)
    path = info.memory_report()
    if path.exists():
        try:
            data = json.loads(path.read_text())
        except ValueError as e:
            raise K210Error(f"{path}: not valid JSON ({e}); rebuild with ./scripts/build {info.name}") from None
        if "model_pool" not in data:
            raise K210Error(f"{path}: has no 'model_pool' figure; rebuild with ./scripts/build {info.name}")
        return {k: int(v) for k, v in data.items() if isinstance(v, int)}
    if info.name == "SIM":
        return sim_memory()
    raise K210Error(f"no memory report for {info.name}: build it first (./scripts/build {info.name} "
                    f"writes {path.relative_to(ROOT)})")
