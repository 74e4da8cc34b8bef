"""File transfer, host side. Fast path (our firmware, frozen firmware/py/k210xfer.py): raw blocks
with a one-byte ack each. Fallback (MaixPy-v1: no raw-paste, no k210xfer): base64 chunks through
exec. Both: the receiver writes a temporary file, checks the CRC-32 of the whole payload, and
only then replaces the destination. Speaks to the board through the Transport's public interface
only (bytes, unread, baudrate, exec_no_follow/follow); the wire format is docs/host-protocol.md."""
from __future__ import annotations

import binascii
import os
import time
import zlib
from pathlib import Path
from typing import Callable

from .errors import BoardError, K210Error
from .transport import Transport

ACK = b"\x06"
SYNC = b"\x16"
BLOCK = 2048          # <= the RX ring of every board (MaixPy: 2048), so a block never overruns it
B64_CHUNK = 1536      # fallback: 2 KiB of base64 per exec
Progress = Callable[[int], None]


class Interrupted(K210Error):
    pass


def _switch_host(t: Transport, baud: int) -> None:
    """The host half of k210xfer._switch: the board said 'B' at the old rate and switched."""
    got = t.read_exact(1, 10.0)
    if got != b"B":
        raise K210Error(f"baud switch: expected 'B' from the board, got {got!r}")
    t.baudrate = baud
    time.sleep(0.02)
    t.write(SYNC)
    if t.read_exact(1, 3.0) != SYNC:
        raise K210Error(f"baud switch to {baud}: the board did not answer at the new rate")


def start_code(call: str) -> str:
    """The code that starts k210xfer.<call> on the board. Raw-paste has no checksum, and a byte
    garbled on the line could name another file yet still run (a copy reported done, to the wrong
    place): the board runs the call only if its CRC-32 matches the host's."""
    c = call.encode()
    return (f"import k210xfer,binascii\n_c={c!r}\nif binascii.crc32(_c)!={binascii.crc32(c)}:"
            "raise OSError('copy command garbled on the line; nothing changed, try again')\n"
            "exec(b'k210xfer.'+_c)\n")


def _start(t: Transport, call: str) -> None:
    t.exec_no_follow(start_code(call))


def _first_byte(t: Transport, expect: bytes) -> None:
    b = t.read_exact(1, 30.0)
    if b == expect:
        return
    if b == b"\x04":            # the board raised before the copy started: stdout ended
        t.unread(b)
        _, err = t.follow(10.0)
        raise BoardError(err.decode(errors="replace").replace("\r\n", "\n"))
    raise K210Error(f"transfer: board sent {b + t.drain()!r} instead of starting the copy")


def _begin(t: Transport, baud: int | None) -> None:
    """Waits for the board's go-ahead (after the optional baud switch), or its traceback."""
    b = t.read_exact(1, 30.0)
    t.unread(b)
    if b == ACK or b == b"\x04" or not baud:
        _first_byte(t, ACK)
        return
    _switch_host(t, baud)
    _first_byte(t, ACK)


def put_fast(t: Transport, data: bytes, remote: str, progress: Progress | None = None,
             baud: int | None = None) -> None:
    crc = zlib.crc32(data)
    old_baud = t.baudrate
    _start(t, f"recv({remote!r}, {len(data)}, {crc}, {BLOCK}, {baud or 0})")
    _begin(t, baud)
    sent = 0
    try:
        while sent < len(data):
            k = min(BLOCK, len(data) - sent)
            t.write(b"\xa5" + k.to_bytes(2, "little") + data[sent:sent + k])
            _ack_or_error(t)
            sent += k
            if progress:
                progress(k)
    except KeyboardInterrupt:
        t.write(b"\x00\x00\x00")        # a header the board rejects: it deletes PATH.part
        t.follow(30.0)                    # its "aborted by the host" error is the expected answer
        raise Interrupted(f"copy to {remote} interrupted after {sent} of {len(data)} bytes; "
                          f"{remote} is as it was") from None
    if baud:
        _switch_host(t, old_baud)
    _finish(t, remote)


