"""kmodel v5 (nncase 1.x) on the host: parse and check the container (model header, modules,
mempools, functions with their input/output ranges and shapes, sections), decode the stackvm code
under each nncase epoch's op numbering and the k210 module's instructions, and compute the SRAM
ledger charge kpu.load makes for the file. Written from kmodel-v5-spec.md (sections 1-9)."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from . import v5ops
from .v5ops import EPOCHS, Epoch

IDENTIFIER = 0x4B4D444C          # b"LDMK" on disk
VERSION = 5
MODEL_HEADER = struct.Struct("<8I")          # 32 B
MODULE_HEADER = struct.Struct("<16s8I")      # 48 B
FUNCTION_HEADER = struct.Struct("<8I")       # 32 B
SECTION_HEADER = struct.Struct("<16s4I")     # 32 B
MEMORY_RANGE = struct.Struct("<BBHII")       # 12 B
MODULE_TYPES = ("stackvm", "k210")
AI_SRAM_BYTES = 2 * 1024 * 1024
BLOCK = 128                      # ledger block (modules/kpu/core/kpu_ledger.h)
# The loader's per-model state in the ledger block: A(sizeof(kv5_model_t)) of the C loader
# (modules/kpu/formats/v5, 6,544 B on LP64 = the sim and the K210's RV64, branch v5 at 76ecd75).
# It is a figure of the C code, not of the file: change both together (the board test
# test_yolox_charge_is_the_host_formula_and_deinit_returns_it compares them).
STATE_BYTES = 6656
MAX_STACK = 64                   # evaluation stack entries a decoded function may use (files: < 40)
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
class Instr:
    pc: int
    name: str                    # opcode name, or "TENSOR.<OP>"
    imm: Tuple = ()
    op: Optional[str] = None     # tensor op name
    args: Dict[str, object] = field(default_factory=dict)
    size: int = 1


@dataclass
class K210Instr:
    offset: int                  # inside the function's code
    name: str
    body: bytes


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
    code: Dict[Tuple[int, int], List[Instr]] = field(default_factory=dict)   # (module, function) -> stackvm code

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

    @property
    def align_pad(self) -> int:
        """Extra bytes the ledger block needs so the image starts on header.alignment (blocks are 128-aligned)."""
        return max(0, self.alignment - BLOCK)

    def main_bytes(self) -> int:
        """The loader's main block: every module's data pool, then the entry inputs, then the
        outputs, each rounded up to 8 bytes except the last output."""
        sizes = [m.pool(v5ops.LOC_DATA) for m in self.modules] + [t.nbytes for t in self.entry.inputs]
        outs = [t.nbytes for t in self.entry.outputs]
        total = sum((n + 7) // 8 * 8 for n in sizes + outs[:-1])
        return total + (outs[-1] if outs else 0)

    def charge_parts(self) -> List[Tuple[str, int]]:
        """The ledger charge of kpu.load (one block: image | main | state, each part rounded to
        128-B blocks; kpu_ledger.h): A(image) + (alignment - 128 when the header asks for more
        than the ledger's 128-B alignment, so the image can start on it) + A(main block: data
        pools, inputs, outputs) + A(loader state). The k210 kpu pool is the AI SRAM (not charged).
        Shared mempools (none in any known file) are refused by the loader."""
        return [("image", _blocks(self.image_bytes) + self.align_pad), ("main", _blocks(self.main_bytes())),
                ("state", STATE_BYTES)]

    @property
    def charge(self) -> int:
        return sum(b for _, b in self.charge_parts())


def _blocks(n: int) -> int:
    return (n + BLOCK - 1) // BLOCK * BLOCK


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
        check_code(model)
    return model


# ---- stackvm code ----

class DecodeError(V5Error):
    pass


def decode(text: bytes, epoch: Epoch, where: str = "") -> List[Instr]:
    """Decode one function's code under `epoch`; DecodeError names the pc and what is wrong."""
    out: List[Instr] = []
    pc, n = 0, len(text)
    while pc < n:
        opb = text[pc]
        if opb not in v5ops.OPCODES:
            raise DecodeError(f"{where}pc {pc}: opcode 0x{opb:02x} is not a stackvm instruction")
        name, fmt = v5ops.OPCODES[opb]
        size = 1 + (struct.calcsize(fmt) if fmt else 0)
        if pc + size > n:
            raise DecodeError(f"{where}pc {pc}: {name} runs past the end of the code ({n} bytes)")
        imm = struct.unpack_from(fmt, text, pc + 1) if fmt else ()
        if name in v5ops.UNSUPPORTED_OPCODES:
            raise DecodeError(f"{where}pc {pc}: {name} is not supported by the nncase 1.x runtime")
        ins = Instr(pc, name, imm, size=size)
        if name == "TENSOR":
            funct = imm[0]
            op = epoch.funct_name(funct)
            if op is None:
                raise DecodeError(f"{where}pc {pc}: tensor funct {funct} does not exist in nncase {epoch.name}")
            flds = v5ops.fields(epoch, op)
            if flds is None:
                raise DecodeError(f"{where}pc {pc}: tensor op {op} (funct {funct}) has no decoder in nncase {epoch.name}")
            sf = v5ops.struct_format(flds)
            asize = struct.calcsize(sf)
            if pc + size + asize > n:
                raise DecodeError(f"{where}pc {pc}: TENSOR.{op} runs past the end of the code ({n} bytes)")
            vals = struct.unpack_from(sf, text, pc + size)
            ins.op, ins.name = op, f"TENSOR.{op}"
            ins.args = {k: v for (k, _), v in zip(flds, vals)}
            ins.size = size + asize
            _check_args(ins, epoch, where)
        elif name in ("BR", "BR_TRUE", "BR_FALSE"):
            target = pc + size + imm[0]
            if not 0 <= target <= n:
                raise DecodeError(f"{where}pc {pc}: {name} target {target} is outside the code [0, {n}]")
        elif name == "LEA_BUFFER" and imm[0] not in (0, 1, 2, 3):
            raise DecodeError(f"{where}pc {pc}: LEA_BUFFER location {imm[0]} (the runtime knows input, output, "
                              "rdata, data)")
        out.append(ins)
        pc += ins.size
    return out


