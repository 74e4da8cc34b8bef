"""The v4 kernels for ctypes: the kpu core built by CMake (tests/hostlibs) with the numpy
reference KPU behind a callback ("numpy") or with the behavioural KPU of kpusim/ ("sim")."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from hostlibs import library as _hostlib  # noqa: E402


def library(kpu: str = "numpy") -> Path:
    return _hostlib({"numpy": "kcore_numpy", "sim": "kcore_sim"}[kpu])


if __name__ == "__main__":
    print(library("numpy"), library("sim"))
