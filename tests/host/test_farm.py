"""Board farms: port lists and their bad input, splitting boards among xdist workers, board identity,
and a two-board test that moves a model from one board to the other (on simulated boards here,
through labgrid in tests/host/farm/test_labgrid_rig.py)."""
from __future__ import annotations

import binascii
import os
import subprocess
import sys
import time

import pytest

from k210tools import farm
from k210tools.errors import K210Error
from k210tools.ports import PortInfo
from kpu_board import IRIS_IN, IRIS_OUT, model_bytes

FT = (0x0403, 0x6010)
SCAN = [PortInfo("/dev/ttyUSB0", *FT, "SIPEED1", 0, "Sipeed-Debug", (), "1-1.2:1.0"),
        PortInfo("/dev/ttyUSB1", *FT, "SIPEED1", 1, "Sipeed-Debug", ("MAIX_GO",), "1-1.2:1.1"),
        PortInfo("/dev/ttyUSB2", 0x1A86, 0x7523, "", None, "USB Serial", ("MAIX_BIT",), "1-1.3:1.0")]


def test_lists_split_on_commas_and_repeats():
    assert farm.split_specs(["/dev/ttyUSB0, sim", "rfc2217://127.0.0.1:4000", None]) == \
        ["/dev/ttyUSB0", "sim", "rfc2217://127.0.0.1:4000"]


def test_empty_entry_is_named():
    with pytest.raises(K210Error, match=r"empty entry at position 2"):
        farm.split_specs(["/dev/ttyUSB0,,/dev/ttyUSB1"])


def test_id_picks_the_repl_channel_of_a_two_channel_bridge():
    assert farm.resolve(["id:SIPEED1"], lambda: SCAN) == ["/dev/ttyUSB1"]


def test_usb_location_picks_that_port():
    assert farm.resolve(["usb:1-1.3", "usb:1-1.2"], lambda: SCAN) == ["/dev/ttyUSB2", "/dev/ttyUSB1"]
    assert farm.resolve(["usb:1-1.2:1.0"], lambda: SCAN) == ["/dev/ttyUSB0"]


def test_unknown_id_lists_what_was_seen():
    with pytest.raises(K210Error, match=r"id:NOPE: no port with USB serial number 'NOPE' \(seen: SIPEED1\)"):
        farm.resolve(["id:NOPE"], lambda: SCAN)


def test_port_listed_twice_is_refused_in_one_line():
    with pytest.raises(K210Error) as e:
        farm.resolve(["/dev/ttyUSB1", "id:SIPEED1"], lambda: SCAN)
    assert str(e.value) == ("--port lists the board at /dev/ttyUSB1 as '/dev/ttyUSB1' and 'id:SIPEED1': "
                            "list each board once")
    with pytest.raises(K210Error, match="'rfc2217://h:1' twice"):
        farm.resolve(["rfc2217://h:1", "rfc2217://h:1"])


def test_a_symlink_to_a_listed_port_is_the_same_board(tmp_path):
    real = tmp_path / "ttyUSB7"
    real.touch()
    link = tmp_path / "by-id-board"
    link.symlink_to(real)
    with pytest.raises(K210Error, match="lists the board at .*ttyUSB7 as"):
        farm.resolve([str(real), str(link)])


def test_fresh_simulated_boards_may_repeat():
    assert farm.resolve(["sim", "sim"]) == ["sim", "sim"]


def test_one_board_per_worker():
    boards = ["/dev/a", "/dev/b", "/dev/c", "/dev/d"]
    assert [farm.share(boards, i, 2) for i in range(2)] == [["/dev/a", "/dev/c"], ["/dev/b", "/dev/d"]]
    assert farm.share(boards, 0, 1) == boards
    assert farm.share(["sim"], 1, 2) == ["sim"]
    with pytest.raises(K210Error, match=r"-n 3 workers but 2 board\(s\) given \(/dev/a, /dev/b\).*-n 2"):
        farm.share(["/dev/a", "/dev/b"], 0, 3)


def test_worker_slot():
    assert farm.worker_slot(None) == (0, 1)
    assert farm.worker_slot({"workerid": "gw3", "workercount": 4}) == (3, 4)


def test_identity_comes_from_the_board(board):
    ident = farm.identify(board, "sim")
    uname = board.eval("tuple(__import__('os').uname())")
    uid = board.eval("__import__('machine').unique_id()")
    assert (ident.kind, ident.firmware) == (uname[4], uname[3])
    assert ident.unique_id == binascii.hexlify(uid).decode() and len(uid) == 8
    assert ("board_unique_id", ident.unique_id) in ident.properties()


@pytest.mark.boards(2)
def test_two_boards_one_writes_a_model_both_run_it(boards):
    """Board A gets iris; the host reads it back from A and writes it to B (the bytes go board to
    board); both run it: identical outputs, and the published scores (an oracle of neither)."""
    a, b = boards
    assert farm.identify(a, "a").unique_id != farm.identify(b, "b").unique_id
    model = model_bytes("iris_nncase01_v3.kmodel")
    a.put(model, "/sd/farm_iris.kmodel")
    from_a = a.get("/sd/farm_iris.kmodel")
    assert from_a == model
    b.put(from_a, "/sd/farm_iris.kmodel")
    run = ("import kpu, array\n"
           "m = kpu.load('/sd/farm_iris.kmodel')\n"
           f"print(list(kpu.forward(m, array.array('f', {IRIS_IN}))))\n"
           "kpu.deinit(m)\n")
    out_a, out_b = a.exec(run), b.exec(run)
    assert out_a == out_b
    assert eval(out_a) == pytest.approx(IRIS_OUT, abs=1e-4)


