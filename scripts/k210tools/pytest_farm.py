"""pytest plugin (pytest11 `k210farm`): several boards in one run, on top of the `k210tools` plugin.

  --port a,b,...       a list of boards (devices, URLs, id:SERIAL, usb:LOCATION, sim, qemu); under
                       pytest-xdist (-n N) worker i owns board i; without it the first is `board`
  --lg-env ENV.yaml    (labgrid's option) boards from labgrid targets: every K210Driver in the
                       environment, in order, becomes a board (lg:TARGET/NAME); the place must be
                       acquired first (labgrid-client -p PLACE acquire)
  --board-junit DIR    one JUnit XML file per board (per xdist worker), named after the board
  @pytest.mark.boards(N) the test takes N boards from the `boards` fixture (a list; the first is
                       `board`); skipped, with the reason, when the run has fewer
  @pytest.mark.shares_host(NAME) tests that use one host resource take turns: each holds a
                       host-wide lock on NAME while it runs (xdist workers and other runs wait)

Every test that uses a board gets the board's identity (kind, firmware, unique id, port) as JUnit
properties and as a report section."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from . import farm
from .board import Board
from .errors import K210Error

_SPECS = pytest.StashKey[list]()
_IDENT: dict[int, farm.Identity] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("k210", "k210-kpu board")
    g.addoption("--board-junit", metavar="DIR", default=None,
                help="write one JUnit XML file per board (per xdist worker) into DIR")


def _lg_env_file(config: pytest.Config) -> str | None:
    return getattr(config.option, "lg_env", None) or os.environ.get("LG_ENV") or None


def _labgrid_specs(path: str) -> list[str]:
    """lg:TARGET[/NAME] for every K210Driver of the environment file, in file order."""
    from labgrid.config import Config
    try:
        targets = Config(path).get_targets()
    except Exception as e:   # labgrid raises several types for a bad file; all mean the same here
        raise K210Error(f"--lg-env {path}: {e}") from None
    out = []
    for tname, target in targets.items():
        drivers = (target or {}).get("drivers") or {}
        items = drivers if isinstance(drivers, list) else [{k: v} for k, v in drivers.items()]
        for entry in items:
            for cls, args in entry.items():
                if cls == "K210Driver":
                    name = (args or {}).get("name")
                    out.append(f"{farm.LABGRID}{tname}" + (f"/{name}" if name else ""))
    if not out:
        raise K210Error(f"--lg-env {path}: no K210Driver in any target; add one per board "
                        "(see labgrid/k210-farm.yaml)")
    return out


def specs(config: pytest.Config) -> list[str]:
    """This run's (this worker's) boards; the first is the session's `board`. Cached."""
    if _SPECS not in config.stash:
        try:
            lg = _lg_env_file(config)
            given = farm.split_specs([config.getoption("port")])
            if lg and given:
                raise K210Error(f"--port {config.getoption('port')} and --lg-env {lg}: choose one source of boards")
            every = _labgrid_specs(lg) if lg else farm.resolve(given)
            index, workers = farm.worker_slot(getattr(config, "workerinput", None))
            config.stash[_SPECS] = farm.share(every, index, workers) if every else []
        except K210Error as e:
            raise pytest.UsageError(str(e)) from None
    return config.stash[_SPECS]


def first_spec(config: pytest.Config) -> str | None:
    """What the k210tools plugin's session board is: None (a fresh simulated board) or a spec."""
    s = specs(config)
    return s[0] if s else None


def connect(config: pytest.Config, spec: str, baud: int, state: Path | None = None) -> Board:
    """A Board for one spec: lg: through the labgrid environment, sim/qemu fresh in `state`."""
    if spec.startswith(farm.LABGRID):
        return _labgrid_board(config, spec[len(farm.LABGRID):])
    if spec in farm.FRESH:
        return Board.connect(spec, state_dir=state)
    return Board.connect(spec, baud)


def _labgrid_board(config: pytest.Config, where: str) -> Board:
    from labgrid.pytestplugin.hooks import LABGRID_ENV_KEY
    from .labgrid_k210 import K210Driver
    env = config.stash.get(LABGRID_ENV_KEY, None)
    if env is None:
        raise K210Error("lg: boards need labgrid's pytest plugin with --lg-env")
    tname, _, dname = where.partition("/")
    try:
        target = env.get_target(tname)
        drv = target.get_driver(K210Driver, name=dname or None)
    except Exception as e:   # labgrid's own errors (place not acquired / taken, no coordinator) in one line
        msg = " ".join(str(getattr(e, "msg", None) or e).split()).removeprefix("Error: ")
        raise K210Error(f"labgrid target {tname!r}: {msg or type(e).__name__}") from None
    return drv.connect()


