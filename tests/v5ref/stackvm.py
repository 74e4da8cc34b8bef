"""The stackvm interpreter of the reference (kmodel-v5-spec.md 4 and 5): evaluation stack of
(value, is_real) entries, shape and paddings registers, LEA_BUFFER over the reference memory, the
scalar instructions and the tensor ops of ops.py. TENSOR.CALL gathers each bound tensor from the
caller's memory (shape/strides registers), runs the k210 function and scatters its outputs back."""
from __future__ import annotations

import struct
from typing import Callable, Dict, List, Tuple

import numpy as np

from k210tools.kmodel import v5, v5ops
from k210tools.kmodel.v5code import Instr

from . import ops
from .memory import Memory, default_strides

Entry = Tuple[object, bool]      # (int or float value, is_real)
_IMASK = (1 << 64) - 1


def _i64(v: int) -> int:
    v &= _IMASK
    return v - (1 << 64) if v >> 63 else v


def _i32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


def _as_int(e: Entry) -> int:
    v, real = e
    if real:       # the runtime's entry is a union: an int read of a real sees the f32 bits
        return struct.unpack("<I", struct.pack("<f", v))[0]
    return int(v)


def _as_real(e: Entry) -> float:
    v, real = e
    if not real:
        return struct.unpack("<f", struct.pack("<I", int(v) & 0xFFFFFFFF))[0]
    return float(np.float32(v))


def _np(dt: int) -> np.dtype:
    if dt not in v5ops.DTYPES or dt == 11:
        raise ValueError(f"datatype {v5ops.dtype_name(dt)} is not modelled by the reference")
    return np.dtype(v5ops.DTYPES[dt][1])


