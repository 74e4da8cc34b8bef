"""The kpu core with the behavioural KPU behind the seam (tests/v4ref/clib.py's "sim" library), as
pytest fixtures for the host-side v4 tests: import `_sim_lib` and `sim` into the test module."""
from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "v4ref"))

from clib import Lib  # noqa: E402


@pytest.fixture(scope="module")
def _sim_lib() -> Lib:
    return Lib("sim")


@pytest.fixture(params=["simd", "portable"])
def sim(_sim_lib, request) -> Lib:
    """The behavioural KPU, on its SIMD kernels and again on its portable ones."""
    _sim_lib.select_kernels(request.param)
    return _sim_lib
