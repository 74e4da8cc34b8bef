"""The shared libraries of tests/hostlibs/CMakeLists.txt, built by CMake on first use.

library("kpusim_host") configures the project once into build/host-libs, builds that one target
(make decides what is stale) and returns the .so path. A file lock keeps parallel test processes
from running CMake in the same build directory at once.
"""
from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "host-libs"


class HostLibError(RuntimeError):
    pass


def _run(cmd: list[str], what: str) -> None:
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        tail = "\n".join((r.stdout + r.stderr).splitlines()[-40:])
        raise HostLibError(f"{what} failed ({' '.join(cmd)}):\n{tail}")


def library(target: str) -> Path:
    """Path of lib<target>.so, (re)built from the current sources."""
    BUILD.mkdir(parents=True, exist_ok=True)
    with open(BUILD.parent / "host-libs.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (BUILD / "CMakeCache.txt").exists():
            _run(["cmake", "-S", str(Path(__file__).parent), "-B", str(BUILD)], "configuring tests/hostlibs")
        _run(["cmake", "--build", str(BUILD), "--target", target, "-j", str(os.cpu_count() or 2)],
             f"building {target}")
    out = BUILD / f"lib{target}.so"
    if not out.exists():
        raise HostLibError(f"{out} missing after building {target}")
    return out
