"""k210 cp's transfer paths against the simulated board: the raw-block fast path (our firmware),
the base64 fallback (MaixPy-like board), CRC checks, interrupted and failed copies, baud switch."""
import os
import zlib

import pytest

from k210tools import transfer
from k210tools.errors import BoardError, K210Error
from k210tools.serial_transport import SerialTransport
from k210tools.transfer import Interrupted

ALL_BYTES = bytes(range(256)) * 9          # every control byte the REPL treats specially, in a row


def _board_crc(board, path):
    return board.eval(f"__import__('binascii').crc32(open({path!r},'rb').read())")


@pytest.mark.parametrize("size", [0, 1, 2047, 2048, 2049, 70001])
def test_fast_put_get_round_trip_any_size(board, size):
    assert board.info().fast_transfer
    data = os.urandom(size)
    board.put(data, "/sd/rt.bin")
    assert board.eval("__import__('os').stat('/sd/rt.bin')[6]") == size
    assert _board_crc(board, "/sd/rt.bin") == zlib.crc32(data)      # the board's own view
    assert board.get("/sd/rt.bin") == data


def test_fast_path_is_binary_safe_for_repl_control_bytes(board):
    board.put(ALL_BYTES, "/sd/ctl.bin")
    assert board.exec("print(open('/sd/ctl.bin','rb').read() == bytes(range(256)) * 9)").strip() == "True"
    assert board.get("/sd/ctl.bin") == ALL_BYTES
    assert board.exec("print('still alive')").strip() == "still alive"   # Ctrl-C is back on


def test_fast_path_wire_bytes_per_payload_byte_near_one(board):
    data = os.urandom(64 * 1024)
    before_out, before_in = board.t.bytes_out, board.t.bytes_in
    board.put(data, "/sd/w.bin")
    up = (board.t.bytes_out - before_out) / len(data)
    before_out, before_in = board.t.bytes_out, board.t.bytes_in
    assert board.get("/sd/w.bin") == data
    down = (board.t.bytes_in - before_in) / len(data)
    assert 1.0 < up < 1.01 and 1.0 < down < 1.01


def test_progress_reports_every_byte(board):
    seen = []
    board.put(os.urandom(5000), "/sd/p.bin", seen.append)
    assert sum(seen) == 5000 and all(n <= transfer.BLOCK for n in seen)


def test_interrupted_copy_leaves_old_file_and_no_part(board):
    board.put(b"old contents", "/sd/keep.bin")
    calls = []

    def interrupt_after_first_block(n):
        calls.append(n)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted, match=r"/sd/keep.bin interrupted after 4096 of 10000 bytes; /sd/keep.bin is as it was"):
        board.put(os.urandom(10000), "/sd/keep.bin", interrupt_after_first_block)
    assert board.get("/sd/keep.bin") == b"old contents"
    assert "keep.bin.part" not in board.eval("__import__('os').listdir('/sd')")


def test_crc_mismatch_is_caught_by_the_board_and_keeps_old_file(board, monkeypatch):
    board.put(b"version 1", "/sd/crc.bin")
    monkeypatch.setattr(transfer.zlib, "crc32", lambda data, start=0: 0x12345678)
    with pytest.raises(BoardError, match=r"CRC-32 [0-9a-f]{8} of the received bytes, the host sent 12345678"):
        board.put(b"version 2 differs", "/sd/crc.bin")
    monkeypatch.undo()
    assert board.get("/sd/crc.bin") == b"version 1"
    assert "crc.bin.part" not in board.eval("__import__('os').listdir('/sd')")


def test_copy_to_missing_directory_is_a_board_error_and_board_recovers(board):
    with pytest.raises(BoardError, match="ENOENT"):
        board.put(b"x", "/sd/no/such/dir.bin")
    assert board.eval("1+1") == 2


def test_host_vanishing_mid_copy_is_recovered_on_next_connect(board):
    board.put(b"before", "/sd/stuck.bin")
    t = board.t
    transfer._start(t, "recv('/sd/stuck.bin', 4096, 0, 2048, 0)")
    assert t.read_exact(1) == transfer.ACK
    t.write(b"\xa5\x00\x08" + b"\x03" * 1000)       # half a block, with Ctrl-C bytes in it
    t.close()                                       # the host goes away mid-copy
    board.t = t = SerialTransport.open(board.launcher.path if board.launcher else t.name, name=t.name)
    t.enter_raw()                                   # a new session finds the board stuck
    assert board.get("/sd/stuck.bin") == b"before"
    assert "stuck.bin.part" not in board.eval("__import__('os').listdir('/sd')")


def test_get_of_missing_file_raises_enoent(board):
    with pytest.raises(BoardError, match="ENOENT"):
        board.get("/sd/absent.bin")


def test_baud_switch_is_a_protocol_step_both_ways(board, monkeypatch):
    rates = []
    cls = type(board.t)          # the transport's public baudrate, the only way transfer.py changes it
    original = cls.baudrate

    def record(self, value):
        rates.append(value)
        original.fset(self, value)

    monkeypatch.setattr(cls, "baudrate", property(original.fget, record))
    data = os.urandom(30000)
    board.put(data, "/sd/fast.bin", baud=1500000)
    assert rates == [1500000, 115200]
    assert board.get("/sd/fast.bin", baud=1500000) == data
    assert rates == [1500000, 115200, 1500000, 115200]
    monkeypatch.undo()
    assert board.eval("__import__('machine').repl_baud()") == 115200


def test_board_reverts_baud_when_host_sync_is_wrong(board):
    t = board.t
    transfer._start(t, "recv('/sd/b.bin', 10, 0, 2048, 921600)")
    assert t.read_exact(1) == b"B"
    t.write(b"\x00")                                # not SYNC: the board must fall back
    _, err = t.follow(10)
    assert b"baud switch to 921600 failed" in err
    assert board.eval("__import__('machine').repl_baud()") == 115200


def test_maixpy_fallback_base64_round_trip(sim_factory):
    mp = sim_factory(maixpy=True)
    info = mp.info()
    assert not info.raw_paste and not info.fast_transfer
    data = ALL_BYTES + os.urandom(3000)
    mp.put(data, "/sd/mp.bin")
    assert mp.get("/sd/mp.bin") == data
    assert _board_crc(mp, "/sd/mp.bin") == zlib.crc32(data)
    with pytest.raises(K210Error, match="no baud switch"):
        mp.put(data, "/sd/mp.bin", baud=1500000)
    mp.reset()
    assert mp.t.soft_reboot_line == b"[MaixPy]: soft reboot"


def test_maixpy_fallback_crc_mismatch_keeps_old_file(sim_factory, monkeypatch):
    mp = sim_factory(maixpy=True)
    mp.put(b"good", "/sd/m.bin")
    monkeypatch.setattr(transfer.zlib, "crc32", lambda data, start=0: 1)
    with pytest.raises(BoardError, match="host sent 00000001"):
        mp.put(b"other", "/sd/m.bin")
    monkeypatch.undo()
    assert mp.get("/sd/m.bin") == b"good"


def test_interrupted_download_raises_and_board_stays_usable(board):
    board.put(os.urandom(20000), "/sd/dl.bin")

    def stop(n):
        raise KeyboardInterrupt

    with pytest.raises(Interrupted, match=r"copy from /sd/dl.bin interrupted after 2048 of 20000 bytes"):
        board.get("/sd/dl.bin", stop)
    assert board.eval("6 * 7") == 42
    assert len(board.get("/sd/dl.bin")) == 20000
