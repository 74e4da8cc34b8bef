"""The board side of the frame preview (firmware/frame_tap.c) on a board: requests taken out of the
REPL input and answered while the REPL waits, while a script loops or sleeps, with the REPL text
around them unchanged; binary transfers (machine.repl_binary) never see a request. Frames of the
lcd module itself: tests/board/test_view_frames.py."""
import time
import zlib

import pytest

from k210tools import framewire

# the K210 REPL UART path (firmware/k210/repl_uart.c) runs on the QEMU board: CI checks it there too
pytestmark = pytest.mark.qemu_subset


@pytest.fixture
def frames(board):
    got = []
    board.t.attach_frames(got.append)
    yield got
    board.t.detach_frames()


def _wait(got, n, timeout=10.0):
    end = time.monotonic() + timeout
    while len(got) < n and time.monotonic() < end:
        time.sleep(0.02)
    return len(got) >= n


def _wait_reading(board, got, n, timeout=10.0):
    """Reads (and puts back) what the board sends until n frames came: the script prints nothing."""
    end = time.monotonic() + timeout
    kept = b""
    while len(got) < n and time.monotonic() < end:
        kept += board.t.read_some(4096)
    board.t.unread(kept)
    return len(got) >= n


def test_answered_at_the_prompt_and_repl_unchanged(board, frames):
    board.t.request_frame()
    assert board.exec("print('a\\x00b', 1+1)") == "a\x00b 2\n"     # the answer went to the demux
    assert len(frames) == 1
    f = frames[0]
    assert f.encoding in (framewire.NONE, framewire.RAW, framewire.RLE, framewire.UNCHANGED)


def test_answered_while_a_script_loops_without_printing(board, frames):
    board.t.exec_no_follow("n = 0\nwhile True:\n n += 1\n")
    for i in range(3):                # the loop never ends by itself: answers come from inside it
        board.t.request_frame()
        assert _wait_reading(board, frames, i + 1)
    board.t.interrupt()
    out, err = board.t.follow(30)
    assert out == b"" and b"KeyboardInterrupt" in err
    assert board.exec("print(n > 0)") == "True\n"


def test_answered_during_sleep_and_interleaved_with_prints(board, frames):
    board.t.exec_no_follow("import time\nfor i in range(20):\n print('line', i)\n time.sleep_ms(20)\n")
    for _ in range(5):
        board.t.request_frame()
        time.sleep(0.05)
    out, err = board.t.follow(30)
    assert err == b""
    assert out.decode().split("\r\n")[:-1] == [f"line {i}" for i in range(20)]
    assert _wait(frames, 5)


def test_binary_transfer_never_takes_a_request(board):
    # k210xfer blocks full of request sequences: every byte must land in the file
    req = framewire.request(0, have=0x01020304)
    data = (b"x" + req) * 700 + req[:5]
    board.put(data, "/sd/req.bin")
    assert board.eval("__import__('binascii').crc32(open('/sd/req.bin','rb').read())") == zlib.crc32(data)
    assert board.get("/sd/req.bin") == data


def test_repl_binary_switch(board):
    # repl_binary(True) turns Ctrl-C off (k210xfer's need); False turns it back on
    assert board.exec("import machine, micropython\nmachine.repl_binary(True)\nmachine.repl_binary(False)\nprint('ok')") == "ok\n"
