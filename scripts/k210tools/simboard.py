"""Starts the simulated board (build/sim/k210-sim --pty) and stops it again."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from .boards import ROOT
from .errors import K210Error


def sim_binary() -> Path:
    exe = Path(os.environ.get("K210_SIM", ROOT / "build" / "sim" / "k210-sim"))
    if not exe.exists():
        raise K210Error(f"{exe} is not built: run ./scripts/build (or set K210_SIM to the executable)")
    return exe


def state_dir() -> Path:
    return Path(os.environ.get("K210_SIM_DIR") or ROOT / "build" / "sim" / "state")


class SimBoard:
    """A k210-sim process serving its REPL on a pty; .path is the pty's device."""

    def __init__(self, state: Path | None = None, maixpy: bool = False) -> None:
        self.state = Path(state) if state else state_dir()
        args = [str(sim_binary()), "--pty", "--state", str(self.state)] + (["--maixpy"] if maixpy else [])
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        line = self.proc.stdout.readline().decode(errors="replace").strip()
        if not line.startswith("/dev/"):
            err = self.proc.stderr.read().decode(errors="replace").strip() if self.proc.poll() is not None else ""
            self.stop()
            raise K210Error(f"the simulated board did not start: {err or line or 'no pty path printed'}")
        self.path = line
        self.maixpy = maixpy

    def relaunch(self) -> "SimBoard":
        """Power cycle: stops this process and starts a new one on the same storage."""
        self.stop()
        return SimBoard(self.state, maixpy=self.maixpy)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdout, self.proc.stderr):
            if f:
                f.close()
