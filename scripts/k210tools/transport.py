"""The wire to a board: opening a port (device, pyserial URL, `sim`, `qemu`, autodetect) and the raw REPL
protocol on it (raw-paste with flow control, plain raw mode for MaixPy-v1, interrupt, soft reset)."""
from __future__ import annotations

import time
from typing import Callable

import serial

from .errors import BoardError, K210Error
from .qemuboard import QemuBoard
from .simboard import SimBoard

RAW_BANNER = b"raw REPL; CTRL-B to exit\r\n"
Stream = Callable[[bytes], None]


class Transport:
    """A serial link to a MicroPython board, counting the bytes it moves (for the benchmark)."""

    def __init__(self, port: serial.SerialBase, name: str, sim: SimBoard | QemuBoard | None = None) -> None:
        self.port = port
        self.name = name
        self.sim = sim
        self.pending = b""
        self.in_raw = False
        self.use_raw_paste: bool | None = None    # None: not tried yet on this connection
        self.bytes_out = 0
        self.bytes_in = 0
        self.soft_reboot_line = b""
        self.busy = False      # code started and not followed to its end (e.g. a timeout hit)

    # ---- bytes ----
    def write(self, data: bytes) -> None:
        try:
            self.port.write(data)
        except serial.SerialException as e:
            raise K210Error(f"{self.name}: write failed ({e}); is the board still connected?") from None
        self.bytes_out += len(data)

    def _read_some(self, n: int) -> bytes:
        try:
            got = self.port.read(n)
        except serial.SerialException as e:
            raise K210Error(f"{self.name}: read failed ({e}); is the board still connected?") from None
        self.bytes_in += len(got)
        return got

    def read_until(self, marker: bytes, timeout: float | None = 10.0, stream: Stream | None = None,
                   what: str = "") -> bytes:
        """Bytes up to and including marker (timeout: seconds without any byte; None waits forever).
        With stream, bytes are handed over as they arrive (minus the marker) instead of kept."""
        buf = self.pending
        self.pending = b""
        last = time.monotonic()
        streamed = 0
        while True:
            i = buf.find(marker)
            if i >= 0:
                cut = i + len(marker)
                self.pending = buf[cut:]
                if stream and i > streamed:
                    stream(buf[streamed:i])
                return buf[:cut]
            if stream:
                # keep a tail that may be the start of the marker
                safe = len(buf) - (len(marker) - 1)
                if safe > streamed:
                    stream(buf[streamed:safe])
                    streamed = safe
            chunk = self._read_some(max(1, min(self.port.in_waiting, 65536)))
            if chunk:
                buf += chunk
                last = time.monotonic()
            elif timeout is not None and time.monotonic() - last > timeout:
                self.pending = b""
                raise K210Error(f"{self.name}: no answer from the board{' ' + what if what else ''} "
                                f"(waited {timeout:g}s for {marker!r}; last bytes {buf[-80:]!r}); "
                                "check the port, the baud rate and that the board is running")

    def read_exact(self, n: int, timeout: float = 10.0) -> bytes:
        buf = bytearray(self.pending[:n])
        self.pending = self.pending[n:]
        last = time.monotonic()
        while len(buf) < n:
            chunk = self._read_some(min(n - len(buf), 65536))
            if chunk:
                buf += chunk
                last = time.monotonic()
            elif time.monotonic() - last > timeout:
                raise K210Error(f"{self.name}: board stopped sending ({len(buf)} of {n} bytes after {timeout:g}s)")
        return bytes(buf)

    def drain(self, quiet: float = 0.15) -> bytes:
        buf, self.pending = self.pending, b""
        last = time.monotonic()
        while time.monotonic() - last < quiet:
            chunk = self._read_some(4096)
            if chunk:
                buf += chunk
                last = time.monotonic()
        return buf

    # ---- raw REPL ----
    def interrupt(self) -> None:
        """Ctrl-C: stops the program the board is running."""
        self.write(b"\r\x03")

    def enter_raw(self, soft_reset: bool = False) -> None:
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
            self.write(b"\x04")
            self.soft_reboot_line = self.read_until(b"soft reboot\r\n", 10.0, what="to a soft reset").strip().splitlines()[-1]
            self.read_until(RAW_BANNER, 10.0)
            self.read_until(b">", 5.0)
            self.use_raw_paste = None if self.use_raw_paste else self.use_raw_paste
        self.in_raw = True

    def exit_raw(self) -> None:
        self.write(b"\r\x02")
        self.in_raw = False

    def soft_reset(self) -> None:
        """Ctrl-D in the raw REPL: a fresh interpreter (boot.py runs again); stays in raw mode."""
        if not self.in_raw or self.busy:
            self.enter_raw(soft_reset=True)
            self.busy = False
            return
        self.write(b"\x04")
        self.soft_reboot_line = self.read_until(b"soft reboot\r\n", 10.0, what="to a soft reset").strip().splitlines()[-1]
        self.read_until(RAW_BANNER, 10.0)
        self.read_until(b">", 5.0)

    def _raw_paste(self, code: bytes) -> bool:
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
            while credit == 0 or self.port.in_waiting or self.pending:
                b = self.read_exact(1, 10.0)
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
        if not self.in_raw or self.busy:
            self.enter_raw()
        self.busy = True
        if self.use_raw_paste is not False:
            if self._raw_paste(data):
                self.use_raw_paste = True
                return
            self.use_raw_paste = False
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
        self.busy = False
        return out, err

    def exec(self, code: str | bytes, timeout: float | None = 30.0, stream: Stream | None = None) -> str:
        self.exec_no_follow(code)
        out, err = self.follow(timeout, stream)
        if err:
            raise BoardError(err.decode(errors="replace").replace("\r\n", "\n"))
        return out.decode(errors="replace").replace("\r\n", "\n")

    def close(self) -> None:
        try:
            if self.in_raw:
                self.exit_raw()
        except K210Error:
            pass          # the line is gone (cable pulled): still close the port, no traceback
        try:
            self.port.close()
        except (serial.SerialException, OSError):
            pass
        if self.sim:
            self.sim.stop()


