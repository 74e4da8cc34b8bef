"""Compile the v4 kernels (modules/kpu/kmodel_v4*.c, ops_v4/*.c) with the host shim into a
shared library for ctypes, cached under build/v4test/ by the hash of the sources."""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KPU = ROOT / "modules" / "kpu"
FLAGS = ["-O2", "-shared", "-fPIC", "-std=c11", "-Wall", "-Werror", "-ffp-contract=off"]


def sources() -> list[Path]:
    return sorted(KPU.glob("kmodel_v4*.c")) + sorted((KPU / "ops_v4").glob("*.c")) + [Path(__file__).parent / "shim_hw.c"]


def library() -> Path:
    srcs = sources()
    headers = sorted(KPU.glob("*.h")) + sorted((KPU / "ops_v4").glob("*.h")) + [ROOT / "firmware" / "mem_budget.h"]
    h = hashlib.sha256(" ".join(FLAGS).encode())
    for p in srcs + headers:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    out = ROOT / "build" / "v4test" / f"libkv4-{h.hexdigest()[:16]}.so"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        cmd = ["cc", *FLAGS, f"-I{KPU}", f"-I{ROOT / 'firmware'}", "-o", str(tmp), *map(str, srcs), "-lm"]
        subprocess.run(cmd, check=True)
        tmp.rename(out)
    return out


if __name__ == "__main__":
    print(library())
