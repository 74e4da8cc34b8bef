"""`k210 model info` (no board needed) and `k210 model push` (to the SD card or raw SPI flash)."""
from __future__ import annotations

import argparse
import struct
from pathlib import Path

from . import boards, flashmap, transfer
from .progress import progress_bar
from .registry import Command, Session
from .errors import BoardError, K210Error
from .kmodel.info import check_model, describe, report


def _load(path: Path, check: bool = False, force: bool = False):
    try:
        data = path.read_bytes()
    except OSError as e:
        raise K210Error(f"{path}: {e.strerror}") from None
    return data, (check_model(data, str(path), force) if check else describe(data, path.name))


def model_build(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="model_cmd", metavar="info|push")
    sub.required = True
    i = sub.add_parser("info", help="version, producer, inputs/outputs, layers, memory needed, fits or not")
    i.add_argument("model", type=Path)
    i.add_argument("--board", default="SIM", help="board whose model pool to check against (default SIM)")
    i.add_argument("--brief", action="store_true", help="no layer table")
    i.add_argument("--time", action="store_true",
                   help="predicted silicon time per layer and in total (the model of kpu.netinfo's predicted_ms)")
    i.add_argument("--stream", action="store_true",
                   help="figures of kpu.load(offset, stream=True): resident part, buffers, flash read per forward, "
                        "predicted time streamed vs resident (kmodel v3)")
    i.add_argument("--window", type=int, help="with --stream: bytes per buffer (kpu.load's window=)")
    i.add_argument("--buffers", type=int, default=2, choices=(1, 2), help="with --stream: 1 or 2 buffers (default 2)")
    i.add_argument("--spi-hz", type=int, default=80_000_000, help="with --stream: flash clock for the time model")
    i.set_defaults(_model=info_run)
    u = sub.add_parser("push", help="put a model where kpu.load finds it: a file on /sd or a flash offset")
    u.add_argument("model", type=Path)
    where = u.add_mutually_exclusive_group(required=True)
    where.add_argument("--sd", metavar="PATH", help="board path, e.g. /sd/face.kmodel (kpu.load('/sd/face.kmodel'))")
    where.add_argument("--flash", metavar="OFFSET", help="SPI flash offset, e.g. 0x300000 (kpu.load(0x300000))")
    u.add_argument("--force", action="store_true", help="allow writing over the firmware area or /flash filesystem")
    u.add_argument("--baud", type=int, dest="xfer_baud", help="switch the board UART to this rate for the copy")
    u.add_argument("-q", "--quiet", action="store_true", help="no progress bar (nor the summary line printed when stderr is not a terminal)")
    u.set_defaults(_model=push_run)


def model_run(args: argparse.Namespace, s: Session) -> int:
    return args._model(args, s)


def info_run(args: argparse.Namespace, s: Session) -> int:
    _, info = _load(args.model)
    mem = boards.memory(args.board) if info.supported else None
    for line in report(info, mem["model_pool"] if mem else None, boards.board(args.board).name, not args.brief,
                       mem.get("model_pool_max") if mem else None):
        print(line)
    if info.version == 5 and info.supported:
        for line in fits_every_board(info.charge):
            print(line)
    if args.time and info.version == 5:
        raise K210Error(f"{args.model}: --time: the timing model (k210tools/kmodel/timing.py) covers kmodel v3/v4 "
                        "layers, not v5 yet; drop --time")
    if args.time and info.supported:
        for line in time_report(args.model.read_bytes(), args.board):
            print(line)
    if args.stream:
        if info.version != 3:
            raise K210Error(f"{args.model}: --stream: only kmodel v3 files stream from flash (this is v{info.version}); "
                            "load it resident")
        for line in stream_report(args.model.read_bytes(), info.charge, args.window, args.buffers, args.spi_hz):
            print(line)
    elif args.window is not None:
        raise K210Error("model info: --window applies to --stream only")
    return 0


def stream_report(data: bytes, resident_charge: int, window: int | None, buffers: int, spi_hz: int) -> list[str]:
    """The --stream lines: what kpu.load(offset, stream=True, ...) charges and reads, and the
    predicted forward time streamed vs resident (k210tools/kmodel/stream.py)."""
    from .kmodel import stream
    try:
        p = stream.plan(data, window, buffers)
    except ValueError as e:
        raise K210Error(f"model info --stream: kpu.load would refuse it: {e}") from None
    res_ms, str_ms, read_ms = stream.predict(data, p, spi_hz)
    return [f"streamed from flash (kpu.load(offset, stream=True, window={p.window:,}, buffers={buffers})):",
            f"  charge {p.charge:,} B = resident {p.resident:,} B + buffers {buffers} x {p.window:,} B "
            f"({100 * p.charge / resident_charge:.1f}% of the resident load's {resident_charge:,} B)",
            f"  flash read per forward {p.flash:,} B in {p.reads} reads ({len(p.ranges)} K210_CONV layers)",
            f"  predicted forward at {spi_hz / 1e6:g} MHz quad SPI: {str_ms:.2f} ms streamed vs {res_ms:.2f} ms "
            f"resident ({str_ms / res_ms:.2f}x); flash reading alone {read_ms:.2f} ms"]


