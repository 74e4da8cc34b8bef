"""Every `k210` subcommand that talks to a board, against the simulated board (`-p sim`, its state
in a fresh K210_SIM_DIR per test), plus the error-line rules."""
import os
import re
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from k210tools.cli import main
from clirun import k210, sim_state  # noqa: F401  (sim_state: autouse fixture)
from realmodels import model_path  # noqa: E402



def mnist() -> Path:
    return model_path("mnist_maixpy_v3.kmodel")




def one_line_error(err):
    return err.startswith("k210: ") and err.count("\n") == 1 and "Traceback" not in err


def test_exec_streams_output_and_exit_status(capfd):
    assert k210(capfd, "exec", "for i in range(3): print('line', i)") == (0, "line 0\nline 1\nline 2\n", "")
    rc, out, err = k210(capfd, "exec", "print('before'); 1/0")
    assert rc == 1 and out == "before\n"
    assert "Traceback" in err and err.strip().endswith("ZeroDivisionError: divide by zero")


def test_run_sends_a_local_file(capfd, tmp_path):
    script = tmp_path / "s.py"
    script.write_text("import sys\nprint(sys.platform, 6 * 7)\n")
    assert k210(capfd, "run", str(script)) == (0, "k210 42\n", "")
    script.write_text("raise ValueError('bad thing')\n")
    rc, _, err = k210(capfd, "run", str(script))
    assert rc == 1 and "ValueError: bad thing" in err
    rc, _, err = k210(capfd, "run", str(tmp_path / "missing.py"))
    assert rc == 1 and one_line_error(err) and "missing.py" in err


def test_files_ls_mkdir_cp_cat_rm(capfd, tmp_path):
    data = bytes(range(256)) * 300
    src = tmp_path / "blob.bin"
    src.write_bytes(data)
    assert k210(capfd, "mkdir", "/sd/d")[0] == 0
    assert k210(capfd, "cp", str(src), ":/sd/d/")[0] == 0
    assert k210(capfd, "cp", str(src), ":/sd/d/renamed.bin")[0] == 0
    rc, out, _ = k210(capfd, "ls", ":/sd/d")
    assert rc == 0 and out.split("\n")[:2] == ["     76800 blob.bin", "     76800 renamed.bin"]
    assert "d/" in k210(capfd, "ls", "/sd")[1]
    back = tmp_path / "back.bin"
    assert k210(capfd, "cp", ":/sd/d/blob.bin", str(back))[0] == 0
    assert back.read_bytes() == data
    assert k210(capfd, "cp", ":/sd/d/blob.bin", str(tmp_path))[0] == 0      # into a directory
    assert (tmp_path / "blob.bin").read_bytes() == data
    src.write_text("hello\nworld\n")
    k210(capfd, "cp", str(src), ":/flash/t.txt")
    assert k210(capfd, "cat", "/flash/t.txt") == (0, "hello\nworld\n", "")
    assert k210(capfd, "rm", "/flash/t.txt")[0] == 0
    rc, _, err = k210(capfd, "rm", "/sd/d")
    assert rc == 1 and "is a directory (use rm -r)" in err
    assert k210(capfd, "rm", "-r", "/sd/d")[0] == 0
    assert "d/" not in k210(capfd, "ls", "/sd")[1]


@pytest.mark.parametrize("argv,msg", [
    (["cat", "/sd/nope.txt"], "cat /sd/nope.txt: no such file on the board"),
    (["rm", "/sd/nope"], "rm /sd/nope: no such file or directory on the board"),
    (["ls", "/sd/nope"], "ls /sd/nope: no such file or directory on the board"),
    (["mkdir", "/sd"], "mkdir /sd: already exists on the board"),
    (["cp", ":/sd/nope.bin", "x.bin"], "cp: /sd/nope.bin: no such file on the board"),
    (["cp", "a", "b"], "mark exactly one side"),
    (["cp", "/nonexistent.bin", ":/sd/x"], "cp: /nonexistent.bin: No such file or directory"),
])
def test_file_errors_are_one_line(capfd, argv, msg):
    rc, _, err = k210(capfd, *argv)
    assert rc == 1 and one_line_error(err) and msg in err, err