def open_port(spec: str | None, baud: int = 115200, board: str | None = None, maixpy_sim: bool = False) -> Transport:
    """spec: a device, a pyserial URL (socket://, rfc2217://), 'sim', 'qemu', or None (autodetect)."""
    sim: SimBoard | QemuBoard | None = None
    if spec == "sim":
        sim = SimBoard(maixpy=maixpy_sim)
        url = sim.path
    elif spec == "qemu":
        sim = QemuBoard()
        url = sim.path
    elif spec is None:
        from .ports import autodetect
        url = autodetect(board)
    else:
        url = spec
    try:
        # pyserial's RFC 2217 client refuses write_timeout (what labgrid/ser2net hand out)
        # and ser2net on a pty never confirms DTR/RTS changes (they are still sent).
        wt = {} if url.startswith("rfc2217://") else {"write_timeout": 10}
        if url.startswith("rfc2217://") and "ign_set_control" not in url:
            url += ("&" if "?" in url else "?") + "ign_set_control"

        port = serial.serial_for_url(url, do_not_open=True, baudrate=baud, timeout=0.02,
                                     exclusive=True, **wt)
        # Maix boards wire DTR/RTS to RESET and IO16 (ISP): keep both released (docs 2.5).
        port.dtr = False
        port.rts = False
        port.open()
    except (serial.SerialException, ValueError, OSError) as e:
        if sim:
            sim.stop()
        msg = str(e)
        if "busy" in msg.lower() or "lock" in msg.lower() or "Errno 16" in msg:
            raise K210Error(f"{url}: port busy (another program has it open: close it and retry)") from None
        raise K210Error(f"{url}: cannot open ({msg})") from None
    return Transport(port, spec if sim else url, sim)
