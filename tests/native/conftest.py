"""Fixture for the host-side tests of the behavioural KPU: the compiled library via ctypes."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from kpusim import KpuSim, build_library, select_kernels  # noqa: E402


@pytest.fixture(scope="session")
def _kpusim_lib():
    return KpuSim(build_library())


@pytest.fixture(params=["simd", "portable"])
def kpusim(_kpusim_lib, request):
    """The behavioural KPU with cleared AI SRAM, a fresh main-memory bump pointer, defaults
    (8-bit weights, nncase 0.2 rule), on its SIMD kernels and again on its portable ones."""
    select_kernels(_kpusim_lib.lib, request.param)
    _kpusim_lib.reset()
    return _kpusim_lib