def _check_args(ins: Instr, epoch: Epoch, where: str) -> None:
    a = ins.args
    for k, v in a.items():
        if "datatype" in k and v not in v5ops.DTYPES:
            raise DecodeError(f"{where}pc {ins.pc}: TENSOR.{ins.op} {k} = {v} is not a datatype")
    limits = {"binary_op": len(v5ops.BINARY_OPS), "reduce_op": len(v5ops.REDUCE_OPS), "pad_mode": len(v5ops.PAD_MODES),
              "unary_op": len(epoch.unary), "align_corners": 2, "half_pixel_centers": 2, "keep_dims": 2}
    for k, lim in limits.items():
        if k in a and not 0 <= int(a[k]) < lim:
            raise DecodeError(f"{where}pc {ins.pc}: TENSOR.{ins.op} {k} = {a[k]} is out of range (0..{lim - 1})")
    if ins.op == "RESIZE_IMAGE" and a["mode"] not in (0, 1):
        raise DecodeError(f"{where}pc {ins.pc}: TENSOR.RESIZE_IMAGE mode {a['mode']} (0 bilinear, 1 nearest)")
    for k in ("groups", "stride_h", "stride_w", "dilation_h", "dilation_w", "filter_h", "filter_w"):
        if k in a and a[k] == 0:
            raise DecodeError(f"{where}pc {ins.pc}: TENSOR.{ins.op} {k} = 0")


def _signature(code: Sequence[Instr], epoch: Epoch) -> Tuple:
    """What an epoch makes the code mean: op names and fields with enums resolved, and the padding
    format when an op pops paddings."""
    sig = []
    pads = False
    for ins in code:
        if ins.op is None:
            sig.append((ins.pc, ins.name, ins.imm))
            continue
        args = dict(ins.args)
        if "unary_op" in args:
            args["unary_op"] = epoch.unary[args["unary_op"]]
        if ins.op in ("REDUCE_WINDOW2D", "CONV2D"):
            pads = True
        sig.append((ins.pc, ins.op, tuple(sorted(args.items()))))
    return tuple(sig) + ((("padding", epoch.padding_entries),) if pads else ())


