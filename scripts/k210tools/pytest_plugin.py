"""pytest plugin (registered as `k210tools` via pytest11): the `board` fixture for tests that run
code on a board, the simulated one by default or real hardware with --port.

  --port PORT      serial device / pyserial URL of a real board; `qemu`: a fresh QEMU_VIRT board
                   (build/qemu_virt/firmware.elf); default (or `sim`): a fresh simulated board;
                   sim and qemu get their own state directory under pytest's tmp dir
  --board-timeout  seconds a single test may take before it fails (default 300; 0 = none)
  @pytest.mark.hil tests that need real hardware: skipped, with the reason, on the sim and QEMU
  @pytest.mark.sim_only(reason) tests of the host simulator process itself: skipped elsewhere
                   (so are tests using `sim_factory`, which starts extra simulated boards)
  @pytest.mark.qemu_subset the fast board subset CI also runs on QEMU (`-m qemu_subset --port qemu`)

Fixtures: `board` (soft-reset before each test: a fresh interpreter, storage kept), `board_session`
(the same object without the reset), `sim_factory` (extra simulated boards, e.g. maixpy=True)."""
from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from .board import Board
from .errors import BoardError, K210Error
from .qemuboard import check_available as check_qemu
from .simboard import sim_binary

__all__ = ["BoardError", "Board"]


class BoardTestTimeout(Exception):
    pass


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("k210", "k210-kpu board")
    g.addoption("--port", default=os.environ.get("K210_TEST_PORT"),
                help="board to test: serial device or pyserial URL, id:SERIAL, usb:LOCATION, 'qemu' (a fresh "
                     "QEMU_VIRT board) or 'sim' (default: a fresh simulated board); a comma-separated list "
                     "for several boards (one per xdist worker)")
    g.addoption("--port-baud", type=int, default=115200, help="baud rate of --port (default 115200)")
    g.addoption("--board-timeout", type=float, default=300.0,
                help="seconds one test may run before it fails (default 300, 0 = no limit)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "hil: needs real hardware; skipped on the simulated and QEMU boards")
    config.addinivalue_line("markers", "sim_only(reason): needs the host simulator process; skipped on other boards")
    config.addinivalue_line("markers", "qemu_subset: the fast board subset that CI also runs with --port qemu")
    config._k210 = _Lazy(config)  # type: ignore[attr-defined]


class _Lazy:
    """The session's board, connected on first use (so host-only runs never start one)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        # farm: this run's (xdist worker's) first board of --port a,b / --lg-env (pytest_farm)
        from .pytest_farm import first_spec
        self.port: str | None = first_spec(config)
        self.board: Board | None = None
        self.error: str | None = None

    @property
    def simulated(self) -> bool:
        return not self.port or self.port == "sim"

    @property
    def qemu(self) -> bool:
        return self.port == "qemu"

    def get(self) -> Board:
        if self.board is None and self.error is None:
            try:
                if self.simulated or self.qemu:
                    sim_binary() if self.simulated else check_qemu()
                    state = Path(self.config._tmp_path_factory.mktemp("board-state"))  # type: ignore[attr-defined]
                    self.board = Board.connect("qemu" if self.qemu else "sim", state_dir=state)
                else:
                    from .pytest_farm import connect
                    self.board = connect(self.config, self.port, self.config.getoption("port_baud"))
            except K210Error as e:
                self.error = str(e)
        if self.board is None:
            pytest.skip(f"no board: {self.error}")
        return self.board

    def close(self) -> None:
        if self.board is not None:
            self.board.close()
            self.board = None


def pytest_report_header(config: pytest.Config) -> list[str]:
    lazy: _Lazy = config._k210  # type: ignore[attr-defined]
    where = ("simulated board (fresh state)" if lazy.simulated else
             "QEMU_VIRT board (fresh state)" if lazy.qemu else lazy.port)
    try:
        return [f"board: {where}: {lazy.get().info().line()}"]
    except (K210Error, pytest.skip.Exception) as e:
        return [f"board: {where}: not available ({getattr(e, 'msg', e)})"]


def pytest_runtest_setup(item: pytest.Item) -> None:
    lazy: _Lazy = item.config._k210  # type: ignore[attr-defined]
    if item.get_closest_marker("hil") and (lazy.simulated or lazy.qemu):
        pytest.skip("hil: needs real hardware (run with --port /dev/ttyUSB0); "
                    f"the {'QEMU' if lazy.qemu else 'simulated'} board is in use")
    if not lazy.simulated:
        mark = item.get_closest_marker("sim_only")
        if mark or "sim_factory" in getattr(item, "fixturenames", ()):
            why = mark.args[0] if mark and mark.args else "it starts extra simulated boards"
            pytest.skip(f"sim only: {why}; --port {lazy.port} is in use")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    limit = item.config.getoption("board_timeout")
    if not limit or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum, frame):
        raise BoardTestTimeout(f"{item.nodeid} ran longer than --board-timeout={limit:g}s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def pytest_unconfigure(config: pytest.Config) -> None:
    lazy = getattr(config, "_k210", None)
    if lazy is not None:
        lazy.close()


@pytest.fixture(scope="session")
def board_session(request: pytest.FixtureRequest) -> Board:
    """The session's board as it is (no reset)."""
    return request.config._k210.get()  # type: ignore[attr-defined]


@pytest.fixture
def board(board_session: Board) -> Board:
    """The session's board, soft-reset so every test starts from a fresh interpreter."""
    board_session.reset()
    return board_session


@pytest.fixture
def sim_factory(tmp_path_factory: pytest.TempPathFactory):
    """sim_factory(maixpy=False, state=None) -> a new simulated Board, closed after the test."""
    made: list[Board] = []

    def make(maixpy: bool = False, state: Path | None = None) -> Board:
        try:
            sim_binary()
        except K210Error as e:
            pytest.skip(str(e))
        b = Board.connect("sim", state_dir=state or tmp_path_factory.mktemp("sim"), maixpy_sim=maixpy)
        made.append(b)
        return b

    yield make
    for b in made:
        b.close()
