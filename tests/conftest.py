"""Test fixtures: a fresh simulated board per test session, reached over its pty."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from boardfix import Board, BoardError  # noqa: E402
from simproc import SIM  # noqa: E402


@pytest.fixture(scope="session")
def _board_session(tmp_path_factory):
    if not SIM.exists():
        pytest.skip("build/sim/k210-sim is not built (run ./scripts/build)")
    b = Board(tmp_path_factory.mktemp("board-state"))
    yield b
    b.close()


@pytest.fixture
def board(_board_session):
    """The session's board, soft-reset so every test starts from a fresh interpreter."""
    _board_session.reset()
    return _board_session


__all__ = ["BoardError"]
