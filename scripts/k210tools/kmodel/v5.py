"""kmodel v5 (nncase 1.x) on the host: parse and check the container (model header, modules,
mempools, functions with their input/output ranges and shapes, sections) and compute the SRAM
ledger charge kpu.load makes for the file. The code inside is read by v5code (stackvm, op
numbering per nncase version) and v5k210 (the k210 module). Written from kmodel-v5-spec.md."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from . import ledger, v5ops
from .v5ops import Epoch

IDENTIFIER = 0x4B4D444C          # b"LDMK" on disk
VERSION = 5
MODEL_HEADER = struct.Struct("<8I")          # 32 B
MODULE_HEADER = struct.Struct("<16s8I")      # 48 B
FUNCTION_HEADER = struct.Struct("<8I")       # 32 B
SECTION_HEADER = struct.Struct("<16s4I")     # 32 B
MEMORY_RANGE = struct.Struct("<BBHII")       # 12 B
MODULE_TYPES = ("stackvm", "k210")
AI_SRAM_BYTES = 2 * 1024 * 1024
# The loader's per-model state in the ledger block: A(sizeof(kv5_model_t)) of the C loader
# (modules/kpu/formats/v5, 6,848 B on LP64 = the sim and the K210's RV64, branch v5ops: the
# paddings registers of PAD added 280 B).
# It is a figure of the C code, not of the file: change both together (the board test
# test_yolox_charge_is_the_host_formula_and_deinit_returns_it compares them).
STATE_BYTES = 6912
PRERELEASE_MSG = ("pre-release kmodel v5 layout (nncase 1.0 development build before 2021-08-18) — the nncase 1.x "
                  "runtime cannot load it; recompile with nncase >= 1.0.0")


class V5Error(ValueError):
    """A file that is not a loadable kmodel v5; the message names the offset and the problem."""


@dataclass(frozen=True)
class MemoryRange:
    location: int
    dtype: int
    shared_module: int
    start: int
    size: int

    def __str__(self) -> str:
        loc = v5ops.LOCATIONS.get(self.location, f"location {self.location}")
        return f"{loc}[{self.start}:{self.start + self.size}] {v5ops.dtype_name(self.dtype)}"


@dataclass(frozen=True)
class Tensor:
    range: MemoryRange
    shape: Tuple[int, ...]

    @property
    def elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self) -> int:
        return self.elements * v5ops.dtype_size(self.range.dtype)


@dataclass
class Function:
    index: int
    offset: int                  # file offset of the function header
    size: int
    input_pool: int
    output_pool: int
    entrypoint: int
    text_size: int
    inputs: List[Tensor] = field(default_factory=list)
    outputs: List[Tensor] = field(default_factory=list)


@dataclass
class Section:
    name: str
    flags: int
    offset: int                  # file offset of the bytes (merged sections: inside .rdata)
    size: int


@dataclass
class Module:
    index: int
    offset: int
    type: str
    version: int
    size: int
    mempools: Dict[int, int]     # location -> bytes
    shared_mempools: List[Tuple[int, int]]
    functions: List[Function] = field(default_factory=list)
    sections: Dict[str, Section] = field(default_factory=dict)

    def pool(self, location: int) -> int:
        return self.mempools.get(location, 0)

    def section(self, data: bytes, name: str) -> bytes:
        s = self.sections.get(name)
        return b"" if s is None else data[s.offset:s.offset + s.size]


@dataclass
class Model:
    data: bytes
    alignment: int
    flags: int
    modules: List[Module]
    entry_module: int
    entry_function: int
    epochs: List[Epoch] = field(default_factory=list)    # candidate epochs (filled by parse)
    epoch: Optional[Epoch] = None                          # the one the code is read with
    code: Dict[Tuple[int, int], list] = field(default_factory=dict)   # (module, function) -> v5code.Instr list

    @property
    def image_bytes(self) -> int:
        return MODEL_HEADER.size + sum(m.size for m in self.modules)

    @property
    def entry(self) -> Function:
        return self.modules[self.entry_module].functions[self.entry_function]

    @property
    def data_pools(self) -> int:
        return sum(m.pool(v5ops.LOC_DATA) for m in self.modules)

    @property
    def shared_pools(self) -> int:
        return sum(size for m in self.modules for _, size in m.shared_mempools)

    @property
    def io_bytes(self) -> int:
        return sum(t.nbytes for t in self.entry.inputs + self.entry.outputs)

    @property
    def working_bytes(self) -> int:
        """What a load allocates besides the image (spec 7): data pools + shared pools + entry I/O."""
        return self.data_pools + self.shared_pools + self.io_bytes

    def main_bytes(self) -> int:
        """The loader's main block: every module's data pool, then the entry inputs, then the
        outputs, each rounded up to 8 bytes except the last output."""
        sizes = [m.pool(v5ops.LOC_DATA) for m in self.modules] + [t.nbytes for t in self.entry.inputs]
        outs = [t.nbytes for t in self.entry.outputs]
        total = sum((n + 7) // 8 * 8 for n in sizes + outs[:-1])
        return total + (outs[-1] if outs else 0)

    def charge_parts(self) -> List[Tuple[str, int]]:
        """The ledger charge of kpu.load (ledger.charge_parts): the image at header.alignment, the
        main block (data pools, inputs, outputs) and the loader state. The k210 kpu pool is the AI
        SRAM (not charged). Shared mempools (none in any known file) are refused by the loader."""
        return ledger.charge_parts(self.image_bytes, self.main_bytes(), STATE_BYTES, self.alignment)

    @property
    def charge(self) -> int:
        return sum(b for _, b in self.charge_parts())


def _printable(b: bytes) -> bool:
    name = b.split(b"\0", 1)[0]
    return bool(name) and all(0x20 < c < 0x7F for c in name) and not any(b[len(name):])


def identify(data: bytes) -> str:
    """'release' for a loadable layout; raises V5Error naming pre-release / v6-v7 / unknown layouts."""
    n = len(data)
    if n < 12:
        raise V5Error(f"offset 0: {n} bytes is shorter than a kmodel v5 header")
    ident, version, header_size = struct.unpack_from("<3I", data, 0)
    if ident != IDENTIFIER:
        raise V5Error("offset 0: no \"LDMK\" identifier: not an nncase kmodel")
    if version in (6, 7):
        raise V5Error(f"offset 4: kmodel v{version} (nncase 2.x, K230) is not a K210 model: compile with nncase 1.x (v5)")
    if version != VERSION:
        raise V5Error(f"offset 4: kmodel version {version} is not v5")
    if header_size == MODEL_HEADER.size and n >= 48 and _printable(data[32:48]):
        return "release"
    if n >= 40 and _printable(data[24:40]):
        raise V5Error("offset 8: " + PRERELEASE_MSG)
    raise V5Error(f"offset 8: unknown kmodel v5 layout (header_size {header_size}, expected 32 and a module type at offset 32)")


def _need(data: bytes, off: int, n: int, what: str) -> None:
    if off < 0 or off + n > len(data):
        raise V5Error(f"offset {off}: {what} ({n} bytes) runs past the end of the file ({len(data)} bytes)")


def _tensor(data: bytes, off: int, end: int, what: str) -> Tuple[MemoryRange, int]:
    if off + MEMORY_RANGE.size > end:
        raise V5Error(f"offset {off}: {what} memory range runs past the end of its function record")
    return MemoryRange(*MEMORY_RANGE.unpack_from(data, off)), off + MEMORY_RANGE.size


def _shape(data: bytes, off: int, end: int, what: str) -> Tuple[Tuple[int, ...], int]:
    if off + 4 > end:
        raise V5Error(f"offset {off}: {what} shape runs past the end of its function record")
    (ndim,) = struct.unpack_from("<I", data, off)
    if ndim > 8 or off + 4 + 4 * ndim > end:
        raise V5Error(f"offset {off}: {what} shape has {ndim} dims (at most 8, inside the function record)")
    return struct.unpack_from(f"<{ndim}I", data, off + 4), off + 4 + 4 * ndim


def _function(data: bytes, mod: Module, index: int, off: int, mod_end: int) -> Function:
    what = f"module {mod.index} ({mod.type}) function {index}"
    if off + FUNCTION_HEADER.size > mod_end:
        raise V5Error(f"offset {off}: {what} header runs past the end of its module (at {mod_end})")
    hsize, size, in_pool, out_pool, n_in, n_out, entry, text = FUNCTION_HEADER.unpack_from(data, off)
    if hsize != FUNCTION_HEADER.size or size < hsize or off + size > mod_end:
        raise V5Error(f"offset {off}: {what} header_size {hsize} / size {size} (expected 32 and a record inside the module)")
    if n_in > 64 or n_out > 64:
        raise V5Error(f"offset {off + 16}: {what} has {n_in} inputs and {n_out} outputs (at most 64 each)")
    f = Function(index, off, size, in_pool, out_pool, entry, text)
    end, p = off + size, off + hsize
    for kind, count, pool, loc, dst in (("input", n_in, in_pool, v5ops.LOC_INPUT, f.inputs),
                                        ("output", n_out, out_pool, v5ops.LOC_OUTPUT, f.outputs)):
        ranges = []
        for i in range(count):
            r, p = _tensor(data, p, end, f"{what} {kind} {i}")
            ranges.append(r)
        for i, r in enumerate(ranges):
            shape, p = _shape(data, p, end, f"{what} {kind} {i}")
            t = Tensor(r, tuple(shape))
            if r.location != loc or r.dtype not in v5ops.DTYPES:
                raise V5Error(f"offset {off}: {what} {kind} {i} has location {r.location} / datatype {r.dtype} "
                              f"(expected location {loc}, datatype 0..11)")
            if r.start + r.size > pool or t.nbytes != r.size:
                raise V5Error(f"offset {off}: {what} {kind} {i} {r} with shape {list(shape)} ({t.nbytes} B) "
                              f"does not fit its {pool}-byte {kind} pool / its declared size")
            dst.append(t)
    return f


def _module(data: bytes, index: int, off: int) -> Module:
    _need(data, off, MODULE_HEADER.size, f"module {index} header")
    raw, version, hsize, size, n_pools, n_shared, n_sections, n_functions, _ = MODULE_HEADER.unpack_from(data, off)
    if not _printable(raw):
        raise V5Error(f"offset {off}: module {index} type is not a NUL-padded name ({raw!r})")
    mtype = raw.split(b"\0", 1)[0].decode()
    if mtype not in MODULE_TYPES:
        raise V5Error(f"offset {off}: module {index} has type {mtype!r}; a K210 runs only 'stackvm' and 'k210' modules")
    if version != 1:
        raise V5Error(f"offset {off + 16}: module {index} ({mtype}) version {version} (every nncase 1.x writes 1)")
    if size < MODULE_HEADER.size or off + size > len(data):
        raise V5Error(f"offset {off + 24}: module {index} ({mtype}) size {size} runs past the end of the file "
                      f"({len(data)} bytes; the file is truncated?)")
    if n_pools > 16 or n_shared > 16 or n_sections > 16 or n_functions > 1024:
        raise V5Error(f"offset {off + 28}: module {index} ({mtype}) declares {n_pools} mempools, {n_shared} shared "
                      f"mempools, {n_sections} sections, {n_functions} functions (implausible)")
    if n_shared:
        raise V5Error(f"offset {off + 32}: module {index} ({mtype}) has {n_shared} shared mempools: not supported "
                      "(no nncase 1.x K210 file has them)")
    end = off + size
    p = off + MODULE_HEADER.size
    if p + 8 * (n_pools + n_shared) > end:
        raise V5Error(f"offset {p}: module {index} ({mtype}) mempool table runs past the module's end")
    pools: Dict[int, int] = {}
    for i in range(n_pools):
        loc, psize = struct.unpack_from("<B3xI", data, p + 8 * i)
        if loc not in v5ops.LOCATIONS or loc in pools:
            raise V5Error(f"offset {p + 8 * i}: module {index} ({mtype}) mempool {i} has location {loc} "
                          "(unknown or repeated)")
        pools[loc] = psize
    p += 8 * n_pools
    shared = [struct.unpack_from("<2I", data, p + 8 * i) for i in range(n_shared)]
    p += 8 * n_shared
    mod = Module(index, off, mtype, version, size, pools, [(a, b) for a, b in shared])
    for i in range(n_functions):
        f = _function(data, mod, i, p, end)
        mod.functions.append(f)
        p += f.size
    for i in range(n_sections):
        if p + SECTION_HEADER.size > end:
            raise V5Error(f"offset {p}: module {index} ({mtype}) section {i} header runs past the module's end ({end})")
        name_raw, flags, body_start, body_size, _ = SECTION_HEADER.unpack_from(data, p)
        name = name_raw.split(b"\0", 1)[0].decode("latin-1")
        hdr_end = p + SECTION_HEADER.size
        if flags & 1:
            rd = mod.sections.get(".rdata")
            if rd is None or body_start + body_size > rd.size:
                raise V5Error(f"offset {p}: section {name!r} is merged into .rdata at [{body_start}, "
                              f"{body_start + body_size}), outside it")
            mod.sections[name] = Section(name, flags, rd.offset + body_start, body_size)
            p = hdr_end
            continue
        if hdr_end + body_start + body_size > end:
            raise V5Error(f"offset {p}: module {index} ({mtype}) section {name!r} body [{hdr_end + body_start}, "
                          f"{hdr_end + body_start + body_size}) runs past the module's end ({end})")
        mod.sections[name] = Section(name, flags, hdr_end + body_start, body_size)
        p = hdr_end + body_start + body_size
    text = mod.sections.get(".text")
    text_size = text.size if text else 0
    for f in mod.functions:
        if f.entrypoint + f.text_size > text_size:
            raise V5Error(f"offset {f.offset + 24}: module {index} ({mtype}) function {f.index} code "
                          f"[{f.entrypoint}, {f.entrypoint + f.text_size}) is outside .text ({text_size} bytes)")
    rdata = mod.sections.get(".rdata")
    if rdata and rdata.size > mod.pool(v5ops.LOC_RDATA):
        raise V5Error(f"offset {rdata.offset}: module {index} ({mtype}) .rdata has {rdata.size} bytes, its rdata "
                      f"mempool {mod.pool(v5ops.LOC_RDATA)}")
    if mtype == "k210" and mod.pool(v5ops.LOC_KPU) > AI_SRAM_BYTES:
        raise V5Error(f"offset {off}: module {index} (k210) asks for {mod.pool(v5ops.LOC_KPU)} B of AI SRAM (2 MiB exist)")
    return mod


def parse(data: bytes, decode_code: bool = True) -> Model:
    """The whole container; with decode_code also the stackvm code (epoch chosen) and every k210
    function's instructions, each checked."""
    identify(data)
    ident, version, hsize, flags, alignment, n_modules, entry_module, entry_function = MODEL_HEADER.unpack_from(data, 0)
    if alignment == 0 or alignment & (alignment - 1) or alignment > 4096:
        raise V5Error(f"offset 16: alignment {alignment} (expected a power of two up to 4096)")
    if not 1 <= n_modules <= 8:
        raise V5Error(f"offset 20: {n_modules} modules (expected 1..8)")
    off = hsize
    modules = []
    for i in range(n_modules):
        m = _module(data, i, off)
        modules.append(m)
        off += m.size
    if entry_module >= n_modules or entry_function >= len(modules[entry_module].functions):
        raise V5Error(f"offset 24: entry function {entry_function} of module {entry_module} does not exist")
    if modules[entry_module].type != "stackvm":
        raise V5Error(f"offset 24: the entry module is {modules[entry_module].type!r}, expected 'stackvm'")
    model = Model(data, alignment, flags, modules, entry_module, entry_function)
    if decode_code:
        from .v5code import check_code
        check_code(model)
    return model
