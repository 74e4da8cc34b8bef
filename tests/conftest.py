"""The `board` fixture, --port, the `hil` marker and the per-test timeout come from the k210tools
pytest plugin (scripts/k210tools/pytest_plugin.py, registered through pytest11 when ./scripts/setup
installs the package)."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))   # tests import simproc / boardfix / kpuref directly


def pytest_report_header(config):
    from k210tools.modeldir import ENV, available, models_dir
    state = "" if available() else f" (missing: tests that need a model skip; set {ENV})"
    return [f"models: {models_dir()}{state}"]