def stackvm_functions(model: Model) -> List[Tuple[int, int, bytes]]:
    out = []
    for m in model.modules:
        if m.type != "stackvm":
            continue
        text = m.section(model.data, ".text")
        for f in m.functions:
            out.append((m.index, f.index, text[f.entrypoint:f.entrypoint + f.text_size]))
    return out


_KIND = {"LDC_I4": "int", "LDC_I4_0": "int", "LDC_I4_1": "int", "LDNULL": "int", "LDC_R4": "real",
         "LEA_BUFFER": "addr"}


def _plausible(code: Sequence[Instr], epoch: Epoch) -> bool:
    """Plausibility of a decoding (spec 8): a symbolic run of straight-line code where every entry
    has a kind (int, real, addr). No pop from an empty stack; tensor operands of the right kind
    (addresses from LEA_BUFFER, reals from LDC_R4, integers for shapes, paddings and CALL
    descriptors); the stack empty at the end. Code with branches gets the depth check only."""
    branches = any(i.name in ("BR", "BR_TRUE", "BR_FALSE") for i in code)
    stack: List[str] = []
    for ins in code:
        try:
            pops, pushes = _stack_effect(ins, epoch)
        except V5Error:         # an op whose stack use is not known here: refused later, by name
            pops, pushes = 0, 0
        if len(stack) < pops:
            return False
        want: Optional[List[str]] = None
        if ins.op == "CALL":
            want = ["addr", "int", "int", "int"] * (ins.args["num_src"] + ins.args["num_dst"])
        elif ins.op in v5ops.STACK:
            want = []
            for k in v5ops.STACK[ins.op]:
                want += ["int"] * epoch.padding_entries if k == "padding" else [k]
        elif ins.name in ("STSHAPE", "STPADDINGS"):
            want = ["int"] * pops
        got = stack[len(stack) - pops:] if pops else []
        if want is not None and not branches and len(want) == pops:
            for w, g in zip(want, got):
                if w in ("addr", "real", "int") and g != "?" and g != w:
                    return False
        del stack[len(stack) - pops:]
        stack += [_KIND.get(ins.name, "?")] * pushes
    return branches or not stack


def detect_epochs(model: Model) -> List[Epoch]:
    """Every epoch under which all stackvm code decodes cleanly and plausibly (spec 8)."""
    good = []
    for e in EPOCHS:
        try:
            if all(_plausible(decode(text, e), e) for _, _, text in stackvm_functions(model)):
                good.append(e)
        except DecodeError:
            continue
    return good


def choose_epoch(model: Model) -> Epoch:
    cands = detect_epochs(model)
    if not cands:
        errs = []
        for e in (EPOCHS[0], EPOCHS[-1]):
            try:
                for mi, fi, text in stackvm_functions(model):
                    decode(text, e, f"module {mi} function {fi} ")
            except DecodeError as err:
                errs.append(f"as nncase {e.name}: {err}")
        raise V5Error("the stackvm code decodes under no nncase 1.x op numbering (the compiler version cannot be "
                      "determined): " + "; ".join(errs))
    sigs = {}
    for e in cands:
        sigs[e.name] = tuple(_signature(decode(text, e), e) for _, _, text in stackvm_functions(model))
    if len(set(sigs.values())) > 1:
        raise V5Error("the stackvm code decodes under nncase " + ", ".join(e.name for e in cands) +
                      " with different meanings (the compiler version cannot be determined); recompile with a "
                      "nncase 1.x release")
    model.epochs = cands
    return max(cands, key=lambda e: e.order)


def check_code(model: Model) -> None:
    model.epoch = choose_epoch(model)
    for mi, fi, text in stackvm_functions(model):
        code = decode(text, model.epoch, f"module {mi} function {fi} ")
        _check_stack(code, model, mi, fi)
        model.code[(mi, fi)] = code
    for m in model.modules:
        if m.type == "k210":
            text = m.section(model.data, ".text")
            for f in m.functions:
                k210_decode(text[f.entrypoint:f.entrypoint + f.text_size], m, f)