def test_cp_to_a_missing_board_directory(capfd, tmp_path):
    (tmp_path / "a.bin").write_bytes(b"x")
    rc, _, err = k210(capfd, "cp", str(tmp_path / "a.bin"), ":/sd/no/dir/a.bin")
    assert rc == 1 and one_line_error(err) and "no such file or directory" in err


def test_cp_with_baud_switch(capfd, tmp_path):
    data = os.urandom(50000)
    (tmp_path / "f.bin").write_bytes(data)
    assert k210(capfd, "cp", "--baud", "1500000", str(tmp_path / "f.bin"), ":/sd/f.bin")[0] == 0
    assert k210(capfd, "cp", "--baud", "1500000", ":/sd/f.bin", str(tmp_path / "g.bin"))[0] == 0
    assert (tmp_path / "g.bin").read_bytes() == data


def test_files_persist_in_sim_state_between_invocations(capfd, sim_state):
    k210(capfd, "exec", "with open('/sd/keep.txt','w') as f: f.write('kept')")
    assert (sim_state / "sd.img").exists()
    assert k210(capfd, "cat", "/sd/keep.txt") == (0, "kept", "")


def test_reset_and_info(capfd):
    rc, out, _ = k210(capfd, "reset")
    assert rc == 0 and out.strip() == "k210-kpu: soft reboot"
    rc, out, _ = k210(capfd, "info")
    assert rc == 0 and "k210-kpu 0.1.0" in out and "raw-paste yes" in out and "raw blocks" in out


def test_maixpy_like_board_through_the_cli(capfd, tmp_path):
    data = os.urandom(3000)
    (tmp_path / "m.bin").write_bytes(data)
    assert main(["-p", "sim", "--maixpy-sim", "cp", str(tmp_path / "m.bin"), ":/sd/m.bin"]) == 0
    assert main(["-p", "sim", "--maixpy-sim", "exec", "print(__import__('binascii').crc32(open('/sd/m.bin','rb').read()))"]) == 0
    assert main(["-p", "sim", "--maixpy-sim", "info"]) == 0
    out = capfd.readouterr().out
    assert str(zlib.crc32(data)) in out and "raw-paste no" in out and "base64 (fallback)" in out


def test_model_push_sd_and_flash(capfd):
    size = mnist().stat().st_size
    rc, out, _ = k210(capfd, "model", "push", str(mnist()), "--sd", "/sd/mnist.kmodel", "-q")
    assert rc == 0 and "kpu.load('/sd/mnist.kmodel')" in out
    rc, out, _ = k210(capfd, "model", "push", str(mnist()), "--flash", "0x300000", "-q")
    assert rc == 0 and f"flash 0x300000-0x{0x300000 + size - 1:x}" in out and "read back CRC-32" in out
    crc = zlib.crc32(mnist().read_bytes())
    rc, out, _ = k210(capfd, "exec", "import machine, binascii\n"
                      f"print(binascii.crc32(machine.Flash().read(0x300000, {size})),"
                      f" binascii.crc32(open('/sd/mnist.kmodel','rb').read()),"
                      f" machine.Flash().read(0x300000 + {size}, 8))")
    assert out.split() == [str(crc), str(crc), "b'\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff'"]


def test_model_push_keeps_the_rest_of_the_last_sector(capfd):
    iris = model_path("iris_nncase01_v3.kmodel")                       # 436 B: part of one sector
    k210(capfd, "exec", "import machine\nf=machine.Flash()\nf.erase(0x400000, 8192)\n"
                        "f.write(0x400000, b'\\x11' * 8192)")
    assert k210(capfd, "model", "push", str(iris), "--flash", "0x400000", "-q")[0] == 0
    rc, out, _ = k210(capfd, "exec", "import machine\nf=machine.Flash()\n"
                      "print(__import__('binascii').crc32(f.read(0x400000, 436)), "
                      "f.read(0x400000 + 436, 4096 - 436) == b'\\x11' * (4096 - 436), f.read(0x401000, 2))")
    assert out.split() == [str(zlib.crc32(iris.read_bytes())), "True", "b'\\x11\\x11'"]


