"""The `k210` CLI run in-process against a simulated board of its own, for tests/host/test_cli*.py:
import `sim_state` (an autouse fixture: a fresh K210_SIM_DIR per test, no K210_PORT) and `k210`."""
from __future__ import annotations

import pytest

from k210tools.cli import main
from k210tools.simboard import sim_binary


@pytest.fixture(autouse=True)
def sim_state(tmp_path, monkeypatch):
    try:
        sim_binary()
    except Exception as e:
        pytest.skip(str(e))
    monkeypatch.setenv("K210_SIM_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("K210_PORT", raising=False)
    return tmp_path / "state"


def k210(capfd, *argv):
    """`k210 -p sim ARGV...` -> (exit status, stdout, stderr)."""
    rc = main(["-p", "sim", *argv])
    out, err = capfd.readouterr()
    return rc, out, err
