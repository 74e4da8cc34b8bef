"""`k210 cp` through a noisy cable (k210tools.testing.faultproxy between the CLI and the simulated board):
64 KiB uploads and downloads through every fault kind, in both directions of the wire, with
seeded offsets. Each copy either completes (the destination equals the source byte for byte) or
fails with one error line and the destination as it was; afterwards the board's REPL answers on
a direct connection, with no half-finished copy left behind. The module prints the fault counts
and the data lost (must be 0) at the end of the run."""
from __future__ import annotations

import random
import signal
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path

import pytest

from k210tools import cli, transfer
from k210tools.board import Board
from k210tools.testing.faultproxy import Fault, FaultProxy, parse_fault
from k210tools.simboard import SimBoard, sim_binary
from k210tools.serial_transport import SerialTransport
from k210tools.transport import Transport
from k210tools.errors import K210Error

SIZE = 64 * 1024
OLD = b"old content, must survive a failed copy\n" * 50
STALL = 5.0      # seconds without a byte before the host gives up (the tools' default is 30 s)

# (copy, fault kind, wire direction, injections, where): "up" is host -> board. Where "data":
# in the copy's stream (for a put, "down" carries the board's per-block acks; for a get, "up"
# the host's); "code": in the code the host sends to start the copy; "path": in its file name.
CASES = [
    ("put", "drop", "up", 1, "data"), ("get", "drop", "down", 1, "data"),
    ("put", "flip", "up", 1, "data"), ("get", "flip", "down", 1, "data"),
    ("put", "dup", "up", 1, "data"), ("get", "dup", "down", 1, "data"),
    ("put", "delay", "up", 3, "data"), ("get", "delay", "down", 3, "data"),
    ("put", "cut", "up", 1, "data"), ("get", "cut", "down", 1, "data"),
    ("put", "drop", "down", 1, "data"), ("get", "drop", "up", 1, "data"),
    ("put", "flip", "down", 1, "data"), ("get", "flip", "up", 1, "data"),
    ("put", "dup", "down", 1, "data"), ("get", "dup", "up", 1, "data"),
    ("put", "flip", "up", 1, "code"), ("get", "flip", "up", 1, "code"),
    ("put", "drop", "up", 1, "code"), ("get", "dup", "up", 1, "code"),
    ("put", "flip", "up", 1, "path"), ("get", "flip", "up", 1, "path"),
    # a noisy cable: drops, flips, dups and delays at random in both directions during the copy
    ("put", "mixed", "both", 0, "noisy"), ("get", "mixed", "both", 0, "noisy"),
    ("put", "mixed", "both", 0, "noisy2"), ("get", "mixed", "both", 0, "noisy2"),
]
NOISE = 2e-5      # chance per byte, per fault kind and direction
# bytes in each direction during a copy (payload or acks): where a "data" fault can land
SPAN = {("put", "up"): SIZE, ("put", "down"): SIZE // 2048, ("get", "down"): SIZE, ("get", "up"): SIZE // 2048}
ARM = b"import k210xfer,"    # the proxy counts offsets from here: the code starting the copy


def _start_code(op: str, data: bytes) -> str:
    """What the host sends to start the copy (after ARM): faults can be aimed into it."""
    call = (f"recv('/sd/dst.bin', {SIZE}, {zlib.crc32(data)}, {transfer.BLOCK}, 0)" if op == "put"
            else f"send('/sd/src.bin', {transfer.BLOCK}, 0)")
    return transfer.start_code(call)[len(ARM):] + "\x04"


TOTALS: dict = {"faults": Counter(), "outcomes": Counter(), "data_lost": 0}


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    try:
        sim_binary()
    except K210Error as e:
        pytest.skip(str(e))
    s = SimBoard(tmp_path_factory.mktemp("faults-board"))
    yield s
    s.stop()
    faults = ", ".join(f"{k} {n}" for k, n in sorted(TOTALS["faults"].items()))
    outcomes = ", ".join(f"{k} {n}" for k, n in sorted(TOTALS["outcomes"].items()))
    line = f"transfer faults: injected {faults or 'none'}; copies {outcomes or 'none'}; data lost {TOTALS['data_lost']}"
    rep = request.config.pluginmanager.get_plugin("terminalreporter")
    cap = request.config.pluginmanager.get_plugin("capturemanager")
    if rep and cap:
        with cap.global_and_fixture_disabled():     # shown in a passing run too
            rep.write_line("\n" + line)


@pytest.fixture
def short_stalls(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stalled copy fails after STALL seconds instead of 30, to keep the file quick."""
    read_exact, read_until = Transport.read_exact, Transport.read_until

    def exact(self, n, timeout=10.0):
        return read_exact(self, n, min(timeout, STALL))

    def until(self, marker, timeout=10.0, stream=None, what=""):
        return read_until(self, marker, None if timeout is None else min(timeout, STALL), stream, what)

    monkeypatch.setattr(Transport, "read_exact", exact)
    monkeypatch.setattr(Transport, "read_until", until)


def _direct(sim: SimBoard) -> Board:
    """The board on its own pty, no proxy: this also recovers a board stuck in a copy."""
    return Board(SerialTransport.open(sim.path))


@pytest.mark.parametrize("op,kind,direction,count,where", CASES, ids=["-".join(map(str, c)) for c in CASES])
def test_copy_through_fault(sim, short_stalls, tmp_path: Path, capsys, record_property,
                            op: str, kind: str, direction: str, count: int, where: str) -> None:
    seed = CASES.index((op, kind, direction, count, where)) + 1
    rng = random.Random(seed)
    data = rng.randbytes(SIZE)
    local = tmp_path / "file.bin"
    b = _direct(sim)
    try:
        if op == "put":
            b.put(OLD, "/sd/dst.bin")
            local.write_bytes(data)
            argv = ["cp", "-q", str(local), ":/sd/dst.bin"]
        else:
            b.put(data, "/sd/src.bin")
            local.write_bytes(OLD)
            argv = ["cp", "-q", ":/sd/src.bin", str(local)]
    finally:
        b.close()

    if where.startswith("noisy"):
        faults = [Fault(k, d, rate=NOISE, count=3, delay=0.3) for k in ("drop", "flip", "dup", "delay")
                  for d in ("up", "down")]
    else:
        faults = _aimed(op, kind, direction, count, where, data, rng)
    capsys.readouterr()
    with FaultProxy(sim.path, faults, seed, arm_on=ARM) as proxy:
        rc = cli.main(["-p", proxy.path] + argv)
    err = capsys.readouterr().err
    TOTALS["faults"].update(proxy.injected)
    if count:
        assert sum(proxy.injected.values()) == count, f"fault not injected: {proxy.summary()}"
    else:
        assert sum(proxy.injected.values()) >= 1, f"no fault injected: {proxy.summary()}"
    _check_after(sim, op, kind, direction, rc, err, data, local, proxy, record_property)


def _aimed(op: str, kind: str, direction: str, count: int, where: str, data: bytes,
           rng: random.Random) -> list[Fault]:
    """count faults of one kind at seeded offsets in one part of the copy."""
    span = SPAN[(op, direction)]
    code = _start_code(op, data)
    if where == "code":       # anywhere in the code that starts the copy
        offsets = [rng.randrange(1, len(code) - 1)]
    elif where == "path":     # a letter of the board file's name in that code
        offsets = [code.index("/sd/dst" if op == "put" else "/sd/src") + 5]
    else:
        lead = len(code) if (op, direction) == ("get", "up") else 0
        offsets = sorted(lead + a for a in rng.sample(range(span // 8, span - span // 8), count))
    return [Fault(kind, direction, rate=1.0, after=a, count=1, delay=0.6) for a in offsets]


def _check_after(sim: SimBoard, op: str, kind: str, direction: str, rc: int, err: str, data: bytes,
                 local: Path, proxy: FaultProxy, record_property) -> None:
    """Done with the source's bytes or failed with one line and the old content; REPL alive."""
    b = _direct(sim)          # a board left inside the copy is brought back here
    try:
        assert b.exec("print(1+1)").strip() == "2"
        now = b.get("/sd/dst.bin") if op == "put" else local.read_bytes()
        names = [n for n, _, _ in b.listdir("/sd")]
    finally:
        b.close()

    outcome = "completed" if rc == 0 else "failed cleanly"
    lost = now != (data if rc == 0 else OLD)
    if lost:
        TOTALS["data_lost"] += 1
    TOTALS["outcomes"][outcome] += 1
    record_property("fault", proxy.summary())
    record_property("outcome", outcome)
    record_property("error", err.strip())
    assert not lost, f"{op} through {kind}:{direction} (rc {rc}): destination holds {len(now)} bytes, " \
                     f"neither the old nor the new content; {proxy.summary()}"
    assert not [n for n in names if n.endswith((".part", ".old"))], f"leftovers on the board: {names}"
    assert not local.with_name(local.name + ".part").exists()
    if rc == 0:
        assert err == ""
    else:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("k210: "), \
            f"{op} through {kind}:{direction}: error is not one clear line: {err!r}"
    if kind == "delay":
        assert rc == 0, f"a delayed (not damaged) copy must complete: {err!r}"


def test_fault_spec_errors_name_the_bad_part() -> None:
    assert parse_fault("flip:up:rate=0.5:after=10:count=2") == Fault("flip", "up", rate=0.5, after=10, count=2)
    for spec, msg in [("flip", "expected KIND:DIR"), ("zap:up", "fault kind 'zap'"),
                      ("drop:left", "fault direction 'left'"), ("drop:up:rate=2", "rate 2.0"),
                      ("drop:up:every=3", "unknown key 'every'")]:
        with pytest.raises(ValueError, match=msg):
            parse_fault(spec)


def test_proxy_command_relays_for_the_cli(sim, tmp_path: Path) -> None:
    """`python -m k210tools.testing.faultproxy DEV --fault ...` prints its pty; k210 works through it and
    the proxy's closing line counts the faults (here: a delay, which a copy survives)."""
    proc = subprocess.Popen([sys.executable, "-m", "k210tools.testing.faultproxy", sim.path, "--seed", "7",
                             "--fault", "delay:up:rate=1:after=3000:delay=0.3", "--arm-on", ARM.decode()],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        path = proc.stdout.readline().strip()
        assert path.startswith("/dev/"), proc.stderr.read() if proc.poll() is not None else path
        src = tmp_path / "a.bin"
        src.write_bytes(random.Random(7).randbytes(10000))
        k210 = [sys.executable, "-m", "k210tools.cli", "-p", path]
        subprocess.run(k210 + ["cp", "-q", str(src), ":/sd/a.bin"], check=True, timeout=60)
        subprocess.run(k210 + ["cp", "-q", ":/sd/a.bin", str(tmp_path / "b.bin")], check=True, timeout=60)
        assert (tmp_path / "b.bin").read_bytes() == src.read_bytes()
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert "faults injected: delay:up 1;" in err