@pytest.mark.parametrize("offset,msg", [
    ("0x100000", "overlaps the firmware area (0x0-0x2fffff"),
    ("0xCF0000", "overlaps the /flash filesystem and its journal (0xcf8000-0xffffff)"),
    ("0x300800", "not 4 KiB (sector) aligned"),
    ("3m", "not a number"),
])
def test_model_push_flash_refusals(capfd, offset, msg):
    rc, _, err = k210(capfd, "model", "push", str(mnist()), "--flash", offset)
    assert rc == 1 and one_line_error(err) and msg in err, err


def test_model_push_refuses_overwriting_a_real_firmware_image(capfd):
    # a boot header at 0 announcing a 4 MiB image: 0x300000 is then inside the firmware
    k210(capfd, "exec", "import machine\nf=machine.Flash()\nf.erase(0, 4096)\n"
                        "f.write(0, b'\\x02' + (0x400000).to_bytes(4, 'little'))")
    rc, _, err = k210(capfd, "model", "push", str(mnist()), "--flash", "0x300000")
    assert rc == 1 and "overlaps the firmware image (0x0-0x400024)" in err and "use 0x401000" in err


def test_model_push_rejects_unsupported_model(capfd, tmp_path):
    # the pre-release kmodel v5 layout (kmodel-v5-spec.md 9): no nncase 1.x runtime loads it
    pre = tmp_path / "pre.kmodel"
    pre.write_bytes(struct.pack("<6I", 0x4B4D444C, 5, 0, 8, 1, 0) + b"stackvm".ljust(16, b"\0") + bytes(64))
    rc, _, err = k210(capfd, "model", "push", str(pre), "--sd", "/sd/y.kmodel")
    assert rc == 1 and "pre-release kmodel v5 layout" in err


def test_bad_port_and_busy_port_are_one_line(capfd):
    rc = main(["-p", "/dev/does-not-exist", "exec", "1"])
    err = capfd.readouterr().err
    assert rc == 1 and one_line_error(err) and "/dev/does-not-exist: cannot open" in err


def test_no_answer_is_one_line(capfd):
    import pty
    m, s = pty.openpty()
    try:
        rc = main(["-p", os.ttyname(s), "exec", "1"])
    finally:
        os.close(m)
        os.close(s)
    err = capfd.readouterr().err
    assert rc == 1 and one_line_error(err) and "no answer from the board" in err


def test_ports_lists_without_error(capfd):
    assert main(["ports", "--all"]) == 0
    assert capfd.readouterr().err == ""


def test_autodetect_without_boards_is_one_line(capfd, monkeypatch):
    from k210tools import ports
    monkeypatch.setattr(ports, "scan", lambda: [])
    rc = main(["exec", "1"])
    err = capfd.readouterr().err
    assert rc == 1 and one_line_error(err) and "no Maix board found" in err


def test_autodetect_picks_the_repl_interface_and_refuses_ambiguity(monkeypatch):
    from k210tools import ports
    from k210tools.errors import K210Error
    go = [ports.PortInfo("/dev/ttyUSB0", 0x0403, 0x6010, "S1", 0, "Sipeed-Debug", ports.classify(0x0403, 0x6010, 0)),
          ports.PortInfo("/dev/ttyUSB1", 0x0403, 0x6010, "S1", 1, "Sipeed-Debug", ports.classify(0x0403, 0x6010, 1))]
    monkeypatch.setattr(ports, "scan", lambda: go)
    assert ports.autodetect("MAIX_GO") == "/dev/ttyUSB1"        # Go: second interface
    assert ports.autodetect("MAIXDUINO") == "/dev/ttyUSB0"      # Maixduino: first
    with pytest.raises(K210Error, match=r"2 possible boards: /dev/ttyUSB0 \(MAIXDUINO, MAIX_CUBE\); /dev/ttyUSB1"):
        ports.autodetect()
    ch340 = [ports.PortInfo("/dev/ttyUSB3", 0x1A86, 0x7523, "", 0, "USB Serial", ports.classify(0x1A86, 0x7523, 0))]
    monkeypatch.setattr(ports, "scan", lambda: ch340)
    assert ports.autodetect() == "/dev/ttyUSB3"