class _Extra:
    """The boards after the first, connected on first use and kept for the session."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.boards: dict[int, Board] = {}
        self.errors: dict[int, str] = {}

    def get(self, i: int) -> Board:
        s = specs(self.config)
        # beyond the list: more fresh boards of the run's kind (sim, or qemu with --port qemu)
        spec = s[i] if i < len(s) else (s[0] if s and s[0] in farm.FRESH else "sim")
        if i not in self.boards and i not in self.errors:
            try:
                state = Path(self.config._tmp_path_factory.mktemp(f"board{i}-state"))  # type: ignore[attr-defined]
                self.boards[i] = connect(self.config, spec, self.config.getoption("port_baud"), state)
            except K210Error as e:
                self.errors[i] = str(e)
        if i in self.errors:
            pytest.skip(f"no board {i + 1} ({spec}): {self.errors[i]}")
        return self.boards[i]

    def close(self) -> None:
        for b in self.boards.values():
            b.close()
        self.boards.clear()


def available(config: pytest.Config) -> int | None:
    """How many boards a test may ask for (None: unlimited, fresh simulated/QEMU boards)."""
    s = specs(config)
    if not s or all(x in farm.FRESH for x in s):
        return None
    return len(s)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "boards(n): the test uses n boards at once (the `boards` fixture)")
    config.addinivalue_line("markers", "shares_host(name): uses a host resource; holds a host-wide lock on it while it runs")
    config._k210_extra = _Extra(config)  # type: ignore[attr-defined]
    d = config.getoption("board_junit")
    xdist_controller = getattr(config.option, "dist", "no") != "no" and not hasattr(config, "workerinput")
    if d and not xdist_controller:
        from _pytest.junitxml import LogXML
        wid = getattr(config, "workerinput", {}).get("workerid", "main")
        spec = first_spec(config) or "sim"
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{wid}-{spec}").strip("_")
        Path(d).mkdir(parents=True, exist_ok=True)
        xml = LogXML(str(Path(d) / f"{name}.xml"), None, suite_name=f"k210 {spec}")
        config._k210_junit = xml  # type: ignore[attr-defined]
        config.pluginmanager.register(xml, "k210-board-junit")


def pytest_report_header(config: pytest.Config) -> list[str]:
    s = specs(config)
    return [f"boards of this run: {', '.join(s)} (the first is `board`)"] if len(s) > 1 else []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    """A shares_host(NAME) test holds a host-wide lock on NAME for its whole run (setup to
    teardown), so xdist workers, and other runs on this host, take turns."""
    m = item.get_closest_marker("shares_host")
    if m is None:
        yield
        return
    name = str(m.args[0] if m.args else "host")
    with farm.host_lock(name, timeout=item.config.getoption("board_timeout") or None):
        yield


def pytest_runtest_setup(item: pytest.Item) -> None:
    m = item.get_closest_marker("boards")
    if m:
        want = _count(m)
        have = available(item.config)
        if have is not None and want > have:
            pytest.skip(f"needs {want} boards at once; this {'worker' if hasattr(item.config, 'workerinput') else 'run'} "
                        f"has {have} ({', '.join(specs(item.config))}): list more with --port a,b or run without -n")


def _count(m) -> int:
    n = m.args[0] if m.args else m.kwargs.get("n")
    if not isinstance(n, int) or n < 1:
        raise pytest.UsageError(f"@pytest.mark.boards({n!r}): give the number of boards, e.g. boards(2)")
    return n


@pytest.fixture
def boards(request: pytest.FixtureRequest, board: Board) -> list[Board]:
    """The @pytest.mark.boards(N) boards, each soft-reset; boards[0] is `board`."""
    m = request.node.get_closest_marker("boards")
    if m is None:
        raise pytest.UsageError(f"{request.node.nodeid}: the boards fixture needs @pytest.mark.boards(N)")
    extra: _Extra = request.config._k210_extra  # type: ignore[attr-defined]
    out = [board]
    for i in range(1, _count(m)):
        b = extra.get(i)
        b.reset()
        out.append(b)
    return out


def identity(b: Board, port: str) -> farm.Identity:
    if id(b) not in _IDENT:
        _IDENT[id(b)] = farm.identify(b, port)
    return _IDENT[id(b)]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    if call.when == "setup" and call.excinfo is None:
        _record_identity(item)
    yield


def _record_identity(item: pytest.Item) -> None:
    names = getattr(item, "fixturenames", ())
    if not any(n in names for n in ("board", "board_session", "boards")):
        return
    lazy = getattr(item.config, "_k210", None)
    used: list[tuple[Board, str]] = []
    if lazy is not None and lazy.board is not None:
        used.append((lazy.board, lazy.port or "sim"))
    if "boards" in names:
        s = specs(item.config)
        extra: _Extra = item.config._k210_extra  # type: ignore[attr-defined]
        used += [(b, s[i] if i < len(s) else (s[0] if s else "sim")) for i, b in sorted(extra.boards.items())]
    lines = []
    for i, (b, port) in enumerate(used):
        try:
            ident = identity(b, port)
        except K210Error as e:
            lines.append(f"board {i}: identity not read ({e})")
            continue
        suffix = "" if i == 0 else f"_{i}"
        item.user_properties.extend((k + suffix, v) for k, v in ident.properties())
        lines.append(f"board {i}: {ident.line()}")
    if lines:
        item.add_report_section("setup", "board", "\n".join(lines))


def pytest_unconfigure(config: pytest.Config) -> None:
    extra = getattr(config, "_k210_extra", None)
    if extra is not None:
        extra.close()
    xml = getattr(config, "_k210_junit", None)
    if xml is not None:
        config.pluginmanager.unregister(xml)