GENERAL_SRAM = 6 * 1024 * 1024


def fits_every_board(charge: int) -> list[str]:
    """One line per board: fits its default model pool, fits only with the GC heap at its minimum,
    does not fit, or no memory report (board not built here)."""
    out = ["  per board (default GC heap):"]
    for name in boards.BOARDS:
        try:
            mem = boards.memory(name)
        except K210Error:
            if charge > GENERAL_SRAM:
                out.append(f"    {name:<11} does NOT fit: {charge:,} B is more than the whole 6 MiB general SRAM")
            else:
                out.append(f"    {name:<11} unknown (no memory report: ./scripts/build {name})")
            continue
        pool = mem["model_pool"] // 128 * 128
        pmax = mem.get("model_pool_max", pool) // 128 * 128
        if charge <= pool:
            out.append(f"    {name:<11} fits ({charge:,} of {pool:,} B)")
        elif charge <= pmax:
            out.append(f"    {name:<11} fits only with the GC heap at its minimum ({charge:,} of {pmax:,} B)")
        else:
            out.append(f"    {name:<11} does NOT fit: kpu.load raises MemoryError ({charge:,} B > {pmax:,} B at the "
                       "smallest GC heap)")
    return out


def time_report(data: bytes, board: str) -> list[str]:
    """The --time table: per layer where it runs and its predicted ms, then the totals."""
    from .kmodel import timing
    try:
        geo = timing.geometry(data)
    except (struct.error, IndexError) as e:
        raise K210Error(f"model info --time: the layer table does not parse ({e})") from None
    name = boards.board(board).name
    lines = [f"predicted silicon time on {name} (KPU {timing.KPU_HZ // 1_000_000} MHz, "
             f"CPU {timing.CPU_HZ // 1_000_000} MHz; model: k210tools/kmodel/timing.py):",
             f"  {'#':>4}  {'layer':<34} {'runs on':<7} {'ms':>9}"]
    kpu = cpu = 0.0
    for i, g in enumerate(geo):
        ms = timing.layer_ms(g)
        if g.on_kpu:
            kpu += ms
        else:
            cpu += ms
        lines.append(f"  {i:>4}  {g.kind:<34} {'KPU' if g.on_kpu else 'CPU':<7} {ms:>9.3f}")
    lines.append(f"  total {kpu + cpu:.2f} ms (KPU {kpu:.2f} ms, CPU {cpu:.2f} ms)")
    return lines


def push_run(args: argparse.Namespace, s: Session) -> int:
    data, _ = _load(args.model, check=True, force=args.force)
    b = s.board
    if args.sd:
        dst = args.sd[1:] if args.sd.startswith(":") else args.sd
        if not dst.endswith(".kmodel"):
            raise K210Error(f"--sd {dst}: name it .kmodel (MaixPy scripts and kpu.load expect that)")
        update, close = progress_bar(len(data), f"{args.model.name} -> {dst}", not args.quiet)
        try:
            b.put(data, dst, update, args.xfer_baud)
        except BoardError as e:
            raise K210Error(f"model push to {dst}: {e.last_line}") from None
        finally:
            close()
        print(f"{dst}: {len(data):,} B, CRC-checked; kpu.load({dst!r})")
        return 0
    offset = _offset(args.flash)
    head = b.eval("__import__('machine').Flash().read(0, 5)")
    fw_end = flashmap.firmware_end(head)
    flashmap.check_model_range(offset, len(data), args.model.name, fw_end, args.force)
    if not b.info().fast_transfer:
        raise K210Error("model push --flash needs our firmware's k210xfer (this board has none); "
                        "use `k210 flash FIRMWARE --model M@ADDR` over the ISP instead")
    update, close = progress_bar(len(data), f"{args.model.name} -> 0x{offset:x}", not args.quiet)
    try:
        crc = transfer.put_flash(b.t, data, offset, update, args.xfer_baud)
    except BoardError as e:
        raise K210Error(f"model push to flash 0x{offset:x}: {e.last_line}") from None
    finally:
        close()
    end = offset + len(data) - 1
    print(f"flash 0x{offset:x}-0x{end:x}: {len(data):,} B written in 4 KiB sectors, read back CRC-32 "
          f"{crc:08x} OK; kpu.load(0x{offset:x})")
    return 0


def _offset(text: str) -> int:
    try:
        return int(text, 0)
    except ValueError:
        raise K210Error(f"--flash {text!r}: not a number (e.g. 0x300000)") from None


COMMANDS = [
    Command("model", "kmodel tools: `model info M.kmodel [--board B]`, `model push M.kmodel --sd PATH | --flash OFFSET`",
            model_build, model_run),
]
