"""The real models for tests, through k210tools.modeldir (the one setting: $K210_MODELS_DIR, else
../shared/models). Without the directory every test that needs a model skips, naming it."""
from __future__ import annotations

from pathlib import Path

import pytest

from k210tools.modeldir import available, missing_reason, models_dir

MODELS = models_dir()


def need_models() -> Path:
    """The model directory, or a skip of the running test naming the missing directory."""
    if not available():
        pytest.skip(missing_reason())
    return MODELS


def model_path(name: str) -> Path:
    """MODELS / name, or a skip of the running test when the model directory is missing (a
    missing file inside an existing directory stays an error: FileNotFoundError names it)."""
    return need_models() / name


def model_names(pattern: str) -> list:
    """For parametrize: the file names matching pattern, or one skipped case naming the directory."""
    if not available():
        return [pytest.param(None, marks=pytest.mark.skip(reason=missing_reason()), id="no-models")]
    return sorted(p.name for p in MODELS.glob(pattern))


def if_models(values: list) -> list:
    """For parametrize over real-model cases: values, or one skipped case naming the directory."""
    if not available():
        return [pytest.param(None, marks=pytest.mark.skip(reason=missing_reason()), id="no-models")]
    return list(values)
