"""The serial transport: a Transport over pyserial, for a device (/dev/ttyUSB0, a pty) or a pyserial
URL (socket://HOST:PORT, rfc2217://HOST:PORT). It opens what it is given and nothing else: the
simulated and QEMU boards are started by their launchers, which hand it their port path."""
from __future__ import annotations

import errno

import serial

from .errors import K210Error
from .transport import LinkError, Transport


class SerialTransport(Transport):
    def __init__(self, port: serial.SerialBase, name: str) -> None:
        super().__init__(name)
        self._port = port

    @classmethod
    def open(cls, url: str, baud: int = 115200, name: str | None = None) -> "SerialTransport":
        """Opens url exclusively with DTR and RTS released; a K210Error names the port on failure."""
        extra: dict = {"write_timeout": 10}
        if url.startswith("rfc2217://"):
            # pyserial's RFC 2217 client has no write timeout, and a server in front of a pty (ser2net)
            # never confirms DTR/RTS changes: the client must not wait for those confirmations.
            extra = {}
            if "ign_set_control" not in url:
                url += ("&" if "?" in url else "?") + "ign_set_control"
        try:
            port = serial.serial_for_url(url, do_not_open=True, baudrate=baud, timeout=0.02,
                                         exclusive=True, **extra)
            # Maix boards wire DTR/RTS to RESET and IO16 (ISP): keep both released
            # (docs/host-tools.md, "Ports").
            port.dtr = False
            port.rts = False
            port.open()
        except (serial.SerialException, ValueError, OSError) as e:
            msg = str(e)
            if "busy" in msg.lower() or "lock" in msg.lower() or "Errno 16" in msg:
                raise K210Error(f"{url}: port busy (another program has it open: close it and retry)") from None
            raise K210Error(f"{url}: cannot open ({msg})") from None
        return cls(port, name or url)

    def _send(self, data: bytes) -> None:
        try:
            self._port.write(data)
        except serial.SerialException as e:
            raise LinkError(str(e)) from None

    def _recv(self, n: int) -> bytes:
        try:
            return self._port.read(n)
        except serial.SerialException as e:
            raise LinkError(str(e)) from None

    def _waiting(self) -> int:
        try:
            return self._port.in_waiting
        except (serial.SerialException, OSError) as e:
            raise LinkError(str(e)) from None

    @property
    def baudrate(self) -> int:
        return self._port.baudrate

    @baudrate.setter
    def baudrate(self, value: int) -> None:
        try:
            self._port.baudrate = value
        except (serial.SerialException, ValueError) as e:
            raise K210Error(f"{self.name}: cannot set {value} baud ({e})") from None

    def set_lines(self, dtr: bool, rts: bool) -> None:
        try:
            self._port.dtr, self._port.rts = dtr, rts
        except OSError as e:
            if e.errno in (errno.ENOTTY, errno.EINVAL):
                super().set_lines(dtr, rts)     # its "no DTR/RTS lines" error
            raise

    def _close(self) -> None:
        try:
            self._port.close()
        except serial.SerialException as e:
            raise LinkError(str(e)) from None