def _pytest(args: list[str], cwd, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, timeout=timeout, cwd=cwd)


def test_port_listed_twice_stops_pytest_with_one_line(tmp_path):
    (tmp_path / "test_x.py").write_text("def test_x(board):\n    pass\n")
    r = _pytest(["--port", "rfc2217://127.0.0.1:9,rfc2217://127.0.0.1:9", "test_x.py"], tmp_path)
    assert r.returncode == 4, r.stdout + r.stderr
    assert "ERROR: --port lists the board at rfc2217://127.0.0.1:9 'rfc2217://127.0.0.1:9' twice: " \
           "list each board once" in r.stderr


def test_a_board_that_does_not_answer_is_one_skip_line_not_a_hang(tmp_path):
    """A socket that accepts and never answers: the run ends (bounded waits) with the reason."""
    import socket
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    try:
        (tmp_path / "test_x.py").write_text("def test_x(board):\n    pass\n")
        t = time.monotonic()
        r = _pytest(["-ra", "--port", f"socket://127.0.0.1:{srv.getsockname()[1]}", "test_x.py"], tmp_path)
    finally:
        srv.close()
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 skipped" in r.stdout
    line = [x for x in r.stdout.splitlines() if x.startswith("SKIPPED")]
    assert len(line) == 1 and "no board: " in line[0] and "no answer from the board" in line[0], r.stdout
    assert time.monotonic() - t < 170   # bounded: the subprocess timeout would have fired


def test_more_workers_than_boards_is_a_usage_error(tmp_path):
    (tmp_path / "test_x.py").write_text("def test_x(board):\n    pass\n")
    r = _pytest(["-n", "2", "-p", "xdist", "--port", "rfc2217://127.0.0.1:9", "test_x.py"], tmp_path)
    assert r.returncode != 0
    assert "-n 2 workers but 1 board(s) given (rfc2217://127.0.0.1:9): give one board per worker, or -n 1" \
        in r.stdout + r.stderr


def test_boards_marker_needs_a_count(tmp_path):
    (tmp_path / "test_x.py").write_text(
        "import pytest\n@pytest.mark.boards('two')\ndef test_x(boards):\n    pass\n")
    r = _pytest(["test_x.py"], tmp_path)
    assert r.returncode != 0
    assert "@pytest.mark.boards('two'): give the number of boards, e.g. boards(2)" in r.stdout + r.stderr


def test_junit_per_board_carries_the_identity(tmp_path):
    (tmp_path / "test_x.py").write_text(
        "import pytest\ndef test_a(board):\n    pass\n"
        "@pytest.mark.boards(2)\ndef test_b(boards):\n    pass\n")
    r = _pytest(["-n", "2", "--board-junit", str(tmp_path / "junit"), "test_x.py"], tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    files = sorted(p.name for p in (tmp_path / "junit").iterdir())
    assert files == ["gw0-sim.xml", "gw1-sim.xml"]
    import xml.etree.ElementTree as ET
    cases = [c for f in files for c in ET.parse(tmp_path / "junit" / f).iter("testcase")]
    assert sorted(c.get("name") for c in cases) == ["test_a", "test_b"]
    for c in cases:
        props = {p.get("name"): p.get("value") for p in c.iter("property")}
        assert props["board_kind"].startswith("Simulated K210 board")
        assert props["board_firmware"].startswith("k210-kpu")
        assert len(props["board_unique_id"]) == 16
        if c.get("name") == "test_b":
            assert props["board_unique_id_1"] != props["board_unique_id"]


def test_shares_host_tests_take_turns(tmp_path):
    """Four tests of one host resource under -n 2: each logs entering and leaving; no two overlap
    (enter/leave pairs alternate in the shared log), while the unmarked ones run alongside."""
    log = tmp_path / "log.txt"
    (tmp_path / "test_x.py").write_text(
        "import os, time, pytest\n"
        "def note(what):\n"
        f"    with open({str(log)!r}, 'a') as f:\n"
        "        f.write(what + ' ' + os.environ['PYTEST_XDIST_WORKER'] + '\\n')\n"
        f"@pytest.mark.shares_host('k210-test-{os.getpid()}')\n"
        "@pytest.mark.parametrize('i', range(4))\n"
        "def test_x(i):\n"
        "    note('enter')\n"
        "    time.sleep(0.3)\n"
        "    note('leave')\n")
    r = _pytest(["-n", "2", "test_x.py"], tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    events = log.read_text().split("\n")[:-1]
    assert len(events) == 8
    assert len({e.split()[1] for e in events}) == 2, events      # both workers ran some
    for enter, leave in zip(events[::2], events[1::2]):
        assert enter.split()[0] == "enter" and leave == "leave " + enter.split()[1], events


def test_host_lock_waits_are_bounded(tmp_path):
    with farm.host_lock(f"k210-test-{os.getpid()}"):
        held = subprocess.run([sys.executable, "-c",
                               "from k210tools import farm\n"
                               f"with farm.host_lock('k210-test-{os.getpid()}', timeout=0.5):\n    pass\n"],
                              capture_output=True, text=True, timeout=60)
    assert held.returncode != 0
    assert f"host resource 'k210-test-{os.getpid()}': still held by pid {os.getpid()} after 0.5s" in held.stderr