def put_flash(t: Transport, data: bytes, offset: int, progress: Progress | None = None,
              baud: int | None = None) -> int:
    """Writes data raw into the board's SPI flash at offset (k210xfer.flash_recv); returns the
    CRC-32 the board read back."""
    crc = zlib.crc32(data)
    old_baud = t.baudrate
    _start(t, f"flash_recv({offset}, {len(data)}, {crc}, {BLOCK}, {baud or 0})")
    _begin(t, baud)
    for sent in range(0, len(data), BLOCK):
        k = min(BLOCK, len(data) - sent)
        t.write(b"\xa5" + k.to_bytes(2, "little") + data[sent:sent + k])
        _ack_or_error(t)
        if progress:
            progress(k)
    if baud:
        _switch_host(t, old_baud)
    out, err = t.follow(120.0)
    if err:
        raise BoardError(err.decode(errors="replace").replace("\r\n", "\n"))
    back = int(out.decode().strip() or "0", 16)
    if back != crc:
        raise K210Error(f"flash at 0x{offset:x}: board read back CRC-32 {back:08x}, sent {crc:08x}")
    return back


def _ack_or_error(t: Transport) -> None:
    b = t.read_exact(1, 30.0)
    if b == ACK:
        return
    t.unread(b)
    _first_byte(t, ACK)


def _finish(t: Transport, remote: str) -> None:
    out, err = t.follow(30.0)
    if err:
        raise BoardError(err.decode(errors="replace").replace("\r\n", "\n"))


def get_fast(t: Transport, remote: str, progress: Progress | None = None, baud: int | None = None) -> bytes:
    old_baud = t.baudrate
    _start(t, f"send({remote!r}, {BLOCK}, {baud or 0})")
    _begin(t, baud)
    size = int.from_bytes(t.read_exact(4), "little")
    buf = bytearray()
    try:
        while len(buf) < size:
            k = min(BLOCK, size - len(buf))
            buf += t.read_exact(k, 30.0)
            t.write(ACK)
            if progress:
                progress(k)
    except KeyboardInterrupt:
        t.write(b"\x18")
        t.drain(0.3)
        t.enter_raw()
        raise Interrupted(f"copy from {remote} interrupted after {len(buf)} of {size} bytes") from None
    crc = int.from_bytes(t.read_exact(4), "little")
    if baud:
        _switch_host(t, old_baud)
    _finish(t, remote)
    if zlib.crc32(buf) != crc:
        raise K210Error(f"copy from {remote}: CRC-32 {zlib.crc32(buf):08x} of the received bytes, "
                        f"the board sent {crc:08x}; nothing written, try again")
    return bytes(buf)


def put_b64(t: Transport, data: bytes, remote: str, progress: Progress | None = None) -> None:
    """MaixPy-v1 path: base64 chunks into PATH.part, then a CRC check on the board and a rename."""
    tmp = remote + ".part"
    t.exec(f"import binascii,os\n_f=open({tmp!r},'wb')\n_w=_f.write\n_d=binascii.a2b_base64\n")
    sent = 0
    try:
        for i in range(0, len(data), B64_CHUNK):
            chunk = data[i:i + B64_CHUNK]
            t.exec(f"_w(_d({binascii.b2a_base64(chunk, newline=False).decode()!r}))")
            sent += len(chunk)
            if progress:
                progress(len(chunk))
    except (KeyboardInterrupt, K210Error) as e:
        if isinstance(e, KeyboardInterrupt):
            t.enter_raw()
        try:
            t.exec(f"_f.close()\nos.remove({tmp!r})")
        except K210Error:
            pass
        if isinstance(e, KeyboardInterrupt):
            raise Interrupted(f"copy to {remote} interrupted after {sent} of {len(data)} bytes; "
                              f"{remote} is as it was") from None
        raise
    crc = zlib.crc32(data)
    t.exec(
        "_f.close()\n"
        f"_f=open({tmp!r},'rb')\n_c=0\n"
        "while True:\n"
        " _b=_f.read(4096)\n"
        " if not _b: break\n"
        " _c=binascii.crc32(_b,_c)\n"
        "_f.close()\n"
        f"if _c!={crc}:\n os.remove({tmp!r}); raise ValueError('copy to {remote}: CRC-32 %08x on the board, host sent {crc:08x}' % _c)\n"
        f"try:\n os.remove({remote!r})\nexcept OSError:\n pass\n"
        f"os.rename({tmp!r},{remote!r})\n")


def get_b64(t: Transport, remote: str, progress: Progress | None = None) -> bytes:
    t.exec(f"import binascii\n_f=open({remote!r},'rb')\n_e=binascii.b2a_base64\n")
    buf = bytearray()
    try:
        while True:
            line = t.exec(f"print(_e(_f.read({B64_CHUNK})).decode(),end='')").strip()
            if not line:
                break
            chunk = binascii.a2b_base64(line)
            buf += chunk
            if progress:
                progress(len(chunk))
    finally:
        t.exec("_f.close()")
    return bytes(buf)


def write_local(path: Path, data: bytes) -> None:
    """Temp file + rename, so an interrupted copy leaves the old local file as it was."""
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)
