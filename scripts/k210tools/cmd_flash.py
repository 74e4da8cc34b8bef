"""ISP commands: kfpkg (build a package) and flash (kflash, or the simulated board's flash.img)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import flash, kfpkg
from .boards import board as board_info
from .registry import Command, Session
from .errors import K210Error
from .progress import Close, Update, progress_bar


def kfpkg_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("out", type=Path, help="the .kfpkg to write")
    p.add_argument("files", nargs="+", metavar="FILE@ADDR",
                   help="file and flash address; the file at 0 is the firmware (boot header), others raw")


def kfpkg_run(args: argparse.Namespace, s: Session) -> int:
    entries = [kfpkg.entry_from_spec(x) for x in args.files]
    if args.out.suffix != ".kfpkg":
        raise K210Error(f"{args.out}: name it .kfpkg (kflash only unpacks files with that extension)")
    kfpkg.write(args.out, entries)
    for e in sorted(entries, key=lambda e: e.address):
        print(e.describe())
    print(f"wrote {args.out}")
    return 0


def flash_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("firmware", type=Path, help="firmware .bin (written at 0 with the boot header) or a .kfpkg")
    p.add_argument("--model", action="append", default=[], metavar="M@ADDR",
                   help="also write this file raw at ADDR (e.g. face.kmodel@0x300000); repeatable")
    p.add_argument("--board", help="board name (sets kflash's DTR/RTS reset sequence); default: kflash tries each")
    p.add_argument("--baud", "--flash-baud", type=int, default=1500000, dest="flash_baud",
                   help="ISP baud rate after the stub starts (default 1500000)")
    p.add_argument("--force", action="store_true", help="allow models in the firmware area or /flash filesystem, "
                   "and kmodel versions kpu.load does not support")
    p.add_argument("--dry-run", action="store_true", help="print what would be written where, and stop")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar (nor the summary line printed when stderr is not a terminal)")
    p.add_argument("-v", "--verbose", action="store_true", help="show kflash's messages")


def flash_run(args: argparse.Namespace, s: Session) -> int:
    info = board_info(args.board) if args.board else None
    port = args.port or None
    if port is None:
        from .ports import autodetect
        port = autodetect(info.name if info else None) if not args.dry_run else "(autodetect)"
    p = flash.plan(args.firmware, args.model, info, port, args.flash_baud, args.force)
    for line in p.lines():
        print(line)
    if args.dry_run:
        return 0
    if port == "sim":
        from .simboard import state_dir
        image = state_dir() / "flash.img"
        flash.write_sim(p, image)
        print(f"wrote {image}")
        return 0
    bars: dict[str, tuple[Update, Close, list[int]]] = {}

    def progress(what: str, done: int, total: int) -> None:
        if args.quiet:
            return
        if what not in bars:
            update, close = progress_bar(total, what)
            bars[what] = (update, close, [0])
        update, _, seen = bars[what]
        update(done - seen[0])
        seen[0] = done

    try:
        flash.run(p, progress, (lambda m: print(m, file=sys.stderr)) if args.verbose else None)
    finally:
        for _, close, _ in bars.values():
            close()
    print("flashed; the board is rebooting")
    return 0


COMMANDS = [
    Command("kfpkg", "build a .kfpkg (firmware at 0 with sha256 prefix, data raw; no overlaps)", kfpkg_build, kfpkg_run),
    Command("flash", "flash firmware (+ models) over the ISP through kflash; -p sim writes the simulated "
            "board's flash.img", flash_build, flash_run),
]
