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

# Under pytest-xdist the W workers' simulated boards (and the in-process kpusim libraries) share
# the host's CPUs: each gets max(1, cpus // W) KPU worker threads (K210_SIM_THREADS, read by
# kpusim/kpu_sim_threads.c) so the suite does not oversubscribe. An explicit setting wins.
if os.environ.get("PYTEST_XDIST_WORKER_COUNT"):
    _cpus = os.cpu_count() or 1
    os.environ.setdefault("K210_SIM_THREADS",
                          str(min(16, max(1, _cpus // int(os.environ["PYTEST_XDIST_WORKER_COUNT"])))))


@pytest.fixture(scope="session")
def _kpusim_lib():
    from kpusim_lib import KpuSim, build_library
    return KpuSim(build_library())


@pytest.fixture(params=["simd", "vnni", "avx2", "portable"])
def kpusim(_kpusim_lib, request):
    """The behavioural KPU (tests/kpusim, tests/core) with cleared AI SRAM, a fresh main-memory
    bump pointer, defaults (8-bit weights, nncase 0.2 rule), on its best SIMD kernels cut into 3
    threads' parts, on the AVX-VNNI set in 2 parts when the best are AVX-512, on plain AVX2 in
    2 parts when the best have VNNI, and on its portable ones on one thread."""
    from kpusim_lib import select_kernels, select_threads
    select_kernels(_kpusim_lib.lib, request.param)
    select_threads(_kpusim_lib.lib, {"simd": 3, "vnni": 2, "avx2": 2}.get(request.param, 1))
    _kpusim_lib.reset()
    return _kpusim_lib


def pytest_report_header(config):
    from k210tools.modeldir import ENV, available, models_dir
    state = "" if available() else f" (missing: tests that need a model skip; set {ENV})"
    return [f"models: {models_dir()}{state}"]
