"""Power-cut harness for the simulated board: runs a workload on a copy of a prepared flash image
with `--flash-cut-after N` (the Nth flash erase/program stops half done and the process dies),
then boots the same state again and hands back a process for checking."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from simproc import SimProcess

POWER_CUT_STATUS = 75


def prepare(state: Path, setup_code: str) -> None:
    """Boots a new board in state, runs setup_code, powers it off cleanly."""
    state.mkdir(parents=True, exist_ok=True)
    sim = SimProcess(state, "--no-sd")
    try:
        out, err = sim.raw_exec(setup_code, timeout=60)
        if err:
            raise RuntimeError(f"setup failed on the board: {err.decode(errors='replace')}")
    finally:
        sim.close()


def count_ops(base: Path, work: Path, code: str) -> int:
    """Flash erase/program operations the workload performs when nothing goes wrong."""
    clone(base, work)
    log = work / "flash.log"
    sim = SimProcess(work, "--no-sd", "--flash-log", str(log))
    try:
        out, err = sim.raw_exec(code, timeout=60)
        if err:
            raise RuntimeError(f"workload failed without a cut: {err.decode(errors='replace')}")
    finally:
        sim.close()
    return len(log.read_text().splitlines())


def clone(base: Path, work: Path) -> None:
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    shutil.copyfile(base / "flash.img", work / "flash.img")


def run_cut(base: Path, work: Path, code: str, cut: int) -> bool:
    """Runs code on a copy of base with a power cut at operation `cut`; True if the cut happened
    (False: the workload finished first)."""
    clone(base, work)
    sim = SimProcess(work, "--no-sd", "--flash-cut-after", str(cut))
    try:
        try:
            sim.raw_exec(code, timeout=60)
            return False   # the workload ended before the cut
        except (OSError, TimeoutError, RuntimeError):
            pass
        try:
            status = sim.proc.wait(10)
        except subprocess.TimeoutExpired:
            return False   # still alive: the workload ended before the cut
        if status != POWER_CUT_STATUS:
            raise RuntimeError(f"board died with status {status}, not by the power cut: {sim.proc.stderr.read()!r}")
        return True
    finally:
        sim.close()


def boot(work: Path) -> SimProcess:
    return SimProcess(work, "--no-sd")
