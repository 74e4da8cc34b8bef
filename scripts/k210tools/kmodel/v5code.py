"""kmodel v5 stackvm code: decode a function under one nncase epoch's op numbering, tell which
epochs a file's code can be read with (kmodel-v5-spec.md 8: every instruction decodes, operands
plausible by a symbolic run, the meaning the same under every candidate), and check the chosen
reading (stack depth, LEA_BUFFER offsets, CALL targets)."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

from . import v5ops
from .v5 import Model, V5Error
from .v5k210 import k210_decode
from .v5ops import EPOCHS, Epoch

MAX_STACK = 64                   # evaluation stack entries a decoded function may use (files: < 40)


@dataclass
class Instr:
    pc: int
    name: str                    # opcode name, or "TENSOR.<OP>"
    imm: Tuple = ()
    op: Optional[str] = None     # tensor op name
    args: Dict[str, object] = field(default_factory=dict)
    size: int = 1


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


def tensor_op_count(model: Model) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for code in model.code.values():
        for ins in code:
            if ins.op:
                counts[ins.op] = counts.get(ins.op, 0) + 1
    return counts