class StackVM:
    def __init__(self, model: v5.Model, module: int, mem: Memory, call: Callable[[int, int, list, list], None],
                 tail_roundf: bool = False) -> None:
        self.model = model
        self.mi = module
        self.mod = model.modules[module]
        self.mem = mem
        self.call = call
        self.tail_roundf = tail_roundf
        self.shapes: Dict[int, Tuple[int, ...]] = {}
        self.paddings: Dict[int, List[Tuple[int, int, int]]] = {}
        self.rdata = mem.add(f"m{module}.rdata", np.frombuffer(self.mod.section(model.data, ".rdata"), np.uint8).copy())
        self.data = mem.add(f"m{module}.data", np.zeros(self.mod.pool(v5ops.LOC_DATA), np.uint8))
        self.stack: List[Entry] = []
        self.trace: List[Tuple[int, str]] = []     # (pc, op) of every tensor op run
        self.max_depth = 0

    # ---- helpers ----
    def push(self, v, real: bool = False) -> None:
        self.stack.append((v, real))
        self.max_depth = max(self.max_depth, len(self.stack))

    def pop(self) -> Entry:
        if not self.stack:
            raise ValueError("stackvm: pop from an empty stack")
        return self.stack.pop()

    def pop_int(self) -> int:
        return _as_int(self.pop())

    def pop_real(self) -> float:
        return _as_real(self.pop())

    def pop_scalar(self, dt: int):
        e = self.pop()
        d = _np(dt)
        if np.issubdtype(d, np.floating):
            return d.type(_as_real(e))
        return np.array(_as_int(e)).astype(np.int64).astype(d)[()]

    def pop_padding(self) -> Tuple[int, int]:
        if self.model.epoch.padding_entries == 3 and _i32(self.pop_int()) != 0:
            raise ValueError("interior padding is not modelled by the reference (0 in every known file)")
        after, before = self.pop_int(), self.pop_int()
        return _i32(before), _i32(after)

    def reg(self, r: int) -> Tuple[int, ...]:
        if r not in self.shapes:
            raise ValueError(f"shape register {r} read before STSHAPE")
        return self.shapes[r]

    # ---- running ----
    def run(self, fi: int, inputs: Dict[int, int], outputs: Dict[int, int]) -> None:
        """Run function fi; inputs/outputs map a tensor's declared start to its buffer address."""
        code = self.model.code[(self.mi, fi)]
        by_pc = {ins.pc: k for k, ins in enumerate(code)}
        fn = self.mod.functions[fi]
        k = 0
        end = fn.text_size
        while k < len(code):
            ins = code[k]
            nxt = ins.pc + ins.size
            n = ins.name
            if n == "RET":
                return
            if n in ("BR", "BR_TRUE", "BR_FALSE"):
                take = True if n == "BR" else (self.pop_int() != 0) == (n == "BR_TRUE")
                if take:
                    nxt = nxt + ins.imm[0]
            elif ins.op is not None:
                self.tensor(ins)
            else:
                self.scalar(ins, fn, inputs, outputs)
            if nxt == end:
                return
            if nxt not in by_pc:
                raise ValueError(f"pc {ins.pc}: jump to {nxt}, not an instruction boundary")
            k = by_pc[nxt]

    def lea(self, loc: int, off: int, fn: v5.Function, inputs: Dict[int, int], outputs: Dict[int, int]) -> int:
        if loc in (0, 1):
            decl = fn.inputs if loc == 0 else fn.outputs
            bound = inputs if loc == 0 else outputs
            best = None
            for t in decl:
                if t.range.start <= off and (best is None or t.range.start > best.range.start):
                    best = t
            if best is None:
                raise ValueError(f"LEA_BUFFER {v5ops.LOCATIONS[loc]}+{off}: no tensor starts at or before it")
            return bound[best.range.start] + off - best.range.start
        if loc == 2:
            return self.rdata + off
        if loc == 3:
            return self.data + off
        raise ValueError(f"LEA_BUFFER location {loc}")

    def scalar(self, ins: Instr, fn, inputs, outputs) -> None:
        n = ins.name
        if n == "NOP":
            return
        if n in ("LDNULL", "LDC_I4_0"):
            return self.push(0)
        if n == "LDC_I4_1":
            return self.push(1)
        if n == "LDC_I4":
            return self.push(ins.imm[0])
        if n == "LDC_R4":
            return self.push(float(np.float32(ins.imm[0])), True)
        if n == "LEA_BUFFER":
            return self.push(self.lea(ins.imm[0], ins.imm[2], fn, inputs, outputs))
        if n == "STSHAPE":
            r, rank = ins.imm
            vals = [self.pop_int() & 0xFFFFFFFF for _ in range(rank)]
            self.shapes[r] = tuple(reversed(vals))
            return
        if n == "STPADDINGS":
            r, rank = ins.imm
            self.paddings[r] = list(reversed([self.pop_padding() for _ in range(rank)]))
            return
        if n == "DUP":
            e = self.pop()
            self.stack += [e, e]
            return
        if n == "POP":
            self.pop()
            return
        if n.startswith("LDIND_") or n.startswith("STIND_") or n.startswith("LDELEM_") or n.startswith("STELEM_"):
            return self.memop(n)
        if n.startswith("CONV_"):
            return self.conv(n[5:])
        return self.arith(n)

    _TYPES = {"I1": "<i1", "I2": "<i2", "I4": "<i4", "I": "<i8", "U1": "<u1", "U2": "<u2", "U4": "<u4", "U": "<u8",
              "R4": "<f4"}

    def memop(self, n: str) -> None:
        kind, t = n.split("_", 1)
        if t == "BR2":
            raise ValueError(f"{n}: bfloat16 is not modelled by the reference")
        dt = self._TYPES[t]
        if kind in ("LDIND", "LDELEM"):
            idx = self.pop_int() if kind == "LDELEM" else 0
            addr = self.pop_int()
            if addr == 0:
                raise ValueError(f"{n}: null address")
            v = self.mem.read_scalar(addr + idx * np.dtype(dt).itemsize, dt)
            self.push(float(v), True) if t == "R4" else self.push(int(v))
        else:
            val = self.pop()
            idx = self.pop_int() if kind == "STELEM" else 0
            addr = self.pop_int()
            if addr == 0:
                raise ValueError(f"{n}: null address")
            size = np.dtype(dt).itemsize
            if t == "R4":
                v = np.float32(_as_real(val))
            else:      # the low bytes of the integer, as the runtime's store of the narrower type
                v = np.frombuffer((_as_int(val) & ((1 << (8 * size)) - 1)).to_bytes(size, "little"), dt)[0]
            self.mem.write_scalar(addr + idx * size, dt, v)

    def conv(self, t: str) -> None:
        v, real = self.pop()
        if t == "R4":
            return self.push(float(np.float32(v)), True)
        if t == "BR2":
            raise ValueError("CONV_BR2: bfloat16 is not modelled by the reference")
        x = int(np.trunc(v)) if real else int(v)
        bits = {"I1": 8, "I2": 16, "I4": 32, "I": 64, "U1": 8, "U2": 16, "U4": 32, "U": 64}[t]
        x &= (1 << bits) - 1
        if t.startswith("I") and x >> (bits - 1):
            x -= 1 << bits
        self.push(x)

    def arith(self, n: str) -> None:
        if n in ("NEG", "NOT"):
            v, real = self.pop()
            if n == "NOT":
                return self.push(_i64(~_as_int((v, real))))
            return self.push(float(np.float32(-v)), True) if real else self.push(_i64(-v))
        b = self.pop()
        a = self.pop()
        if n in ("REM", "REM_U"):
            raise ValueError(f"{n}: the 1.x runtime divides here instead (spec 4.2); not modelled")
        if a[1] and n in ("ADD", "SUB", "MUL", "DIV", "CLT", "CLE", "CEQ", "CGE", "CGT", "CNE"):
            x, y = np.float32(a[0]), np.float32(_as_real(b))
            if n in ("ADD", "SUB", "MUL", "DIV"):
                with np.errstate(all="ignore"):
                    r = {"ADD": x + y, "SUB": x - y, "MUL": x * y, "DIV": x / y}[n]
                return self.push(float(np.float32(r)), True)
            return self.push(int({"CLT": x < y, "CLE": x <= y, "CEQ": x == y, "CGE": x >= y, "CGT": x > y,
                                  "CNE": x != y}[n]))
        x, y = _i64(_as_int(a)), _i64(_as_int(b))
        ux, uy = x & _IMASK, y & _IMASK
        if n in ("DIV", "DIV_U") and (y if n == "DIV" else uy) == 0:
            raise ValueError(f"{n}: division by zero")
        r = {
            "ADD": lambda: x + y, "SUB": lambda: x - y, "MUL": lambda: x * y,
            "DIV": lambda: int(x / y) if abs(x) < 2 ** 52 else (abs(x) // abs(y)) * (1 if (x < 0) == (y < 0) else -1),
            "DIV_U": lambda: ux // uy, "AND": lambda: ux & uy, "OR": lambda: ux | uy, "XOR": lambda: ux ^ uy,
            "SHL": lambda: ux << (uy & 63), "SHR": lambda: x >> (uy & 63), "SHR_U": lambda: ux >> (uy & 63),
            "CLT": lambda: int(x < y), "CLT_U": lambda: int(ux < uy), "CLE": lambda: int(x <= y),
            "CLE_U": lambda: int(ux <= uy), "CEQ": lambda: int(ux == uy), "CGE": lambda: int(x >= y),
            "CGE_U": lambda: int(ux >= uy), "CGT": lambda: int(x > y), "CGT_U": lambda: int(ux > uy),
            "CNE": lambda: int(ux != uy),
        }[n]()
        self.push(_i64(r))

    # ---- tensor ops ----
    def tensor(self, ins: Instr) -> None:
        self.trace.append((ins.pc, ins.op))
        fn = getattr(self, "t_" + ins.op.lower(), None)
        if fn is None:
            raise ValueError(f"pc {ins.pc}: TENSOR.{ins.op} is not in the reference")
        fn(ins.args)

    def _rd(self, addr, dt, rshape, rstride):
        shape = self.reg(rshape)
        return self.mem.read(addr, _np(dt), shape, self.reg(rstride))

    def _wr(self, addr, y: np.ndarray, rstride) -> None:
        st = self.reg(rstride)
        if len(st) != y.ndim:
            raise ValueError(f"output of rank {y.ndim} with a {len(st)}-entry stride register")
        self.mem.write(addr, y, st)

    def t_dequantize(self, a) -> None:
        bias, scale = self.pop_real(), self.pop_real()
        out, inp = self.pop_int(), self.pop_int()
        x = self._rd(inp, a["in_datatype"], a["rshape_src"], a["rstride_src"])
        self._wr(out, ops.dequantize(x, scale, bias).astype(_np(a["dst_datatype"])), a["rstride_dest"])

    def t_quantize(self, a) -> None:
        bias, scale = self.pop_real(), self.pop_real()
        out, inp = self.pop_int(), self.pop_int()
        x = self._rd(inp, a["in_datatype"], a["rshape_src"], a["rstride_src"])
        contiguous = tuple(self.reg(a["rstride_src"])) == default_strides(x.shape) or x.ndim == 0
        y = ops.quantize(x, scale, bias, _np(a["dst_datatype"]), self.tail_roundf and contiguous)
        self._wr(out, y, a["rstride_dest"])

    def t_convert(self, a) -> None:
        out, inp = self.pop_int(), self.pop_int()
        x = self._rd(inp, a["in_datatype"], a["rshape_src"], a["rstride_src"])
        self._wr(out, ops.convert(x, _np(a["dst_datatype"])), a["rstride_dest"])

    def t_copy(self, a) -> None:
        out, inp = self.pop_int(), self.pop_int()
        self._wr(out, ops.copy(self._rd(inp, a["datatype"], a["rshape"], a["rstride_src"])), a["rstride_dest"])

    def t_transpose(self, a) -> None:
        out, inp = self.pop_int(), self.pop_int()
        x = self._rd(inp, a["datatype"], a["rshape_src"], a["rstride_src"])
        self._wr(out, ops.transpose(x, self.reg(a["rshape_perm"])), a["rstride_dest"])

    def t_slice(self, a) -> None:
        out, inp = self.pop_int(), self.pop_int()
        x = self._rd(inp, a["datatype"], a["rshape_src"], a["rstride_src"])
        y = ops.slice_(x, self.reg(a["rbegins"]), self.reg(a["rends"]), self.reg(a["rstrides"]))
        self._wr(out, y, a["rstride_dest"])

    def t_binary(self, a) -> None:
        out, b_addr, a_addr = self.pop_int(), self.pop_int(), self.pop_int()
        if a["datatype"] != v5ops.DT_F32:
            raise ValueError(f"BINARY on {v5ops.dtype_name(a['datatype'])}: the reference models f32")
        x = self._rd(a_addr, a["datatype"], a["rshape_src1"], a["rstride_src1"])
        y = self._rd(b_addr, a["datatype"], a["rshape_src2"], a["rstride_src2"])
        shape = self.reg(a["rshape_dest"]) if "rshape_dest" in a else None
        r = ops.binary(v5ops.BINARY_OPS[a["binary_op"]], x, y, a["clamp_low"], a["clamp_high"], shape)
        self._wr(out, r, a["rstride_dest"])

    def t_reduce_window2d(self, a) -> None:
        pad_w, pad_h = self.pop_padding(), self.pop_padding()
        out = self.pop_int()
        init = self.pop_real()
        inp = self.pop_int()
        x = self._rd(inp, a["datatype"], a["rshape_src"], a["rstride_src"])
        y = ops.reduce_window2d(v5ops.REDUCE_OPS[a["reduce_op"]], x, init, a["filter_h"], a["filter_w"],
                                a["stride_h"], a["stride_w"], pad_h, pad_w, a["dilation_h"], a["dilation_w"],
                                a["clamp_low"], a["clamp_high"])
        self._wr(out, y, a["rstride_dest"])

    def t_resize_image(self, a) -> None:
        out, inp = self.pop_int(), self.pop_int()
        ow, oh = self.pop_int(), self.pop_int()
        x = self._rd(inp, a["datatype"], a["rshape_src"], a["rstride_src"])
        y = ops.resize_image(x, oh, ow, v5ops.RESIZE_MODES[a["mode"]], bool(a["align_corners"]),
                             bool(a["half_pixel_centers"]))
        self._wr(out, y, a["rstride_dest"])

    def t_conv2d(self, a) -> None:
        pad_w, pad_h = self.pop_padding(), self.pop_padding()
        out, bias, w, inp = self.pop_int(), self.pop_int(), self.pop_int(), self.pop_int()
        if a["datatype"] != v5ops.DT_F32:
            raise ValueError("CONV2D: the runtime requires f32")
        x = self._rd(inp, 9, a["rshape_src"], a["rstride_src"])
        wt = self._rd(w, 9, a["rshape_kernel"], a["rstride_kernel"])
        oc = wt.shape[0]
        bs = self.reg(a["rstride_bias"])
        b = self.mem.read(bias, np.float32, (oc,), bs[-1:] if bs else (1,))
        y = ops.conv2d(x, wt, b, a["groups"], a["stride_h"], a["stride_w"], pad_h, pad_w, a["dilation_h"],
                       a["dilation_w"], a["clamp_low"], a["clamp_high"])
        self._wr(out, y, a["rstride_dest"])

    def t_matmul(self, a) -> None:
        out, bias, b_addr, a_addr = self.pop_int(), self.pop_int(), self.pop_int(), self.pop_int()
        sa, sb = self.reg(a["rshape_src1"]), self.reg(a["rshape_src2"])
        x = self.mem.read(a_addr, np.float32, sa, self.reg(a["rstride_src1"]) if "rstride_src1" in a else default_strides(sa))
        y = self.mem.read(b_addr, np.float32, sb, self.reg(a["rstride_src2"]) if "rstride_src2" in a else default_strides(sb))
        bvec = self.mem.read(bias, np.float32, (sb[-1],), (1,))
        r = ops.matmul(x, y, bvec, a["clamp_low"], a["clamp_high"])
        if "rshape_dest" in a:
            r = r.reshape(self.reg(a["rshape_dest"]))
        self._wr(out, r, a["rstride_dest"]) if "rstride_dest" in a else self.mem.write(out, r, default_strides(r.shape))

    def t_reduce(self, a) -> None:
        init = self.pop_scalar(a["datatype"])
        out, inp = self.pop_int(), self.pop_int()
        x = self._rd(inp, a["datatype"], a["rshape_src"], a["rstride_src"])
        y = ops.reduce(v5ops.REDUCE_OPS[a["reduce_op"]], x, self.reg(a["rshape_axis"]), float(init), bool(a["keep_dims"]))
        self._wr(out, y.astype(x.dtype), a["rstride_dest"])

    def t_reduce_prod(self, a) -> None:
        """nncase 1.x source (the spec names the op only): the product over the axes from 1, f32
        (1.6+ carries a datatype)."""
        out, inp = self.pop_int(), self.pop_int()
        dt = a.get("datatype", v5ops.DT_F32)
        x = self._rd(inp, dt, a["rshape_src"], a["rstride_src"])
        y = ops.reduce("prod", x, self.reg(a["rshape_axes"]), 1.0, bool(a["keep_dims"]))
        self._wr(out, y.astype(x.dtype), a["rstride_dest"])

    def t_pad(self, a) -> None:
        value = self.pop_scalar(a["datatype"])
        out, inp = self.pop_int(), self.pop_int()
        x = self._rd(inp, a["datatype"], a["rshape_src"], a["rstride_src"])
        pads = self.paddings.get(a["rpaddings"])
        if pads is None:
            raise ValueError(f"paddings register {a['rpaddings']} read before STPADDINGS")
        y = ops.pad(x, pads, v5ops.PAD_MODES[a["pad_mode"]], value)
        self._wr(out, y, a["rstride_dest"])

    def t_softmax(self, a) -> None:
        out, inp = self.pop_int(), self.pop_int()
        x = self._rd(inp, a["datatype"], a["rshape_src"], a["rstride_src"])
        self._wr(out, ops.softmax(x, a["axis"], a["beta"]), a["rstride_dest"])

    def t_gather(self, a) -> None:
        indices, out, inp = self.pop_int(), self.pop_int(), self.pop_int()
        x = self._rd(inp, a["datatype"], a["rshape_src"], a["rstride_src"])
        ishape = self.reg(a["rshape_indices"])
        idx = self.mem.read(indices, np.int32, ishape, default_strides(ishape))
        y = ops.gather(x, idx, a["axis"])
        if tuple(y.shape) != tuple(self.reg(a["rshape_dest"])):
            raise ValueError(f"GATHER gives {y.shape}, rshape_dest says {self.reg(a['rshape_dest'])}")
        self._wr(out, y, a["rstride_dest"])

    def t_unary(self, a) -> None:
        out, inp = self.pop_int(), self.pop_int()
        x = self._rd(inp, v5ops.DT_F32, a["rshape_src"], a["rstride_src"])
        self._wr(out, ops.unary(self.model.epoch.unary[a["unary_op"]], x), a["rstride_dest"])

    def t_call(self, a) -> None:
        def tensor() -> Tuple[int, int, Tuple[int, ...], Tuple[int, ...]]:
            rstrides, rshape, dt, addr = self.pop_int(), self.pop_int(), self.pop_int(), self.pop_int()
            return addr, dt & 0xFF, self.reg(rshape), self.reg(rstrides)
        outs = [tensor() for _ in range(a["num_dst"])][::-1]
        ins = [tensor() for _ in range(a["num_src"])][::-1]
        self.call(a["module_id"], a["function_id"], ins, outs)
