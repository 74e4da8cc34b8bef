"""The transport base class: the raw REPL protocol (raw-paste with flow control, plain raw mode for
MaixPy-v1, interrupt, soft reset) over any byte link. A subclass supplies the link (six primitives:
_send, _recv, _waiting, baudrate, set_lines, _close); serial_transport.SerialTransport is the one for
devices and pyserial URLs. A transport never starts a board: launchers (simboard, qemuboard) do.

The public interface, which board.py, transfer.py and repl.py use and nothing more:
  bytes     write, read_some, read_exact, read_until, drain, unread, baudrate, set_lines
  REPL      interrupt, enter_raw, exit_raw, soft_reset, exec_no_follow, follow, exec, close
  state     name, in_raw, raw_paste, soft_reboot_line, bytes_out, bytes_in
  frames    attach_frames, detach_frames, request_frame (the host preview: LCD frames taken out of the read path)
The protocol itself is described in docs/host-protocol.md."""
from __future__ import annotations

import threading
import time
from typing import Callable

from . import framewire
from .errors import BoardError, K210Error

RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
Stream = Callable[[bytes], None]


class LinkError(Exception):
    """Raised by a subclass's primitives when the link itself fails (cable pulled, port gone)."""


class Transport:
    """A byte link to a MicroPython board and its raw REPL, counting the bytes it moves."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.bytes_out = 0
        self.bytes_in = 0
        self.soft_reboot_line = b""
        self._pending = b""      # read from the link, not yet consumed
        self._in_raw = False
        self._raw_paste: bool | None = None    # None: not tried yet on this connection
        self._busy = False       # code started and not followed to its end (e.g. a timeout hit)
        self._demux: framewire.FrameDemux | None = None   # set while a preview takes frames
        self._write_lock = threading.Lock()   # the preview's requests come from another thread

    # ---- what a subclass supplies ----
    def _send(self, data: bytes) -> None:
        raise NotImplementedError

    def _recv(self, n: int) -> bytes:
        """Up to n bytes, waiting a short while (tens of ms) at most; b'' if none came."""
        raise NotImplementedError

    def _waiting(self) -> int:
        """Bytes the link has received and not yet handed over."""
        raise NotImplementedError

    @property
    def baudrate(self) -> int:
        raise NotImplementedError

    @baudrate.setter
    def baudrate(self, value: int) -> None:
        raise NotImplementedError

    def set_lines(self, dtr: bool, rts: bool) -> None:
        """Drives the modem lines (Maix boards wire them to RESET and the ISP pin)."""
        raise K210Error(f"{self.name}: this port has no DTR/RTS lines; press the board's RESET button")

    def _close(self) -> None:
        raise NotImplementedError

    # ---- state, read-only outside ----
    @property
    def in_raw(self) -> bool:
        return self._in_raw

    @property
    def raw_paste(self) -> bool | None:
        """Whether the board has raw-paste mode; None until the first exec found out."""
        return self._raw_paste

    # ---- bytes ----
    def write(self, data: bytes) -> None:
        try:
            with self._write_lock:
                self._send(data)
        except LinkError as e:
            raise K210Error(f"{self.name}: write failed ({e}); is the board still connected?") from None
        self.bytes_out += len(data)

    # ---- LCD frames (docs/host-protocol.md section 8) ----
    def attach_frames(self, on_frame: Callable[[framewire.Frame], None]) -> framewire.FrameDemux:
        """From now on frame packets in what the board sends go to on_frame (called in the reading
        thread) instead of the text; only while a request is outstanding, so REPL text is never touched."""
        self._demux = framewire.FrameDemux(on_frame)
        return self._demux

    def detach_frames(self) -> None:
        """Frame packets are REPL text again (nobody takes them)."""
        self._demux = None

    def request_frame(self, shift: int = 0, raw_only: bool = False, have: int = framewire.NO_FRAME,
                      source: int = framewire.LCD) -> None:
        """Asks the board for its LCD frame (or its camera's last snapshot); the answer arrives
        through attach_frames' on_frame."""
        if self._demux is None:
            raise K210Error("request_frame: attach_frames first (nobody would take the answer)")
        req = framewire.request(shift, raw_only, have, source)
        self._demux.arm()
        self.write(req)

    def read_some(self, n: int) -> bytes:
        """What has arrived, up to n bytes (b'' after a short wait if nothing)."""
        if self._pending:
            got, self._pending = self._pending[:n], self._pending[n:]
            return got
        try:
            got = self._recv(n)
        except LinkError as e:
            raise K210Error(f"{self.name}: read failed ({e}); is the board still connected?") from None
        self.bytes_in += len(got)
        if self._demux is not None:
            got = self._demux.feed(got)
        return got

    def unread(self, data: bytes) -> None:
        """Puts bytes back in front of what the next read returns (a protocol peeked at them)."""
        self._pending = data + self._pending

    def read_until(self, marker: bytes, timeout: float | None = 10.0, stream: Stream | None = None,
                   what: str = "") -> bytes:
        """Bytes up to and including marker (timeout: seconds without any byte; None waits forever).
        With stream, bytes are handed over as they arrive (minus the marker) instead of kept."""
        buf = self._pending
        self._pending = b""
        last = time.monotonic()
        seen = self.bytes_in
        streamed = 0
        while True:
            i = buf.find(marker)
            if i >= 0:
                cut = i + len(marker)
                self._pending = buf[cut:]
                if stream and i > streamed:
                    stream(buf[streamed:i])
                return buf[:cut]
            if stream:
                # keep a tail that may be the start of the marker
                safe = len(buf) - (len(marker) - 1)
                if safe > streamed:
                    stream(buf[streamed:safe])
                    streamed = safe
            chunk = self.read_some(max(1, min(self._available(), 65536)))
            if chunk or self.bytes_in != seen:     # bytes of a frame packet are life too
                buf += chunk
                last, seen = time.monotonic(), self.bytes_in
            elif timeout is not None and time.monotonic() - last > timeout:
                raise K210Error(f"{self.name}: no answer from the board{' ' + what if what else ''} "
                                f"(waited {timeout:g}s for {marker!r}; last bytes {buf[-80:]!r}); "
                                "check the port, the baud rate and that the board is running")

    def read_exact(self, n: int, timeout: float = 10.0) -> bytes:
        buf = bytearray()
        last = time.monotonic()
        seen = self.bytes_in
        while len(buf) < n:
            chunk = self.read_some(min(n - len(buf), 65536))
            if chunk or self.bytes_in != seen:
                buf += chunk
                last, seen = time.monotonic(), self.bytes_in
            elif time.monotonic() - last > timeout:
                raise K210Error(f"{self.name}: board stopped sending ({len(buf)} of {n} bytes after {timeout:g}s)")
        return bytes(buf)

    def drain(self, quiet: float = 0.15) -> bytes:
        """Everything the board sends until it has been quiet for `quiet` seconds."""
        buf, self._pending = self._pending, b""
        last = time.monotonic()
        while time.monotonic() - last < quiet:
            chunk = self.read_some(4096)
            if chunk:
                buf += chunk
                last = time.monotonic()
        return buf

    def _available(self) -> int:
        try:
            return self._waiting()
        except LinkError as e:
            raise K210Error(f"{self.name}: read failed ({e}); is the board still connected?") from None

    def _has_input(self) -> bool:
        return bool(self._pending) or self._available() > 0

    # ---- raw REPL ----
    def interrupt(self) -> None:
        """Ctrl-C: stops the program the board is running."""
        self.write(b"\r\x03")

    def enter_raw(self, soft_reset: bool = False) -> None:
        """Interrupts whatever runs and enters the raw REPL (from any state, also a board stuck in
        a k210xfer block); with soft_reset, a fresh interpreter too."""
        self._pending = b""
        self.write(b"\r\x03\x03")
        seen = self.drain()
        self.write(b"\r\x01")
        try:
            self.read_until(RAW_BANNER, 3.0, what="to Ctrl-A")
        except K210Error:
            # A board stuck in a binary transfer ignores Ctrl-C: fill any block it waits for,
            # whose bad header then aborts the transfer (firmware/py/k210xfer.py).
            self.write(b"\x00" * 4200 + b"\r\x03\x03")
            seen += self.drain(0.3)
            self.write(b"\r\x01")
            self.read_until(RAW_BANNER, 5.0, what=f"to Ctrl-A (it said {seen[-60:]!r})")
        self.read_until(b">", 5.0)
        if soft_reset:
            self._soft_reboot()
            # a soft reset may have changed the firmware's mind: ask again on the next exec
            self._raw_paste = None if self._raw_paste else self._raw_paste
        self._in_raw = True
        self._busy = False

    def _soft_reboot(self) -> None:
        self.write(b"\x04")
        self.soft_reboot_line = self.read_until(b"soft reboot\r\n", 10.0,
                                                what="to a soft reset").strip().splitlines()[-1]
        self.read_until(RAW_BANNER, 10.0)
        self.read_until(b">", 5.0)

    def exit_raw(self) -> None:
        self.write(b"\r\x02")
        self._in_raw = False

    def soft_reset(self) -> None:
        """Ctrl-D in the raw REPL: a fresh interpreter (boot.py runs again); stays in raw mode."""
        if not self._in_raw or self._busy:
            self.enter_raw(soft_reset=True)
            return
        self._soft_reboot()

    def _paste(self, code: bytes) -> bool:
        """Sends code with raw-paste flow control; False if the board has no raw-paste mode."""
        self.write(b"\x05A\x01")
        head = self.read_exact(2, 5.0)
        if head == b"R\x00":
            return False
        if head != b"R\x01":
            # MicroPython < 1.14 (MaixPy-v1): \x01 was a raw REPL reset; its banner follows.
            self.read_until(b"w REPL; CTRL-B to exit\r\n>", 5.0)
            return False
        window = int.from_bytes(self.read_exact(2, 5.0), "little")
        credit = window
        sent = 0
        view = memoryview(code)
        while sent < len(code):
            while credit == 0 or self._has_input():
                if credit == 0:
                    b = self.read_exact(1, 10.0)
                else:
                    # what is waiting may be a frame packet only (taken out by the preview's demux)
                    got = self.read_some(max(1, min(self._available(), 65536)))
                    if not got:
                        continue
                    b, rest = got[:1], got[1:]
                    self.unread(rest)
                if b == b"\x01":
                    credit += window
                elif b == b"\x04":
                    self.write(b"\x04")     # the board aborted (syntax error in what it compiled so far)
                    return True
                else:
                    raise K210Error(f"{self.name}: raw-paste protocol error: unexpected {b!r}")
            n = min(credit, len(code) - sent)
            self.write(bytes(view[sent:sent + n]))
            sent += n
            credit -= n
        self.write(b"\x04")
        self.read_until(b"\x04", 30.0, what="to finish compiling")
        return True

    def exec_no_follow(self, code: str | bytes) -> None:
        """Starts code on the board (raw REPL), returning once the board has it."""
        data = code.encode() if isinstance(code, str) else code
        if not self._in_raw or self._busy:
            self.enter_raw()
        self._busy = True
        if self._raw_paste is not False:
            if self._paste(data):
                self._raw_paste = True
                return
            self._raw_paste = False
        for i in range(0, len(data), 256):     # plain raw mode: MicroPython 1.11 has no flow control
            self.write(data[i:i + 256])
            time.sleep(0.01)
        self.write(b"\x04")
        ok = self.read_exact(2, 10.0)
        if ok != b"OK":
            raise K210Error(f"{self.name}: board did not accept the code (said {ok + self.drain()!r})")

    def follow(self, timeout: float | None = None, stream: Stream | None = None) -> tuple[bytes, bytes]:
        """(stdout, stderr) of the running code; stdout streamed as it comes if stream is given."""
        out = self.read_until(b"\x04", timeout, stream=stream, what="while running")[:-1]
        err = self.read_until(b"\x04", timeout, what="after running")[:-1]
        self.read_until(b">", 5.0)
        self._busy = False
        return out, err

    def exec(self, code: str | bytes, timeout: float | None = 30.0, stream: Stream | None = None) -> str:
        self.exec_no_follow(code)
        out, err = self.follow(timeout, stream)
        if err:
            raise BoardError(err.decode(errors="replace").replace("\r\n", "\n"))
        return out.decode(errors="replace").replace("\r\n", "\n")

    def close(self) -> None:
        """Leaves the raw REPL (if the line still works) and closes the link; never raises."""
        try:
            if self._in_raw:
                self.exit_raw()
        except K210Error:
            pass          # the line is gone (cable pulled): still close the port, no traceback
        try:
            self._close()
        except (LinkError, OSError):
            pass
