"""Writes small kmodel v5 files (release layout, kmodel-v5-spec.md 2) for tests: a stackvm
assembler (LDC/LEA_BUFFER/STSHAPE/STPADDINGS and TENSOR ops with the field layout and funct
numbering of a chosen nncase epoch), k210 functions (kpu_upload / kpu_conv2d / kpu_download / copy,
the conv arguments packed by the v3 KPU argument writer, kmodel.v3.KpuLayerArgs), and the
container (model header, modules, mempools, functions with I/O ranges and shapes, sections with
their alignment). parse() of kmodel.v5 reads every file written here."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

from . import v5ops
from .v3 import ActTable, BnEntry, KpuLayerArgs
from .v5 import FUNCTION_HEADER, MEMORY_RANGE, MODEL_HEADER, MODULE_HEADER, SECTION_HEADER

Operand = Tuple  # ("addr", location, offset) | ("int", v) | ("real", v) | ("padding", before, after)


def _align(x: int, a: int) -> int:
    return (x + a - 1) // a * a


class Asm:
    """stackvm code for one function; shape registers are handed out per op."""

    def __init__(self, epoch: Union[str, v5ops.Epoch] = "1.9") -> None:
        self.epoch = v5ops.EPOCH_BY_NAME[epoch] if isinstance(epoch, str) else epoch
        self.code = bytearray()
        self.next_reg = 0

    def _op(self, name: str, *imm) -> "Asm":
        op = v5ops.OPCODE_BY_NAME[name]
        fmt = v5ops.OPCODES[op][1]
        self.code += bytes([op]) + (struct.pack(fmt, *imm) if fmt else b"")
        return self

    def ldc_i4(self, v: int) -> "Asm":
        return self._op("LDC_I4", v)

    def ldc_r4(self, v: float) -> "Asm":
        return self._op("LDC_R4", v)

    def lea_buffer(self, location: int, offset: int) -> "Asm":
        return self._op("LEA_BUFFER", location, 0, offset)

    def raw(self, name: str, *imm) -> "Asm":
        """Any other instruction by name (NOP, ADD, BR, RET, ...)."""
        return self._op(name, *imm)

    def stshape(self, dims: Sequence[int]) -> int:
        """Pushes dims (dim 0 first) and stores them in a fresh shape register; returns its number."""
        reg = self.next_reg
        self.next_reg += 1
        if reg > 255:
            raise ValueError("more than 256 shape registers in one function")
        for d in dims:
            self.ldc_i4(int(d) if int(d) < 2 ** 31 else int(d) - 2 ** 32)
        self._op("STSHAPE", reg, len(dims))
        return reg

    def stpaddings(self, pads: Sequence[Tuple[int, int]]) -> int:
        reg = self.next_reg
        self.next_reg += 1
        for before, after in pads:
            self._padding(before, after)
        self._op("STPADDINGS", reg, len(pads))
        return reg

    def _padding(self, before: int, after: int) -> None:
        self.ldc_i4(before)
        self.ldc_i4(after)
        if self.epoch.padding_entries == 3:
            self.ldc_i4(0)

    def push(self, operand: Operand) -> None:
        kind = operand[0]
        if kind == "addr":
            self.lea_buffer(operand[1], operand[2])
        elif kind == "int":
            self.ldc_i4(operand[1])
        elif kind == "real":
            self.ldc_r4(operand[1])
        elif kind == "padding":
            self._padding(operand[1], operand[2])
        else:
            raise ValueError(f"operand kind {kind!r}")

    def tensor(self, op: str, stack: Sequence[Operand], regs: Optional[Dict[str, Sequence[int]]] = None,
               **fields: Union[int, float]) -> "Asm":
        """TENSOR.<op>: emits STSHAPE for every register field given in regs, pushes the stack
        operands (bottom first), then the instruction with the epoch's funct and field layout.
        regs["rpaddings"] is a list of (before, after) and goes through STPADDINGS."""
        flds = v5ops.fields(self.epoch, op)
        if flds is None:
            raise ValueError(f"TENSOR.{op} has no decoder in nncase {self.epoch.name}")
        regs = dict(regs or {})
        values = []
        reg_no = {name: (self.stpaddings(dims) if name == "rpaddings" else self.stshape(dims))
                  for name, dims in regs.items()}
        for name, _ in flds:
            if name in reg_no:
                values.append(reg_no[name])
            elif name in fields:
                values.append(fields.pop(name))
            elif name in ("clamp_low", "clamp_high"):
                values.append(float("-inf") if name == "clamp_low" else float("inf"))
            elif name in ("dilation_h", "dilation_w", "groups"):
                values.append(1)
            else:
                raise ValueError(f"TENSOR.{op}: field {name} not given")
        if fields:
            raise ValueError(f"TENSOR.{op}: unknown fields {sorted(fields)} (layout {[n for n, _ in flds]})")
        for o in stack:
            self.push(o)
        self._op("TENSOR", self.epoch.funct_id(op))
        self.code += struct.pack(v5ops.struct_format(flds), *values)
        return self

    def call(self, module: int, function: int, inputs: Sequence[Tuple[Operand, int, Sequence[int], Sequence[int]]],
             outputs: Sequence[Tuple[Operand, int, Sequence[int], Sequence[int]]]) -> "Asm":
        """TENSOR.CALL; each tensor = (address operand, datatype, shape, strides)."""
        for addr, dt, shape, strides in list(inputs) + list(outputs):
            rs, rt = self.stshape(shape), self.stshape(strides)
            self.push(addr)
            self.ldc_i4(dt)
            self.ldc_i4(rs)
            self.ldc_i4(rt)
        self._op("TENSOR", self.epoch.funct_id("CALL"))
        self.code += struct.pack("<IHBB", function, module, len(inputs), len(outputs))
        return self


def strides_of(shape: Sequence[int]) -> Tuple[int, ...]:
    out, acc = [], 1
    for d in reversed(list(shape)):
        out.append(acc)
        acc *= int(d)
    return tuple(reversed(out))


@dataclass
class TensorDecl:
    dtype: int
    shape: Tuple[int, ...]
    start: Optional[int] = None       # offset in the pool (default: packed in order)

    @property
    def nbytes(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n * v5ops.dtype_size(self.dtype)


@dataclass
class FunctionDecl:
    inputs: List[TensorDecl]
    outputs: List[TensorDecl]
    code: bytes
    padding: int = 0                  # bytes after the shapes (stackvm files carry 4)


@dataclass
class ModuleDecl:
    type: str
    functions: List[FunctionDecl] = field(default_factory=list)
    rdata: bytes = b""
    data_pool: int = 0
    kpu_pool: int = 0                 # k210: AI SRAM bytes (the whole 2 MiB in real files)
    section_align: int = 8


def _mr(loc: int, dt: int, start: int, size: int) -> bytes:
    return MEMORY_RANGE.pack(loc, dt, 0, start, size)


def _function_bytes(f: FunctionDecl) -> bytes:
    body = bytearray()
    pools = []
    for loc, ts in ((v5ops.LOC_INPUT, f.inputs), (v5ops.LOC_OUTPUT, f.outputs)):
        at, ranges, shapes = 0, b"", b""
        end = 0
        for t in ts:
            start = at if t.start is None else t.start
            ranges += _mr(loc, t.dtype, start, t.nbytes)
            shapes += struct.pack(f"<I{len(t.shape)}I", len(t.shape), *t.shape)
            at = start + t.nbytes
            end = max(end, at)
        body += ranges + shapes
        pools.append(end)
    body += bytes(f.padding)
    return body, pools


def _module_bytes(m: ModuleDecl, file_offset: int) -> bytes:
    text = bytearray()
    funcs = []
    for f in m.functions:
        entry = len(text)
        text += f.code
        body, (in_pool, out_pool) = _function_bytes(f)
        size = FUNCTION_HEADER.size + len(body)
        funcs.append(FUNCTION_HEADER.pack(32, size, in_pool, out_pool, len(f.inputs), len(f.outputs), entry,
                                          len(f.code)) + body)
    pools = [(v5ops.LOC_RDATA, len(m.rdata)), (v5ops.LOC_DATA, m.data_pool)]
    if m.type == "k210":
        pools.append((v5ops.LOC_KPU, m.kpu_pool))
    head_len = MODULE_HEADER.size + 8 * len(pools) + sum(len(f) for f in funcs)
    out = bytearray(bytes(MODULE_HEADER.size))
    for loc, size in pools:
        out += struct.pack("<B3xI", loc, size)
    for f in funcs:
        out += f
    assert len(out) == head_len
    for name, body in ((".rdata", bytes(m.rdata)), (".text", bytes(text))):
        hdr_end = file_offset + len(out) + SECTION_HEADER.size
        gap = _align(hdr_end, m.section_align) - hdr_end
        out += SECTION_HEADER.pack(name.encode(), 0, gap, len(body), 0) + bytes(gap) + body
    out = bytes(out) + bytes(_align(len(out), 8) - len(out))
    header = MODULE_HEADER.pack(m.type.encode(), 1, MODULE_HEADER.size, len(out), len(pools), 0, 2,
                                len(m.functions), 0)
    return header + out[MODULE_HEADER.size:]


def build(modules: Sequence[ModuleDecl], alignment: int = 8) -> bytes:
    """The whole file; module 0 function 0 is the entry."""
    out = bytearray(MODEL_HEADER.pack(0x4B4D444C, 5, MODEL_HEADER.size, 0, alignment, len(modules), 0, 0))
    for m in modules:
        out += _module_bytes(m, len(out))
    return bytes(out)


# ---- the k210 module ----

def kpu_upload(src: Tuple[int, int], kpu_start: int, shape: Sequence[int]) -> bytes:
    """src = (location, start) of a u8 N,C,H,W tensor; written to AI SRAM byte kpu_start."""
    n = 1
    for d in shape:
        n *= d
    return (bytes([0, 0, 0, 0]) + _mr(src[0], v5ops.DT_U8, src[1], n) + _mr(v5ops.LOC_KPU, v5ops.DT_U8, kpu_start, n)
            + struct.pack("<4I", *shape))


def kpu_download(kpu_start: int, dst: Tuple[int, int], shape: Sequence[int]) -> bytes:
    n = 1
    for d in shape:
        n *= d
    return (bytes([1, 0, 0, 0]) + _mr(v5ops.LOC_KPU, v5ops.DT_U8, kpu_start, n) + _mr(dst[0], v5ops.DT_U8, dst[1], n)
            + struct.pack("<4I", *shape))


def kpu_copy(src: Tuple[int, int], dst: Tuple[int, int], dtype: int, shape: Sequence[int],
             in_strides: Sequence[int], out_strides: Sequence[int]) -> bytes:
    n = v5ops.dtype_size(dtype)
    for d in shape:
        n *= d
    return (bytes([3, 0, 0, 0]) + _mr(src[0], dtype, src[1], n) + _mr(dst[0], dtype, dst[1], n)
            + struct.pack("<12I", *shape, *in_strides, *out_strides))


def kpu_conv2d(weights: Tuple[int, int, int], bn: Tuple[int, int, int], act: Tuple[int, int, int],
               args: KpuLayerArgs, batches: int = 1, main_out: Optional[Tuple[int, int, int]] = None) -> bytes:
    """Ranges are (location, start, size); the stored layer keeps its address fields 0 as nncase writes them."""
    mo = main_out or (0, 0, 0)
    words = args.pack()
    return (bytes([2, 0, 0, 0]) + _mr(weights[0], v5ops.DT_U8, weights[1], weights[2])
            + _mr(bn[0], v5ops.DT_U8, bn[1], bn[2]) + _mr(act[0], v5ops.DT_U8, act[1], act[2])
            + _mr(mo[0], v5ops.DT_U8, mo[1], mo[2]) + struct.pack("<I", batches) + struct.pack("<12Q", *words))


@dataclass
class Conv:
    """One KPU layer: arguments (address fields 0), u8 weights, BN entries, activation table."""
    args: KpuLayerArgs
    weights: bytes
    bn: Sequence[BnEntry]
    act: ActTable


def k210_conv_model(convs: Sequence[Conv], epoch: str = "1.0-pre", dequantize: Optional[Tuple[float, float]] = None) -> bytes:
    """A two-module model like the nncase K210 builds: stackvm entry (input u8 [1,C,H,W]) CALLs
    k210 function 0, which uploads the input to AI SRAM, runs the chain of convs (each reading the
    previous one's output map) and downloads the last map; the entry's output is that u8 map, or
    f32 through a DEQUANTIZE (scale, bias) when dequantize is given."""
    first, last = convs[0].args, convs[-1].args
    c, h, w = first.i_ch_num + 1, first.i_col_high + 1, first.i_row_wid + 1
    oc, oh, ow = last.o_ch_num + 1, last.o_col_high + 1, last.o_row_wid + 1
    in_shape, out_shape = (1, c, h, w), (1, oc, oh, ow)
    rdata = bytearray()
    k210_code = bytearray(kpu_upload((v5ops.LOC_INPUT, 0), first.image_src_addr * 64, in_shape))
    for cv in convs:
        def put(blob: bytes, align: int) -> Tuple[int, int, int]:
            rdata.extend(bytes(_align(len(rdata), align) - len(rdata)))
            start = len(rdata)
            rdata.extend(blob)
            return (v5ops.LOC_RDATA, start, len(blob))
        wr = put(cv.weights, 128)
        br = put(struct.pack(f"<{len(cv.bn)}Q", *[b.pack() for b in cv.bn]), 128)
        ar = put(cv.act.to_bytes(), 256)
        k210_code += kpu_conv2d(wr, br, ar, cv.args)
    k210_code += kpu_download(last.image_dst_addr * 64, (v5ops.LOC_OUTPUT, 0), out_shape)
    k210 = ModuleDecl("k210", [FunctionDecl([TensorDecl(v5ops.DT_U8, in_shape)], [TensorDecl(v5ops.DT_U8, out_shape)],
                                            bytes(k210_code))], bytes(rdata), 0, 2 * 1024 * 1024, 256)
    asm = Asm(epoch)
    out_n = oc * oh * ow
    if dequantize is None:
        asm.call(1, 0, [(("addr", v5ops.LOC_INPUT, 0), v5ops.DT_U8, in_shape, strides_of(in_shape))],
                 [(("addr", v5ops.LOC_OUTPUT, 0), v5ops.DT_U8, out_shape, strides_of(out_shape))])
        outs, data = [TensorDecl(v5ops.DT_U8, out_shape)], 0
    else:
        asm.call(1, 0, [(("addr", v5ops.LOC_INPUT, 0), v5ops.DT_U8, in_shape, strides_of(in_shape))],
                 [(("addr", v5ops.LOC_DATA, 0), v5ops.DT_U8, out_shape, strides_of(out_shape))])
        asm.tensor("DEQUANTIZE", [("addr", v5ops.LOC_DATA, 0), ("addr", v5ops.LOC_OUTPUT, 0), ("real", dequantize[0]),
                                  ("real", dequantize[1])],
                   {"rshape_src": out_shape, "rstride_src": strides_of(out_shape), "rstride_dest": strides_of(out_shape)},
                   in_datatype=v5ops.DT_U8, dst_datatype=v5ops.DT_F32)
        outs, data = [TensorDecl(v5ops.DT_F32, out_shape)], _align(out_n, 8)
    stackvm = ModuleDecl("stackvm", [FunctionDecl([TensorDecl(v5ops.DT_U8, in_shape)], outs, bytes(asm.code), 4)],
                         b"", data, 0, 8)
    return build([stackvm, k210], alignment=256)


def stackvm_model(asm: Asm, inputs: Sequence[TensorDecl], outputs: Sequence[TensorDecl], rdata: bytes = b"",
                  data_pool: int = 0) -> bytes:
    """A CPU-only model (one stackvm module, one function) around assembled code."""
    m = ModuleDecl("stackvm", [FunctionDecl(list(inputs), list(outputs), bytes(asm.code), 4)], rdata, data_pool, 0, 8)
    return build([m], alignment=8)