def _cli(*argv, **kw):
    return subprocess.Popen([sys.executable, "-m", "k210tools.cli", "-p", "sim", *argv], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def test_ctrl_c_on_host_interrupts_the_board_program():
    p = _cli("exec", "print('started')\nwhile True:\n    pass\n")
    assert p.stdout.readline() == b"started\n"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=20)
    assert p.returncode == 1 and b"KeyboardInterrupt" in err


def test_repl_runs_typed_lines_and_ctrl_bracket_quits():
    p = _cli("repl")
    out, err = p.communicate(b"print(6 * 7)\r", timeout=20)     # EOF on stdin ends like Ctrl-]
    assert p.returncode == 0 and b"42" in out
    p = _cli("repl")
    p.stdin.write(b"x = 5\rprint(x * 3)\r")
    p.stdin.flush()
    time.sleep(0.5)
    out, err = p.communicate(b"\x1d", timeout=20)
    assert p.returncode == 0 and b"15" in out and b">>> " in out


def test_sim_command_pty_mode_prints_a_port(sim_state):
    p = subprocess.Popen([sys.executable, "-m", "k210tools.cli", "sim", "--pty", "--state", str(sim_state)],
                         stdout=subprocess.PIPE)
    try:
        line = p.stdout.readline().decode().strip()
        assert re.match(r"^/dev/pts/\d+$", line)
        rc = main(["-p", line, "exec", "print('via pty')"])
        assert rc == 0
    finally:
        p.terminate()
        p.wait(5)


def test_hard_reset_of_the_sim_clears_ram_keeps_storage(capfd):
    k210(capfd, "exec", "with open('/sd/h.txt','w') as f: f.write('h')")
    rc, out, _ = k210(capfd, "reset", "--hard")
    assert rc == 0 and out.startswith("hard reset; k210-kpu")
    assert k210(capfd, "cat", "/sd/h.txt") == (0, "h", "")


def test_hard_reset_needs_board_and_modem_lines(capfd, monkeypatch):
    from k210tools.cmd_board import hard_reset
    from k210tools.errors import K210Error
    from k210tools.board import Board
    b = Board.connect("sim", state_dir=None)
    try:
        with pytest.raises(K210Error, match="no DTR/RTS lines; press the board's RESET button"):
            hard_reset(b.t, ((False, False), (True, False)))
    finally:
        b.close()


def test_pyserial_socket_url_reaches_a_board(capfd, tmp_path):
    """A board behind a TCP serial server (ser2net-style): -p socket://host:port."""
    import select
    import socket
    import threading
    import tty
    from k210tools.simboard import SimBoard
    sim = SimBoard(tmp_path / "sock-state")
    fd = os.open(sim.path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    stop = threading.Event()

    def serve():
        conn, _ = srv.accept()
        while not stop.is_set():
            r, _, _ = select.select([conn, fd], [], [], 0.05)
            if conn in r:
                data = conn.recv(65536)
                if not data:
                    break
                os.write(fd, data)
            if fd in r:
                conn.sendall(os.read(fd, 65536))
        conn.close()

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    try:
        rc = main(["-p", f"socket://127.0.0.1:{srv.getsockname()[1]}", "exec", "print('over tcp', 2 ** 10)"])
        assert rc == 0 and capfd.readouterr().out == "over tcp 1024\n"
    finally:
        stop.set()
        th.join(2)
        srv.close()
        os.close(fd)
        sim.stop()


def test_port_qemu_runs_on_the_qemu_board_and_keeps_its_storage(capfd, tmp_path, monkeypatch):
    from k210tools.qemuboard import qemu_available
    if not qemu_available():
        pytest.skip("build/qemu_virt/firmware.elf or qemu-system-riscv64 missing")
    monkeypatch.setenv("K210_QEMU_DIR", str(tmp_path / "qemu"))
    assert main(["-p", "qemu", "exec", "import os\nwith open('/sd/k.txt', 'w') as f:\n f.write('kept')\nprint(os.uname().machine)"]) == 0
    assert capfd.readouterr().out.startswith("QEMU virt (rv64)")
    assert main(["-p", "qemu", "cat", ":/sd/k.txt"]) == 0     # a new qemu on the saved images
    assert capfd.readouterr().out.strip() == "kept"
    assert (tmp_path / "qemu" / "sd.img").exists()
