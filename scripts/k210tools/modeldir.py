"""Where the real test models live (the nncase-compiled .kmodel files and their inputs): one
setting, read here only. $K210_MODELS_DIR if set, else ../shared/models beside the repository.
Tests, the demo, the benchmark and the fuzzer's seeds all ask this module; a clone without the
directory still builds and runs, and everything that needs a model says where models go."""
from __future__ import annotations

import os
from pathlib import Path

from .boards import ROOT
from .errors import K210Error

ENV = "K210_MODELS_DIR"
DEFAULT = ROOT.parent / "shared" / "models"


class ModelsMissing(K210Error):
    """The model directory (or a file expected in it) is not there."""


def models_dir() -> Path:
    value = os.environ.get(ENV)
    return Path(value).expanduser() if value else DEFAULT


def available() -> bool:
    return models_dir().is_dir()


def missing_reason() -> str:
    return (f"no model directory {models_dir()}: put the real models there, or set {ENV} to "
            "the directory that holds them (see docs/host-tools.md, \"Test models\")")


def model_file(name: str) -> Path:
    """The path of a file in the model directory; ModelsMissing names what is absent and where."""
    if not available():
        raise ModelsMissing(missing_reason())
    path = models_dir() / name
    if not path.exists():
        raise ModelsMissing(f"{path}: not in the model directory ({ENV}={models_dir()})")
    return path


if __name__ == "__main__":          # for shell scripts: prints the directory (exit 1 if absent)
    print(models_dir())
    raise SystemExit(0 if available() else 1)
