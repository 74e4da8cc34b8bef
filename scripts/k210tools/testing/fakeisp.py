"""A fake K210 in ISP mode on a pty, for testing `k210 flash` end to end through kflash 1.1.6:
SLIP framing, the ROM greeting and MEMORY_WRITE/BOOT (stage 1), then the flash stub's greeting,
baud set, FLASH_INIT, FLASH_WRITE, erase and REBOOT (stage 2), with CRC-32 checks on every
request. It records what reached 'flash' so a test can compare it with the input files.
Protocol facts: the ISP framing kflash.py (PyPI 1.1.6) speaks, as its source shows."""
from __future__ import annotations

import os
import pty
import struct
import threading
import tty
import zlib
from dataclasses import dataclass, field

OK, BAD_LEN, BAD_CRC, BAD_CMD = 0xE0, 0xE1, 0xE2, 0xE3
FLASH_BYTES = 16 * 1024 * 1024


@dataclass
class IspLog:
    sram: dict[int, bytes] = field(default_factory=dict)      # MEMORY_WRITE frames by address
    boot_address: int | None = None
    bauds: list[int] = field(default_factory=list)            # stage-0 and stub baud changes
    flash_chip: int | None = None
    writes: list[tuple[int, int]] = field(default_factory=list)   # (address, length) per FLASH_WRITE
    erases: list[tuple[int, int]] = field(default_factory=list)
    rebooted: bool = False
    bad_frames: int = 0


class FakeIsp:
    """Serve on .path until close(); .flash is the 16 MiB image (erased = 0xFF), .log the history."""

    def __init__(self, corrupt_write_reply_once: bool = False) -> None:
        self.master, slave = pty.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self._slave = slave           # kept open so the master never sees a hang-up
        self.flash = bytearray(b"\xff" * FLASH_BYTES)
        self.log = IspLog()
        self.stage = 1
        self._corrupt_once = corrupt_write_reply_once
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def image(self, address: int, length: int) -> bytes:
        return bytes(self.flash[address:address + length])

    # ---- wire ----
    def _reply(self, op: int, reason: int) -> None:
        body = bytes([op, reason]).replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc")
        os.write(self.master, b"\xc0" + body + b"\xc0")

    def _frames(self):
        buf = bytearray()
        inside = False
        while not self._stop.is_set():
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            for b in chunk:
                if b == 0xC0:
                    if inside and buf:
                        yield bytes(buf).replace(b"\xdb\xdc", b"\xc0").replace(b"\xdb\xdd", b"\xdb")
                        buf.clear()
                        inside = True      # back-to-back frames share no delimiter in kflash
                    else:
                        inside = True
                        buf.clear()
                elif inside:
                    buf.append(b)

    # ---- protocol ----
    def _serve(self) -> None:
        for frame in self._frames():
            if len(frame) < 12:
                self.log.bad_frames += 1
                continue
            # greeting/status/reboot packets are 13 bytes (op + zero padding), requests 16 + data
            op, _, crc, address, length = struct.unpack_from("<HHIII", frame.ljust(16, b"\0"))
            data = frame[16:]
            if op in (0xC2, 0xD2, 0xD5) and not any(frame[2:]):
                self._greeting_or_reboot(op)
                continue
            if length != len(data) and op in (0xC3, 0xD4):
                self.log.bad_frames += 1
                self._reply(op & 0xFF, BAD_LEN)
                continue
            if zlib.crc32(frame[8:]) != crc:
                self.log.bad_frames += 1
                self._reply(op & 0xFF, BAD_CRC)
                continue
            self._command(op, address, length, data)

    def _greeting_or_reboot(self, op: int) -> None:
        if op == 0xC2 and self.stage == 1:
            self._reply(0xC2, OK)
        elif op == 0xD2 and self.stage == 2:
            self._reply(0xD2, OK)
        elif op == 0xD5 and self.stage == 2:
            self.log.rebooted = True
            self._reply(0xD5, OK)
        else:
            self._reply(op & 0xFF, BAD_CMD)

    def _command(self, op: int, address: int, length: int, data: bytes) -> None:
        if op == 0xC3 and self.stage == 1:                       # ROM MEMORY_WRITE
            self.log.sram[address] = data
            self._reply(0xC3, OK)
        elif op == 0xC5 and self.stage == 1:                     # ROM MEMORY_BOOT: the stub runs
            self.log.boot_address = address
            self.stage = 2
        elif op == 0xC6 and self.stage == 1:                     # ROM baud change (no reply)
            self.log.bauds.append(struct.unpack("<I", data)[0] if len(data) == 4 else length)
        elif op == 0xD6 and self.stage == 2:                     # stub baud set (no reply)
            self.log.bauds.append(struct.unpack("<I", data)[0])
        elif op == 0xD7 and self.stage == 2:                     # FLASH_INIT: chip type in address
            self.log.flash_chip = address
            self._reply(0xD7, OK)
        elif op == 0xD4 and self.stage == 2:                     # FLASH_WRITE
            if address + len(data) > FLASH_BYTES:
                self._reply(0xD4, 0xE6)
                return
            if self._corrupt_once:                               # make kflash resend one frame
                self._corrupt_once = False
                self._reply(0xD4, BAD_CRC)
                return
            self.flash[address:address + len(data)] = data
            self.log.writes.append((address, len(data)))
            self._reply(0xD4, OK)
        elif op in (0xD3, 0xD8) and self.stage == 2:             # erase (blocking / non-blocking)
            end = FLASH_BYTES if length == 0 else address + length
            self.flash[address:end] = b"\xff" * (end - address)
            self.log.erases.append((address, length))
            self._reply(op, OK)
        elif op == 0xD9 and self.stage == 2:                     # FLASH_STATUS: idle
            self._reply(0xD9, OK)
        else:
            self._reply(op & 0xFF, BAD_CMD)

    def close(self) -> None:
        self._stop.set()
        for fd in (self._slave, self.master):
            try:
                os.close(fd)
            except OSError:
                pass
        self._thread.join(2)
