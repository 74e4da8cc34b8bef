"""The simulated board as a process: options, pty, REPL protocol details, persistence."""
import subprocess
import time

import pytest

from simproc import SIM, SimProcess

pytestmark = pytest.mark.skipif(not SIM.exists(), reason="build/sim/k210-sim not built")


@pytest.fixture
def sim(tmp_path):
    s = SimProcess(tmp_path)
    yield s
    s.close()


def test_help_and_bad_option():
    out = subprocess.run([str(SIM), "--help"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0 and "--pty" in out.stdout
    bad = subprocess.run([str(SIM), "--frobnicate"], capture_output=True, text=True, timeout=10)
    assert bad.returncode == 2 and "--frobnicate" in bad.stderr


def test_stdio_repl_exits_on_eof(tmp_path):
    out = subprocess.run([str(SIM), "--state", str(tmp_path)], input=b"print(6*7)\r", capture_output=True, timeout=20)
    assert out.returncode == 0
    assert b"42" in out.stdout and b"MicroPython v1.23.0" in out.stdout


def test_done_when_listdir_and_binary_file_across_soft_reset_and_restart(tmp_path):
    s = SimProcess(tmp_path)
    try:
        out, err = s.raw_exec("import os; print(os.listdir('/sd'))")
        assert err == b"" and out.startswith(b"[")
        out, err = s.raw_exec("open('/sd/b.bin', 'wb').write(bytes(range(256)) * 3)")
        assert err == b""
        s.write(b"\x04")          # soft reset from the raw REPL
        s.read_until(b"soft reboot\r\n")
        out, err = s.raw_exec("print(open('/sd/b.bin', 'rb').read() == bytes(range(256)) * 3)")
        assert out.strip() == b"True"
    finally:
        s.close()
    s = SimProcess(tmp_path)       # a new process on the same state: like power-cycling the board
    try:
        out, err = s.raw_exec("print(open('/sd/b.bin', 'rb').read() == bytes(range(256)) * 3)")
        assert out.strip() == b"True", err
    finally:
        s.close()


def test_ctrl_c_stops_busy_loop(sim):
    sim.write(b"\r\x03\x03")
    sim.drain()
    sim.write(b"\r\x01")
    sim.read_until(b"raw REPL; CTRL-B to exit\r\n>")
    sim.write(b"n = 0\nwhile True:\n    n += 1\n\x04")
    sim.read_until(b"OK")
    time.sleep(0.5)
    sim.write(b"\x03")
    out = sim.read_until(b"\x04>", timeout=5)
    assert b"KeyboardInterrupt" in out
    out, err = sim.raw_exec("print(n > 1000)")
    assert out.strip() == b"True"


def test_ctrl_c_interrupts_sleep(sim):
    sim.write(b"\r\x01")
    sim.read_until(b">")
    sim.write(b"import time\ntime.sleep(60)\n\x04")
    sim.read_until(b"OK")
    time.sleep(0.3)
    sim.write(b"\x03")
    assert b"KeyboardInterrupt" in sim.read_until(b"\x04>", timeout=5)


def test_raw_paste_handshake_and_64k_script(sim):
    sim.write(b"\r\x03\x03")
    sim.drain()
    sim.write(b"\r\x01")
    sim.read_until(b"raw REPL; CTRL-B to exit\r\n>")
    sim.write(b"\x05A\x01")
    sim.read_until(b"R\x01")
    rest = sim.read_exact(3)
    window = int.from_bytes(rest[:2], "little")
    assert window == 128 and rest[2:3] == b"\x01"   # window size, then the first extra credit
    credit_bonus = window
    lines = [f"v{i} = {i} * 3" for i in range(4000)]
    code = ("\n".join(lines) + "\nprint(sum(v for k, v in globals().items() if k.startswith('v')))\n").encode()
    assert len(code) > 64 * 1024
    credit = window + credit_bonus
    sent = 0
    while sent < len(code):
        while credit == 0 or sim.port.in_waiting:
            b = sim.port.read(1)
            if b == b"\x01":
                credit += window
            elif b:
                raise AssertionError(f"unexpected flow byte {b!r}")
        n = min(credit, len(code) - sent)
        sim.write(code[sent:sent + n])
        sent += n
        credit -= n
    sim.write(b"\x04")
    out = sim.read_until(b"\x04>", timeout=30)
    assert str(sum(i * 3 for i in range(4000))).encode() in out


def test_friendly_repl_paste_mode_and_auto_indent(sim):
    sim.write(b"\r\x02")
    sim.read_until(b">>> ")
    sim.write(b"\x05")
    sim.read_until(b"=== ")
    sim.write(b"def f(x):\r    return x * 2\r\rprint(f(21))\r\x04")
    assert b"42" in sim.read_until(b"42\r\n>>> ")
    sim.write(b"for i in range(2):\r")
    assert b"...     " in sim.read_until(b"...     ")   # auto-indent
    sim.write(b"print('i', i)\r")
    out = b""
    for _ in range(4):    # Enter on an auto-indented blank line dedents; on an empty one, runs
        sim.write(b"\r")
        out += sim.drain()
        if b"i 1" in out:
            break
    assert b"i 0\r\ni 1" in out


def test_maixpy_mode_banner_and_no_raw_paste(tmp_path):
    s = SimProcess(tmp_path, "--maixpy")
    try:
        s.write(b"\r\x03\x03")
        s.drain()
        s.write(b"\r\x01")
        s.read_until(b"raw REPL; CTRL-B to exit\r\n>")
        s.write(b"\x05A\x01")
        reply = s.read_until(b"w REPL; CTRL-B to exit\r\n>")   # MicroPython 1.11: a raw REPL reset
        assert b"R\x01" not in reply
        s.write(b"\x04")
        assert b"[MaixPy]: soft reboot\r\n" in s.read_until(b"soft reboot\r\n")
    finally:
        s.close()


def test_soft_reset_banner_is_ours(sim):
    sim.write(b"\r\x03\x03\r\x02")
    sim.read_until(b">>> ")
    sim.drain()                   # the other prompts those keys drew
    sim.write(b"\x04")
    assert b"k210-kpu: soft reboot\r\n" in sim.read_until(b">>> ")
