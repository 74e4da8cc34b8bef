"""K210Driver and K210Strategy on a local labgrid target (no coordinator): the REPL through the
driver, the reset sequence on DTR/RTS per board kind (docs/host-tools.md 2.5), refusals in one line."""
from __future__ import annotations

import pytest
import serial
from labgrid import Target
from labgrid.resource import RawSerialPort

from k210tools import boards as kb
from k210tools.errors import K210Error
from k210tools.labgrid_k210 import K210Driver, K210Strategy, Status
from k210tools.simboard import SimBoard, sim_binary

pytestmark = [pytest.mark.sim_only("starts a simulated board behind a labgrid target")]


def _target(port: str, kind: str) -> tuple[Target, K210Driver]:
    t = Target("k210")
    RawSerialPort(t, name=None, port=port, speed=115200)
    return t, K210Driver(t, name=None, board=kind)


@pytest.fixture
def sim(tmp_path):
    sim_binary()
    s = SimBoard(tmp_path / "state")
    yield s
    s.stop()


def test_driver_hands_the_repl_to_k210tools(sim):
    t, drv = _target(sim.path, "SIM")
    strategy = K210Strategy(t, name=None)
    strategy.transition("repl")
    assert strategy.status == Status.repl
    assert drv.url() == sim.path
    b = drv.connect()
    try:
        assert b.eval("6*7") == 42
    finally:
        b.close()
    strategy.transition("off")
    t.cleanup()


def test_sim_has_no_reset_lines_and_no_isp(sim):
    t, drv = _target(sim.path, "SIM")
    t.activate(drv)
    with pytest.raises(K210Error, match="SIM has no reset lines"):
        drv.reset()
    with pytest.raises(K210Error, match="SIM is not flashed over ISP"):
        drv.flash("build/sim/k210-sim")
    t.cleanup()


class _Spy:
    """A pyserial port that records every (dtr, rts) it is left in."""

    def __init__(self, log: list) -> None:
        self.log, self._dtr, self._rts, self.is_open = log, None, None, False

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        if name in ("dtr", "rts") and self.is_open:
            self.log.append((self.dtr, self.rts))

    def open(self):
        self.is_open = True

    def close(self):
        self.is_open = False


@pytest.mark.parametrize("kind", ["MAIX_BIT", "MAIX_GO"])
def test_reset_plays_the_boards_sequence_then_releases(monkeypatch, kind):
    log: list = []
    monkeypatch.setattr(serial, "serial_for_url", lambda *a, **k: _Spy(log))
    monkeypatch.setattr("time.sleep", lambda s: None)
    t, drv = _target("/dev/ttyUSB9", kind)
    t.activate(drv)
    drv.reset()
    # each step sets dtr then rts: the state after the rts write is the step
    states = log[1::2]
    expect = {"MAIX_BIT": [(False, False), (False, True), (False, False)],       # CH340: RTS pulses RESET
              "MAIX_GO": [(False, False), (True, False), (False, False)]}[kind]  # FT2232: DTR pulses RESET
    assert states[:3] == expect and states[-1] == (False, False)
    assert kb.board(kind).reset == tuple(expect)
    t.cleanup()


def test_unknown_board_kind_is_refused_with_the_list():
    t = Target("k210")
    RawSerialPort(t, name=None, port="/dev/ttyUSB9", speed=115200)
    with pytest.raises(ValueError, match="unknown board 'MAIX_FOO': choose one of SIM, MAIX_BIT"):
        K210Driver(t, name=None, board="MAIX_FOO")


def test_flash_goes_through_kflash_with_the_boards_isp_sequence(tmp_path):
    """K210Driver.flash on a fake K210 in ISP mode (k210tools.testing.fakeisp): the image lands at 0 in
    kflash's boot format (flag byte, length, payload, SHA-256: built here from the spec)."""
    import hashlib
    import os
    import struct

    from k210tools.testing.fakeisp import FakeIsp
    fw = tmp_path / "fw.bin"
    payload = os.urandom(50000)
    fw.write_bytes(payload)
    isp = FakeIsp()
    try:
        t, drv = _target(isp.path, "MAIX_DOCK")
        t.activate(drv)
        drv.flash(fw, baud=115200)
        body = b"\x02" + struct.pack("<I", len(payload)) + payload     # flag 2: dual-IO flash
        assert isp.image(0, len(body) + 32) == body + hashlib.sha256(body).digest()
        assert isp.log.rebooted
        t.cleanup()
    finally:
        isp.close()
