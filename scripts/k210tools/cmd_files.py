"""File commands on the board's /sd and /flash: ls, cat, cp (binary-safe, CRC-checked), rm, mkdir.
Board paths may carry mpremote's ':' prefix; `cp` needs it on exactly one side."""
from __future__ import annotations

import argparse
import posixpath
import sys
from pathlib import Path

from .progress import progress_bar
from .registry import Command, Session
from .errors import BoardError, K210Error
from .transfer import Interrupted, write_local


def remote(path: str) -> str:
    return path[1:] if path.startswith(":") else path


def _board_errno(e: BoardError, path: str, what: str) -> K210Error:
    last = e.last_line
    for code, text in (("ENOENT", "no such file or directory"), ("EEXIST", "already exists"),
                       ("ENOTEMPTY", "directory not empty"), ("ENOSPC", "no space left"),
                       ("EISDIR", "is a directory"), ("ENOTDIR", "not a directory"),
                       ("EROFS", "read-only filesystem")):
        if code in last:
            return K210Error(f"{what} {path}: {text} on the board")
    return K210Error(f"{what} {path}: {last}")


def ls_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", default="/", help="board directory (default /)")


def ls_run(args: argparse.Namespace, s: Session) -> int:
    path = remote(args.path)
    try:
        rows = s.board.listdir(path)
    except BoardError as e:
        raise _board_errno(e, path, "ls") from None
    for name, is_dir, size in rows:
        print(f"{'':>10} {name}/" if is_dir else f"{size:>10} {name}")
    return 0


def path_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="board path")


def cat_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="board path")
    how = p.add_mutually_exclusive_group()
    how.add_argument("-x", "--hex", action="store_true", help="hex dump (offset, 16 bytes, ASCII)")
    how.add_argument("--force", action="store_true", help="write a binary file's raw bytes to the terminal anyway")


# Control bytes a text file does not hold (tab, LF, FF, CR, backspace and ESC are text: colour
# codes in a log file are fine on a terminal).
_NOT_TEXT = bytes(c for c in range(32) if c not in b"\t\n\f\r\b\x1b") + b"\x7f"


def is_binary(data: bytes) -> bool:
    """True when data is not UTF-8 text, or holds control bytes text never has (NUL, ...)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return any(c in _NOT_TEXT for c in data)


def hexdump(data: bytes) -> str:
    """`00000010  48 65 6c 6c 6f 00 ...  |Hello.|` lines, 16 bytes each."""
    lines = []
    for off in range(0, len(data), 16):
        row = data[off:off + 16]
        hexes = " ".join(f"{b:02x}" for b in row)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in row)
        lines.append(f"{off:08x}  {hexes:<47}  |{text}|")
    lines.append(f"{len(data):08x}")
    return "\n".join(lines) + "\n"


def cat_run(args: argparse.Namespace, s: Session) -> int:
    path = remote(args.path)
    st = s.board.stat(path)
    if st is None:
        raise K210Error(f"cat {path}: no such file on the board")
    if st[0] & 0x4000:
        raise K210Error(f"cat {path}: is a directory (k210 ls {path})")
    data = s.board.get(path)
    if args.hex:
        sys.stdout.write(hexdump(data))
        sys.stdout.flush()
        return 0
    if not args.force and sys.stdout.isatty() and is_binary(data):
        raise K210Error(f"cat {path}: binary file ({len(data):,} B), not written to the terminal: "
                        f"k210 cp :{path} LOCAL copies it, k210 cat --hex {path} shows a hex dump, "
                        "--force prints it raw")
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


def rm_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("-r", "--recursive", action="store_true", help="remove a directory and everything in it")
    p.add_argument("path", help="board path")


_RM_TREE = """
import os
def _rm(p):
    if os.stat(p)[0] & 0x4000:
        for e in os.ilistdir(p):
            _rm(p.rstrip('/') + '/' + e[0])
        os.rmdir(p)
    else:
        os.remove(p)
"""


def rm_run(args: argparse.Namespace, s: Session) -> int:
    path = remote(args.path)
    st = s.board.stat(path)
    if st is None:
        raise K210Error(f"rm {path}: no such file or directory on the board")
    try:
        if st[0] & 0x4000:
            if not args.recursive:
                raise K210Error(f"rm {path}: is a directory (use rm -r)")
            s.board.exec(_RM_TREE + f"_rm({path!r})\n")
        else:
            s.board.exec(f"__import__('os').remove({path!r})")
    except BoardError as e:
        raise _board_errno(e, path, "rm") from None
    return 0


def mkdir_run(args: argparse.Namespace, s: Session) -> int:
    path = remote(args.path)
    try:
        s.board.exec(f"__import__('os').mkdir({path!r})")
    except BoardError as e:
        raise _board_errno(e, path, "mkdir") from None
    return 0


def cp_build(p: argparse.ArgumentParser) -> None:
    p.add_argument("src", help="source: local path, or :board/path")
    p.add_argument("dst", help="destination: :board/path (or ':' / a directory), or local path")
    p.add_argument("--baud", type=int, dest="xfer_baud", help="switch the board UART to this rate for "
                   "the copy and back (e.g. 1500000; our firmware only)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar (nor the summary line printed when stderr is not a terminal)")


def cp_run(args: argparse.Namespace, s: Session) -> int:
    src_remote, dst_remote = args.src.startswith(":"), args.dst.startswith(":")
    if src_remote == dst_remote:
        raise K210Error("cp: mark exactly one side as the board's with ':' (cp a.bin :/sd/a.bin, "
                        "cp :/sd/a.bin a.bin)")
    b = s.board
    if dst_remote:
        local = Path(args.src)
        try:
            data = local.read_bytes()
        except OSError as e:
            raise K210Error(f"cp: {local}: {e.strerror}") from None
        dst = remote(args.dst) or "/sd/"
        st = b.stat(dst.rstrip("/") or "/")
        if dst.endswith("/") or (st is not None and st[0] & 0x4000):
            dst = posixpath.join(dst, local.name)
        update, close = progress_bar(len(data), f"{local.name} -> :{dst}", not args.quiet)
        try:
            b.put(data, dst, update, args.xfer_baud)
        except BoardError as e:
            raise _board_errno(e, dst, "cp to") from None
        finally:
            close()
        return 0
    src = remote(args.src)
    st = b.stat(src)
    if st is None:
        raise K210Error(f"cp: {src}: no such file on the board")
    if st[0] & 0x4000:
        raise K210Error(f"cp: {src} is a directory on the board")
    dst_path = Path(args.dst)
    if dst_path.is_dir():
        dst_path = dst_path / posixpath.basename(src)
    update, close = progress_bar(st[1], f":{src} -> {dst_path.name}", not args.quiet)
    try:
        data = b.get(src, update, args.xfer_baud)
    except Interrupted as e:
        raise K210Error(f"{e}; {dst_path} is as it was") from None
    except BoardError as e:         # e.g. the copy command arrived garbled: one line, like cp to
        raise _board_errno(e, src, "cp from") from None
    finally:
        close()
    write_local(dst_path, data)
    return 0


COMMANDS = [
    Command("ls", "list a board directory (/sd, /flash)", ls_build, ls_run),
    Command("cat", "print a board file (binary files: not to a terminal; --hex dumps them)", cat_build, cat_run),
    Command("cp", "copy a file to or from the board (binary-safe, CRC-checked, progress bar)", cp_build, cp_run),
    Command("rm", "remove a board file (or directory with -r)", rm_build, rm_run),
    Command("mkdir", "make a board directory", path_build, mkdir_run),
]
