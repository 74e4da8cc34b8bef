"""The `board` fixture, --port, the `hil` marker and the per-test timeout come from the k210tools
pytest plugin (scripts/k210tools/pytest_plugin.py, registered through pytest11 when ./scripts/setup
installs the package)."""
import os
import sys

import pytest

HERE = os.path.dirname(__file__)
# tests/<layer>/ import the shared helpers here (simproc, boardfix, kpuref, v4ref, realmodels...)
# and the behavioural KPU's ctypes driver (tests/kpusim/kpusim_lib.py) directly.
sys.path.insert(0, os.path.join(HERE, "kpusim"))
sys.path.insert(0, HERE)


@pytest.fixture(scope="session")
def _kpusim_lib():
    from kpusim_lib import KpuSim, build_library
    return KpuSim(build_library())


@pytest.fixture(params=["simd", "portable"])
def kpusim(_kpusim_lib, request):
    """The behavioural KPU (tests/kpusim, tests/core) with cleared AI SRAM, a fresh main-memory
    bump pointer, defaults (8-bit weights, nncase 0.2 rule), on its SIMD kernels and again on its
    portable ones."""
    from kpusim_lib import select_kernels
    select_kernels(_kpusim_lib.lib, request.param)
    _kpusim_lib.reset()
    return _kpusim_lib


def pytest_report_header(config):
    from k210tools.modeldir import ENV, available, models_dir
    state = "" if available() else f" (missing: tests that need a model skip; set {ENV})"
    return [f"models: {models_dir()}{state}"]
