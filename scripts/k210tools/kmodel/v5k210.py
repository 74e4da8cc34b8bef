"""The kmodel v5 `k210` module's code (kmodel-v5-spec.md 6.3): fixed-size kpu_upload /
kpu_download / kpu_conv2d / copy instructions, each checked against its function's inputs and
outputs, the module's .rdata and data pool and the 2 MiB AI SRAM."""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Dict, List, Tuple

from . import v5ops
from .v5 import AI_SRAM_BYTES, MEMORY_RANGE, Function, MemoryRange, Model, Module, V5Error


@dataclass
class K210Instr:
    offset: int                  # inside the function's code
    name: str
    body: bytes


def k210_decode(code: bytes, mod: Module, fn: Function) -> List[K210Instr]:
    where = f"module {mod.index} (k210) function {fn.index}"
    out, p = [], 0
    while p < len(code):
        opb = code[p]
        if opb not in v5ops.K210_OPS:
            raise V5Error(f"{where} offset {p}: k210 instruction {opb} is not kpu_upload/kpu_download/kpu_conv2d/copy")
        name, size = v5ops.K210_OPS[opb]
        if p + size > len(code):
            raise V5Error(f"{where} offset {p}: {name} ({size} bytes) runs past the end of the code ({len(code)} bytes)")
        ins = K210Instr(p, name, code[p:p + size])
        _k210_check(ins, mod, fn, where)
        out.append(ins)
        p += size
    return out


def k210_ranges(ins: K210Instr) -> List[MemoryRange]:
    n = {"kpu_upload": 2, "kpu_download": 2, "copy": 2, "kpu_conv2d": 4}[ins.name]
    return [MemoryRange(*MEMORY_RANGE.unpack_from(ins.body, 4 + 12 * i)) for i in range(n)]


def k210_conv_words(ins: K210Instr) -> Tuple[int, ...]:
    return struct.unpack_from("<12Q", ins.body, 56)


def _k210_check(ins: K210Instr, mod: Module, fn: Function, where: str) -> None:
    limits = {v5ops.LOC_RDATA: mod.sections[".rdata"].size if ".rdata" in mod.sections else 0,
              v5ops.LOC_DATA: mod.pool(v5ops.LOC_DATA), v5ops.LOC_KPU: AI_SRAM_BYTES}
    for r in k210_ranges(ins):
        if ins.name == "kpu_conv2d" and r.size == 0:
            continue
        if r.location in (0, 1):
            ts = fn.inputs if r.location == 0 else fn.outputs
            if not any(t.range.start == r.start for t in ts):
                raise V5Error(f"{where} offset {ins.offset}: {ins.name} {r}: no function {v5ops.LOCATIONS[r.location]} "
                              f"starts at {r.start}")
        elif r.location in limits:
            if r.start + r.size > limits[r.location]:
                raise V5Error(f"{where} offset {ins.offset}: {ins.name} {r} is outside its {limits[r.location]}-byte "
                              f"{v5ops.LOCATIONS[r.location]} buffer")
        else:
            raise V5Error(f"{where} offset {ins.offset}: {ins.name} memory location {r.location} is not usable")
    if ins.name == "kpu_conv2d":
        from .v3 import KpuLayerArgs
        a = KpuLayerArgs.unpack(k210_conv_words(ins))
        (batches,) = struct.unpack_from("<I", ins.body, 52)
        for what, line, c, h, w in (("input", a.image_src_addr, a.i_ch_num + 1, a.i_col_high + 1, a.i_row_wid + 1),
                                    ("output", a.image_dst_addr, a.o_ch_num + 1, a.o_col_high + 1, a.o_row_wid + 1)):
            end = (line + max(batches, 1) * kpu_rows(c, h, w)) * 64
            if end > AI_SRAM_BYTES:
                raise V5Error(f"{where} offset {ins.offset}: kpu_conv2d {what} map {c}x{h}x{w} x {batches} batches at "
                              f"line {line} ends at byte {end}, past the 2 MiB AI SRAM")


def kpu_rows(c: int, h: int, w: int) -> int:
    """64-byte lines a C x H x W u8 map occupies in AI SRAM (kmodel-spec.md 3.4)."""
    groups, row_len = (4, 1) if w <= 16 else (2, 1) if w <= 32 else (1, (w + 63) // 64)
    return row_len * h * -(-c // min(c, groups))


def k210_summary(model: Model, module: int, function: int) -> str:
    m = model.modules[module]
    f = m.functions[function]
    text = m.section(model.data, ".text")
    counts: Dict[str, int] = {}
    for ins in k210_decode(text[f.entrypoint:f.entrypoint + f.text_size], m, f):
        counts[ins.name] = counts.get(ins.name, 0) + 1
    ins_s = ", ".join(f"{v5ops.dtype_name(t.range.dtype)}{list(t.shape)}" for t in f.inputs)
    outs_s = ", ".join(f"{v5ops.dtype_name(t.range.dtype)}{list(t.shape)}" for t in f.outputs)
    return f"k210 fn {function}: {ins_s} -> {outs_s}; " + ", ".join(f"{n} {c}" for n, c in counts.items())
