"""A real labgrid farm on localhost: a coordinator and an exporter started here, exporting two
simulated boards through ser2net (RFC 2217), a client acquiring the place, a subset of the suite
(including the two-board test) run through it with --lg-env labgrid/k210-farm.yaml, a second user
refused in one line, nothing listening beyond 127.0.0.1, and no process left at the end."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from k210tools.simboard import SimBoard, sim_binary
from rig import Rig, alive, listening

ROOT = Path(__file__).resolve().parents[3]
ENV = ROOT / "labgrid" / "k210-farm.yaml"
PLACE = "k210-farm"
SUBSET = ["tests/host/test_farm.py::test_two_boards_one_writes_a_model_both_run_it",
          "tests/host/test_farm.py::test_identity_comes_from_the_board",
          "tests/board/test_kpu_iris.py::test_iris_from_sd_gives_published_scores",
          "tests/board/test_kpu_iris.py::test_iris_from_flash_offset_is_identical",
          "tests/board/test_kpu_iris.py::test_model_repr_attributes_and_charge",
          "tests/board/test_kpu_iris.py::test_list_input_and_memoryview_accepted"]

pytestmark = [pytest.mark.sim_only("starts simulated boards behind a local labgrid farm")]


def _ser2net() -> str | None:
    return shutil.which("ser2net") or ("/usr/sbin/ser2net" if Path("/usr/sbin/ser2net").exists() else None)


@pytest.fixture
def rig(tmp_path):
    if not _ser2net():
        pytest.skip("ser2net is not installed (./scripts/setup installs it)")
    sim_binary()
    sims = [SimBoard(tmp_path / f"state{i}") for i in range(2)]
    r = Rig(tmp_path)
    r.sims = sims
    try:
        r.start_coordinator()
        r.start_exporter({"board0": sims[0].path, "board1": sims[1].path})
        r.client("-p", PLACE, "create", check=True)
        for n in ("board0", "board1"):
            r.client("-p", PLACE, "add-named-match", f"rig/k210-sims/NetworkSerialPort/{n}", n, check=True)
        yield r
    finally:
        r.stop()
        for s in sims:
            s.stop()


def _inner_pytest(r: Rig, args: list[str], user: str | None = None, timeout: float = 420):
    env = dict(r.env, LG_USERNAME=user) if user else r.env
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-ra", "-p", "no:cacheprovider",
                           "--lg-env", str(ENV), "--lg-coordinator", r.address, *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)


def test_suite_subset_runs_on_two_boards_of_a_labgrid_place(rig, tmp_path):
    got = rig.client("-p", PLACE, "acquire")
    assert got.returncode == 0, got.stdout + got.stderr

    # `k210 -p` takes what the place hands out: board1's RFC 2217 address
    show = rig.client("-p", PLACE, "show", check=True).stdout
    block = show.split("Acquired resource 'board1'", 1)[1]
    port = int(re.search(r"'port': (\d+)", block).group(1))
    cli = subprocess.run([str(Path(sys.executable).parent / "k210"), "-p", f"rfc2217://127.0.0.1:{port}",
                          "exec", "import os; print(os.uname()[4])"], capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0 and cli.stdout.startswith("Simulated K210 board"), cli.stdout + cli.stderr

    # a second user: labgrid refuses the place; the plugin says so in one line, no hang
    taken = _inner_pytest(rig, ["tests/host/test_farm.py::test_identity_comes_from_the_board"], user="intruder",
                          timeout=120)
    skips = [x for x in taken.stdout.splitlines() if x.startswith("SKIPPED")]
    assert len(skips) == 1, taken.stdout + taken.stderr
    assert f"labgrid target 'main': place {PLACE} is not acquired by your user, acquired by rig" in skips[0]

    # the place's holder runs the subset through ser2net
    xml = tmp_path / "junit.xml"
    run = _inner_pytest(rig, [*SUBSET, f"--junitxml={xml}"])
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout and "failed" not in run.stdout, run.stdout
    cases = {c.get("name"): {p.get("name"): p.get("value") for p in c.iter("property")}
             for c in ET.parse(xml).iter("testcase")}
    assert cases["test_two_boards_one_writes_a_model_both_run_it"]["board_port"] == "lg:main/board0"
    assert cases["test_two_boards_one_writes_a_model_both_run_it"]["board_port_1"] == "lg:main/board1"
    skipped = [c.get("name") for c in ET.parse(xml).iter("testcase") if c.find("skipped") is not None]
    assert len(cases) >= 5 and not skipped, (sorted(cases), skipped)
    for props in cases.values():
        assert props["board_kind"].startswith("Simulated K210 board"), props

    # one xdist worker per board of the place: each runs its share on its own board
    xml2 = tmp_path / "junit-n2.xml"
    par = _inner_pytest(rig, ["-n", "2", *SUBSET[2:], f"--junitxml={xml2}"])
    assert par.returncode == 0, par.stdout[-3000:] + par.stderr[-2000:]
    ports = {p.get("value") for p in ET.parse(xml2).iter("property") if p.get("name") == "board_port"}
    assert ports == {"lg:main/board0", "lg:main/board1"}, ports

    # what the rig listens on (coordinator, exporter, one ser2net per acquired board): loopback only
    pids = rig.observe()
    socks = listening(pids)
    names = {Path(f"/proc/{p}/exe").resolve().name for p in pids if alive(p)}
    assert "ser2net" in names, names
    assert len([s for s in socks if s[1].startswith("tcp")]) >= 3, socks
    for pid, proto, addr in socks:
        assert addr.rsplit(":", 1)[0] in ("127.0.0.1", "[::ffff:127.0.0.1]"), (pid, proto, addr, socks)

    released = rig.client("-p", PLACE, "release")
    assert released.returncode == 0, released.stdout + released.stderr
    seen = set(rig.seen)
    rig.stop()
    for s in rig.sims:
        s.stop()
    left = [p for p in seen | {s.proc.pid for s in rig.sims} if alive(p)]
    assert left == [], f"processes left behind: {left}"
    for name in ("exporter", "coordinator"):
        assert "Traceback" not in rig.log(name), rig.log(name)[-2000:]