def _check_stack(code: Sequence[Instr], model: Model, mi: int, fi: int) -> None:
    """A straight-line pass over the code: stack depth stays within MAX_STACK and never below 0,
    LEA_BUFFER offsets fall inside their buffer, CALL targets exist."""
    depth = 0
    where = f"module {mi} function {fi}"
    mod = model.modules[mi]
    fn = mod.functions[fi]
    for ins in code:
        pops, pushes = _stack_effect(ins, model.epoch)
        if depth < pops:
            raise V5Error(f"{where} pc {ins.pc}: {ins.name} pops {pops} entries, the stack holds {depth}")
        depth += pushes - pops
        if depth > MAX_STACK:
            raise V5Error(f"{where} pc {ins.pc}: stack depth {depth} exceeds {MAX_STACK}")
        if ins.name == "LEA_BUFFER":
            loc, _, off = ins.imm
            if loc in (0, 1):
                ts = fn.inputs if loc == 0 else fn.outputs
                if not any(t.range.start <= off < t.range.start + t.range.size for t in ts):
                    raise V5Error(f"{where} pc {ins.pc}: LEA_BUFFER {v5ops.LOCATIONS[loc]}+{off} is inside no "
                                  f"{v5ops.LOCATIONS[loc]} tensor of the function")
            else:
                size = mod.sections[".rdata"].size if loc == 2 and ".rdata" in mod.sections else mod.pool(loc)
                if off >= max(size, 1) and not (off == 0 and size == 0):
                    raise V5Error(f"{where} pc {ins.pc}: LEA_BUFFER {v5ops.LOCATIONS[loc]}+{off} is outside its "
                                  f"{size}-byte buffer")
        if ins.op == "CALL":
            a = ins.args
            if a["module_id"] >= len(model.modules) or a["function_id"] >= len(model.modules[a["module_id"]].functions):
                raise V5Error(f"{where} pc {ins.pc}: TENSOR.CALL of module {a['module_id']} function "
                              f"{a['function_id']}, which does not exist")
            callee = model.modules[a["module_id"]].functions[a["function_id"]]
            if (a["num_src"], a["num_dst"]) != (len(callee.inputs), len(callee.outputs)):
                raise V5Error(f"{where} pc {ins.pc}: TENSOR.CALL passes {a['num_src']} inputs / {a['num_dst']} outputs, "
                              f"module {a['module_id']} function {a['function_id']} has {len(callee.inputs)} / "
                              f"{len(callee.outputs)}")


_PUSH1 = {"LDNULL", "LDC_I4", "LDC_I4_0", "LDC_I4_1", "LDC_R4", "LEA_BUFFER", "DUP"}


def _stack_effect(ins: Instr, epoch: Epoch) -> Tuple[int, int]:
    n = ins.name
    if n in _PUSH1:
        return (1, 2) if n == "DUP" else (0, 1)
    if n.startswith("LDIND") or n.startswith("CONV_") or n in ("NEG", "NOT"):
        return 1, 1
    if n.startswith("STIND"):
        return 2, 0
    if n.startswith("LDELEM"):
        return 2, 1
    if n.startswith("STELEM"):
        return 3, 0
    if n in ("POP", "BR_TRUE", "BR_FALSE"):
        return 1, 0
    if n == "STSHAPE":
        return ins.imm[1], 0
    if n == "STPADDINGS":
        return ins.imm[1] * epoch.padding_entries, 0
    if n in ("NOP", "BR", "RET"):
        return 0, 0
    if ins.op is not None:
        return _tensor_pops(ins, epoch), 0
    return 2, 1     # binary scalar ops and comparisons


def _tensor_pops(ins: Instr, epoch: Epoch) -> int:
    op = ins.op
    if op == "CALL":
        return 4 * (ins.args["num_src"] + ins.args["num_dst"])
    stack = v5ops.STACK.get(op)
    if stack is None:
        raise V5Error(f"pc {ins.pc}: TENSOR.{op} is not run by the K210 firmware (no stack layout known here)")
    return sum(epoch.padding_entries if s == "padding" else 1 for s in stack)


# ---- the k210 module ----

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


# ---- description ----

def tensor_op_count(model: Model) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for code in model.code.values():
        for ins in code:
            if ins.op:
                counts[ins.op] = counts.get(ins.op, 0) + 1
    return counts


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
