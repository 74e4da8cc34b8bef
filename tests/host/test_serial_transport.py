"""The serial transport over network URLs: a board behind an RFC 2217 server (what ser2net and
labgrid exporters offer) through `k210 -p rfc2217://HOST:PORT`. The server here is pyserial's own
RFC 2217 port manager in a thread, bridging a TCP socket to the simulated board's pty."""
import os
import select
import socket
import threading

import pytest
import serial
from serial.rfc2217 import PortManager

from k210tools.board import Board
from k210tools.cli import main
from k210tools.serial_transport import SerialTransport
from k210tools.simboard import SimBoard, sim_binary


class _PtySerial(serial.Serial):
    """The sim's pty as a pyserial port whose modem lines are accepted and ignored (a pty has none)."""

    def _update_dtr_state(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    cts = dsr = ri = cd = property(lambda self: False)


class _Conn:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def write(self, data: bytes) -> None:
        self.sock.sendall(data)


@pytest.fixture
def rfc2217_board(tmp_path):
    try:
        sim_binary()
    except Exception as e:
        pytest.skip(str(e))
    sim = SimBoard(tmp_path / "state")
    dev = _PtySerial(sim.path, 115200, timeout=0)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            r, _, _ = select.select([srv], [], [], 0.05)
            if not r:
                continue
            conn, _ = srv.accept()
            pm = PortManager(dev, _Conn(conn))
            while not stop.is_set():
                r, _, _ = select.select([conn, dev.fileno()], [], [], 0.05)
                if conn in r:
                    data = conn.recv(65536)
                    if not data:
                        break
                    dev.write(b"".join(pm.filter(data)))
                if dev.fileno() in r:
                    data = os.read(dev.fileno(), 65536)
                    conn.sendall(b"".join(pm.escape(data)))
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"rfc2217://127.0.0.1:{srv.getsockname()[1]}"
    stop.set()
    thread.join(2)
    srv.close()
    dev.close()
    sim.stop()


def test_rfc2217_url_runs_code_and_copies(rfc2217_board, capfd, tmp_path):
    """The URL opens (no write timeout is asked of pyserial's RFC 2217 client, modem-line answers
    are not awaited), code runs and a CRC-checked copy goes through the telnet escaping (0xFF)."""
    assert main(["-p", rfc2217_board, "exec", "print(6 * 7)"]) == 0
    assert capfd.readouterr().out == "42\n"
    data = bytes(range(256)) * 40                 # every byte, 0xFF (telnet IAC) included
    (tmp_path / "all.bin").write_bytes(data)
    assert main(["-p", rfc2217_board, "cp", "-q", str(tmp_path / "all.bin"), ":/sd/all.bin"]) == 0
    assert main(["-p", rfc2217_board, "cp", "-q", ":/sd/all.bin", str(tmp_path / "back.bin")]) == 0
    assert (tmp_path / "back.bin").read_bytes() == data


def test_rfc2217_transport_adds_ign_set_control_once(rfc2217_board):
    t = SerialTransport.open(rfc2217_board + "?ign_set_control")
    try:
        b = Board(t)
        assert b.eval("1 + 1") == 2
    finally:
        t.close()


def test_unreachable_url_is_one_line_naming_it():
    from k210tools.errors import K210Error
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]        # nothing listens once closed
    with pytest.raises(K210Error, match=rf"rfc2217://127.0.0.1:{port}.*cannot open"):
        SerialTransport.open(f"rfc2217://127.0.0.1:{port}")
