#!/usr/bin/env python3
"""After the link of a K210 (or QEMU_VIRT) firmware: the memory report and the .kfpkg.

The report takes every figure from the ELF: section ends and the stack/free boundaries from the
linker's symbols, the board's GC heap default and stack sizes from the .k210.meminfo INFO
section (the same constants the firmware's kpu_mem() uses), so it cannot drift from the code.
"""
from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile

SRAM_BASE = 0x80000000
SRAM_BYTES = 6 * 1024 * 1024
AI_SRAM_BYTES = 2 * 1024 * 1024
MEMINFO_MAGIC = 0x4B4D454D
SYMBOLS = ("__text_end", "__rodata_end", "__data_end", "__bss_end", "__image_end",
           "__stacks_start", "__stacks_end", "__free_start", "__free_end")


def symbols(nm: str, elf: str) -> dict[str, int]:
    out = subprocess.run([nm, elf], check=True, capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] in SYMBOLS:
            found[parts[2]] = int(parts[0], 16)
    missing = [s for s in SYMBOLS if s not in found]
    if missing:
        raise SystemExit(f"postlink: {elf} lacks linker symbols {missing} (not linked with k210.ld?)")
    return found


def meminfo(objcopy: str, elf: str) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        dump = os.path.join(tmp, "meminfo.bin")
        subprocess.run([objcopy, "--dump-section", f".k210.meminfo={dump}", elf, os.path.join(tmp, "x.elf")],
                       check=True, capture_output=True)
        raw = open(dump, "rb").read()
    if len(raw) < 32:
        raise SystemExit(f"postlink: {elf}: .k210.meminfo is {len(raw)} bytes, expected 32")
    names = ("magic", "gc_heap_default", "gc_heap_min", "pool_min", "irq_stack", "hart1_stack",
             "hart0_stack", "pool_uncached")
    info = dict(zip(names, struct.unpack("<8I", raw[:32])))
    if info["magic"] != MEMINFO_MAGIC:
        raise SystemExit(f"postlink: {elf}: .k210.meminfo has magic {info['magic']:#x}")
    return info


def report(board: str, elf: str, bin_path: str, nm: str, objcopy: str) -> dict:
    s = symbols(nm, elf)
    m = meminfo(objcopy, elf)
    free = s["__free_end"] - s["__free_start"]
    r = {
        "board": board,
        "text": s["__text_end"] - SRAM_BASE,
        "rodata": s["__rodata_end"] - s["__text_end"],
        "data": s["__data_end"] - s["__rodata_end"],
        "bss": s["__bss_end"] - s["__data_end"],
        "align": s["__image_end"] - s["__bss_end"],
        "image": s["__image_end"] - SRAM_BASE,
        "stacks": s["__stacks_end"] - s["__stacks_start"],
        "stack_hart0": m["hart0_stack"], "stack_hart1": m["hart1_stack"], "stack_irq": m["irq_stack"],
        "gc_heap_default": m["gc_heap_default"],
        "gc_heap_min": m["gc_heap_min"],
        "model_pool": free - m["gc_heap_default"],
        "model_pool_max": free - m["gc_heap_min"],
        "ai_sram": AI_SRAM_BYTES,
        "firmware_bin": os.path.getsize(bin_path),
    }
    # every byte of the 6 MiB is in exactly one row
    assert r["image"] + r["stacks"] + r["gc_heap_default"] + r["model_pool"] == SRAM_BYTES, r
    # a model's file and its working buffers all come from the pool (the kpu ledger)
    r["largest_model"] = r["model_pool"]
    return r


def table(r: dict) -> str:
    rows = [
        ("text", r["text"]), ("rodata", r["rodata"]), ("data", r["data"]), ("bss", r["bss"]),
        ("align to 4 KiB", r["align"]), ("= firmware image", r["image"]),
        (f"stacks (hart0 {r['stack_hart0'] // 1024}K, hart1 {r['stack_hart1'] // 1024}K, irq {r['stack_irq'] // 1024}K)", r["stacks"]),
        ("GC heap (default)", r["gc_heap_default"]),
        ("model pool", r["model_pool"]),
        ("= general SRAM", r["image"] + r["stacks"] + r["gc_heap_default"] + r["model_pool"]),
        ("AI SRAM (KPU)", r["ai_sram"]),
        ("largest loadable model (file + working)", r["largest_model"]),
        (f"  ... with the GC heap at its minimum {r['gc_heap_min'] // 1024} KiB", r["model_pool_max"]),
        ("firmware.bin", r["firmware_bin"]),
    ]
    w = max(len(n) for n, _ in rows)
    lines = [f"memory of {r['board']}:"]
    lines += [f"  {n:<{w}} {v:>10,} B  {v / 1048576:6.2f} MiB" for n, v in rows]
    return "\n".join(lines)


def check_size(board: str, size: int, limit: int) -> None:
    """Stops the build when firmware.bin is over the board's limit, naming the board and the size."""
    if limit and size > limit:
        raise SystemExit(f"postlink: {board}: firmware.bin is {size:,} B, over the {limit:,} B limit by "
                         f"{size - limit:,} B; see build/{board.lower()}/firmware.map for what is big")


def kfpkg(out: str, bin_path: str) -> str:
    path = os.path.join(out, "firmware.kfpkg")
    # address first and indented: the layout kflash's address-quoting regex expects
    flash_list = {"version": "0.1.0", "files": [{"address": 0, "bin": "firmware.bin", "sha256Prefix": True}]}
    with zipfile.ZipFile(path + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("flash-list.json", json.dumps(flash_list, indent=4) + "\n")
        z.write(bin_path, "firmware.bin")
    os.replace(path + ".tmp", path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--board", required=True)
    ap.add_argument("--elf", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--nm", default="riscv64-unknown-elf-nm")
    ap.add_argument("--objcopy", default="riscv64-unknown-elf-objcopy")
    ap.add_argument("--kfpkg", action="store_true", help="also write firmware.kfpkg (real boards)")
    ap.add_argument("--max-bin", type=int, default=0, metavar="BYTES",
                    help="fail when firmware.bin is larger (real boards: 400 KB)")
    a = ap.parse_args(argv)
    r = report(a.board, a.elf, a.bin, a.nm, a.objcopy)
    with open(os.path.join(a.out, "memory.json"), "w") as f:
        json.dump(r, f, indent=2)
        f.write("\n")
    text = table(r)
    with open(os.path.join(a.out, "memory.txt"), "w") as f:
        f.write(text + "\n")
    print(text)
    check_size(a.board, r["firmware_bin"], a.max_bin)
    if a.kfpkg:
        print(f"  kfpkg: {kfpkg(a.out, a.bin)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
