"""Compile the v4 kernels (modules/kpu/kmodel_v4*.c, ops_v4/*.c) with the host shim into a
shared library for ctypes, cached under build/v4test/ by the hash of the sources."""
from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KPU = ROOT / "modules" / "kpu"
FLAGS = ["-O2", "-shared", "-fPIC", "-std=c11", "-Wall", "-Werror", "-ffp-contract=off"]


SIM = ROOT / "kpusim"


def sources(kpu: str) -> list[Path]:
    """kpu = "numpy": the KPU is a Python callback (shim_hw.c); "sim": the behavioural KPU of
    kpusim/ with its host memory shim (tests/native/kpu_shim.c)."""
    own = [p for p in sorted(KPU.glob("kmodel_v4*.c")) if p.name != "kmodel_v4_format.c"] + sorted((KPU / "ops_v4").glob("*.c")) + [KPU / "kpu_driver.c"]
    if kpu == "numpy":
        return own + [Path(__file__).parent / "shim_hw.c"]
    return own + sorted(SIM.glob("kpu_sim*.c")) + [ROOT / "tests" / "native" / "kpu_shim.c"]


def library(kpu: str = "numpy") -> Path:
    srcs = sources(kpu)
    headers = sorted(KPU.glob("*.h")) + sorted((KPU / "ops_v4").glob("*.h")) + [ROOT / "firmware" / "mem_budget.h"]
    headers += sorted(SIM.glob("kpu_sim*.h"))
    h = hashlib.sha256(" ".join(FLAGS).encode())
    for p in srcs + headers:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    out = ROOT / "build" / "v4test" / f"libkv4-{kpu}-{h.hexdigest()[:16]}.so"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        # one temp file per process: xdist workers may build the same library at once
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        cmd = ["cc", *FLAGS, f"-I{KPU}", f"-I{ROOT / 'firmware'}", f"-I{SIM}", "-o", str(tmp), *map(str, srcs), "-lm"]
        subprocess.run(cmd, check=True)
        tmp.rename(out)
    return out


if __name__ == "__main__":
    print(library("numpy"), library("sim"))
