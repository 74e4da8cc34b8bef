"""`k210 model info`: what a .kmodel is (version, producer), its inputs/outputs, layer table and the
exact pool bytes kpu.load charges (the ledger formula of docs/memory.md, also in
modules/kpu/kpu_ledger.h), without a board. v3 details come from kmodel.v3 (parse), v4 from the
header and node tables here (docs/kmodel-formats.md, v4); v5/v6/v1 are recognised and named."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from ..errors import K210Error
from . import ledger
from . import v4 as v4_host

ALIGN = ledger.BLOCK
V4_MAGIC = b"LDMK"
DTYPES = {0: "f32", 1: "u8"}
MEMS = {0: "const", 1: "main", 2: "kpu"}
V4_OPS = {
    0x00: "binary", 0x01: "concat", 0x02: "conv2d", 0x03: "dequantize", 0x04: "matmul", 0x05: "pad",
    0x06: "quantize", 0x07: "reduce", 0x08: "reduce_window2d", 0x09: "memory_copy", 0x0A: "resize_image",
    0x0B: "softmax", 0x0C: "transpose", 0x0D: "strided_slice", 0x0E: "unary", 0x0F: "quantized_conv2d",
    0x10: "quantized_matmul", 0x11: "quantized_binary", 0x12: "table_lookup1d", 0x13: "conv2d_transpose",
    0x14: "nnil_unary_method", 0x2001: "kpu_upload", 0x2002: "kpu_conv2d",
}


@dataclass
class Tensor:
    name: str
    dtype: str
    shape: tuple[int, ...] | None
    bytes: int
    where: str = ""

    def line(self) -> str:
        shape = "x".join(map(str, self.shape)) if self.shape else "shape not in the file"
        where = f" in {self.where}" if self.where else ""
        return f"{self.name}: {self.dtype} [{shape}] {self.bytes:,} B{where}"


@dataclass
class Layer:
    index: int
    kind: str
    runs_on: str
    detail: str
    body_bytes: int


@dataclass
class ModelInfo:
    name: str
    version: int
    producer: str
    file_bytes: int
    supported: bool
    image_bytes: int = 0          # header-declared end (what kpu.load keeps)
    main_mem: int = 0
    inputs: list[Tensor] = field(default_factory=list)
    outputs: list[Tensor] = field(default_factory=list)
    layers: list[Layer] = field(default_factory=list)
    note: str = ""
    state_bytes: int = 0          # the loader's per-model state (v4 one block; v5 kmodel/v5.py STATE_BYTES)
    charge_parts: list[tuple[str, int]] | None = None    # v5: the ledger charge part by part

    @property
    def charge(self) -> int:
        """Bytes of the model pool kpu.load takes, one ledger block (ledger.charge; v5: the sum of
        charge_parts, kmodel/v5.py Model.charge_parts)."""
        if self.charge_parts is not None:
            return sum(b for _, b in self.charge_parts)
        return ledger.charge(self.image_bytes, self.main_mem, self.state_bytes)


def describe(data: bytes, name: str) -> ModelInfo:
    if len(data) < 8:
        raise K210Error(f"{name}: {len(data)} bytes is too short for any kmodel header")
    first, second = struct.unpack_from("<II", data)
    if data[:4] == V4_MAGIC:
        if second == 4:
            return _v4(data, name)
        if second == 5:
            return _v5(data, name)
        producer = {5: "nncase 1.x", 6: "nncase 2.x (K230 era)", 7: "nncase 2.x"}.get(second, "unknown nncase")
        hint = "compile with nncase 0.2 (v4) or 0.1 (v3)"
        return ModelInfo(name, second, producer, len(data), False,
                         note=f"kmodel v{second} ({producer}) is not supported by kpu.load: {hint}")
    if first == 3:
        return _v3(data, name)
    if first == 1:
        return ModelInfo(name, 1, "Kendryte's pre-nncase model compiler (2019)", len(data), False,
                         note="legacy kmodel v1 is not supported: recompile with nncase 0.1 (v3) or 0.2 (v4)")
    if first == 0x03000000 or data[:4] == b"KMDL":
        raise K210Error(f"{name}: offset 0: a byte-swapped kmodel (MaixPy's model_le2be.py output); "
                        "use the original little-endian .kmodel")
    raise K210Error(f"{name}: offset 0: not a kmodel (first bytes {data[:8].hex(' ')}; v3 starts 03 00 00 00, "
                    "v4 and later 'LDMK')")


def check_model(data: bytes, name: str, force: bool = False) -> ModelInfo:
    """The one check before a model is written anywhere (`model push`, `flash --model`): describe()
    refuses byte-swapped files and files that are no kmodel; a kmodel version kpu.load does not
    support is refused too unless force."""
    info = describe(data, name)
    if not info.supported and not force:
        raise K210Error(f"{name}: {info.note} (--force writes it anyway)")
    return info


# ---- v3 (nncase 0.1) ----

def _v3(data: bytes, name: str) -> ModelInfo:
    from . import v3
    try:
        m = v3.parse(data, name)
    except ValueError as e:
        raise K210Error(str(e)) from None
    nout, nlayers = len(m.outputs), len(m.layers)
    heads = [struct.unpack_from("<2I", data, 28 + 8 * nout + 8 * i) for i in range(nlayers)]
    image = 28 + 8 * nout + 8 * nlayers + sum(s for _, s in heads)
    producer = "nncase 0.1 (v0.1.0-rc4/rc5)"
    info = ModelInfo(name, 3, producer, len(data), True, image, m.main_mem_usage)
    info.note = f"{'8' if m.eight_bit else '16'}-bit KPU weights"
    for i, (layer, (t, size)) in enumerate(zip(m.layers, heads)):
        kind = v3.LAYER_NAMES.get(t, str(t))
        info.layers.append(Layer(i, kind, "KPU" if t == 10240 else "CPU", _v3_detail(layer), size))
    info.inputs.append(_v3_input(m))
    for i, o in enumerate(m.outputs):
        info.outputs.append(Tensor(f"output {i}", "f32", (o.size // 4,), o.size, f"main+{o.address}"))
    return info


def _v3_conv_shapes(args) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    return ((args.i_ch_num + 1, args.i_col_high + 1, args.i_row_wid + 1),
            (args.o_ch_num + 1, args.o_col_high + 1, args.o_row_wid + 1))


def _v3_input(m) -> Tensor:
    if not m.layers:
        return Tensor("input", "?", None, 0)
    first = m.layers[0]
    args = getattr(first, "args", None)
    if args is not None:
        c, h, w = _v3_conv_shapes(args)[0]
        return Tensor("input", "u8", (1, c, h, w), c * h * w, "AI SRAM (KPU)")
    for attr in ("in_channels", "count", "channels"):
        if hasattr(first, attr):
            n = getattr(first, attr)
            return Tensor("input", "f32", (n,), 4 * n, "main")
    if hasattr(first, "width"):
        c, h, w = first.channels, first.height, first.width
        return Tensor("input", "u8", (1, c, h, w), c * h * w, "main")
    return Tensor("input", "?", None, 0)


_BIG = ("weights", "bn", "table", "bias", "scales", "inputs", "act")


def _v3_detail(layer) -> str:
    args = getattr(layer, "args", None)
    if args is not None:
        (ic, ih, iw), (oc, oh, ow) = _v3_conv_shapes(args)
        k = {0: "1x1", 1: "3x3"}.get(args.kernel_type, f"kernel {args.kernel_type}")
        return f"{ic}x{ih}x{iw} -> {oc}x{oh}x{ow} {k}{' dw' if args.depth_wise_layer else ''} pool {args.pool_type}"
    parts = []
    for k, v in vars(layer).items():
        if k == "flags" or k.startswith(_BIG) or not isinstance(v, int):
            continue
        parts.append(f"{k}={v}")
    return " ".join(parts[:8])


# ---- v4 (nncase 0.2) ----

def _v4(data: bytes, name: str) -> ModelInfo:
    if len(data) < 40:
        raise K210Error(f"{name}: {len(data)} bytes is too short for the 40-byte kmodel v4 header")
    (_, _, flags, target, consts, main_mem, nodes, n_in, n_out, _) = struct.unpack_from("<10I", data)
    off = 40
    need = off + 32 * n_in + 16 * n_out + consts + 8 * nodes
    if n_in > 64 or n_out > 64 or need > len(data):
        raise K210Error(f"{name}: offset 16: {n_in} inputs, {n_out} outputs, {consts} B constants and "
                        f"{nodes} nodes need {need} B of tables, the file has {len(data)}")
    in_mr = [struct.unpack_from("<4I", data, off + 16 * i) for i in range(n_in)]
    off += 16 * n_in
    shapes = [struct.unpack_from("<4i", data, off + 16 * i) for i in range(n_in)]
    off += 16 * n_in
    out_mr = [struct.unpack_from("<4I", data, off + 16 * i) for i in range(n_out)]
    off += 16 * n_out + consts
    heads = [struct.unpack_from("<2I", data, off + 8 * i) for i in range(nodes)]
    off += 8 * nodes
    image = off + sum(s for _, s in heads)
    if len(data) < image - 7:
        raise K210Error(f"{name}: the node table declares {image} B, the file has {len(data)} "
                        f"({image - len(data)} B missing, at most 7 may be)")
    info = ModelInfo(name, 4, "nncase 0.2 (v0.2.0-alpha..beta4)", len(data), True, image, main_mem,
                     state_bytes=v4_host.STATE_BYTES)
    info.note = f"target {'K210' if target == 1 else 'CPU'}, {consts:,} B constants"
    for i, ((mtype, dt, start, size), shape) in enumerate(zip(in_mr, shapes)):
        n = 1
        for d in shape:
            n *= d
        esize = 4 if dt == 0 else 1
        info.inputs.append(Tensor(f"input {i}", DTYPES.get(dt, f"dtype {dt}"), tuple(shape), n * esize,
                                  f"{MEMS.get(mtype, mtype)}+{start}"))
    for i, (mtype, dt, start, size) in enumerate(out_mr):
        esize = 4 if dt == 0 else 1
        info.outputs.append(Tensor(f"output {i}", DTYPES.get(dt, f"dtype {dt}"), (size // esize,), size,
                                   f"{MEMS.get(mtype, mtype)}+{start}"))
    body = off
    for i, (op, size) in enumerate(heads):
        kind = V4_OPS.get(op, f"opcode 0x{op:x}")
        detail = _v4_detail(data, body, op, size)
        info.layers.append(Layer(i, kind, "KPU" if op == 0x2002 else "CPU", detail, size))
        body += size
    return info


def _v4_detail(data: bytes, at: int, op: int, size: int) -> str:
    """Input/output ranges of a node: every body starts with memory_range in, memory_range out
    (concat: out first), which is what a reader of the table wants to see."""
    if size < 32 or at + 32 > len(data):
        return ""
    a = struct.unpack_from("<4I", data, at)
    b = struct.unpack_from("<4I", data, at + 16)
    if op == 0x01:
        return f"out {MEMS.get(a[0], a[0])}+{a[2]} {a[3]:,} B"
    return (f"{MEMS.get(a[0], a[0])}+{a[2]} {DTYPES.get(a[1], a[1])} {a[3]:,} B -> "
            f"{MEMS.get(b[0], b[0])}+{b[2]} {DTYPES.get(b[1], b[1])} {b[3]:,} B")


# ---- v5 (nncase 1.x) ----

def _v5(data: bytes, name: str) -> ModelInfo:
    from . import v5, v5k210, v5ops
    try:
        m = v5.parse(data)
    except ValueError as e:
        raise K210Error(f"{name}: {e}") from None
    epochs = ", ".join(e.name for e in m.epochs)
    info = ModelInfo(name, 5, f"nncase {m.epoch.name if len(m.epochs) == 1 else epochs} (op numbering read from the code)",
                     len(data), True, m.image_bytes, m.working_bytes)
    mods = "; ".join(f"{mod.type}: {len(mod.functions)} fn, "
                     + ", ".join(f"{v5ops.LOCATIONS.get(k, k)} {v:,} B" for k, v in sorted(mod.mempools.items()))
                     for mod in m.modules)
    info.note = f"alignment {m.alignment}, {len(m.modules)} modules ({mods})"
    info.charge_parts = m.charge_parts()
    for kind, ts, dst in (("input", m.entry.inputs, info.inputs), ("output", m.entry.outputs, info.outputs)):
        for i, t in enumerate(ts):
            dst.append(Tensor(f"{kind} {i}", v5ops.dtype_name(t.range.dtype), t.shape, t.nbytes,
                              f"{kind} pool+{t.range.start}"))
    for (mi, fi), code in sorted(m.code.items()):
        for ins in code:
            if ins.op is None:
                continue
            if ins.op == "CALL":
                a = ins.args
                detail = v5k210.k210_summary(m, a["module_id"], a["function_id"])
                info.layers.append(Layer(len(info.layers), f"CALL k210 fn {a['function_id']}",
                                         "KPU" if "kpu_conv2d" in detail else "CPU", detail.split(": ", 1)[1], ins.size))
                continue
            keys = [k for k in ("datatype", "in_datatype", "dst_datatype") if k in ins.args]
            detail = " ".join(f"{k}={v5ops.dtype_name(ins.args[k])}" for k in keys)
            for k, table in (("binary_op", v5ops.BINARY_OPS), ("reduce_op", v5ops.REDUCE_OPS),
                             ("mode", v5ops.RESIZE_MODES), ("pad_mode", v5ops.PAD_MODES), ("unary_op", m.epoch.unary)):
                if k in ins.args and ins.args[k] < len(table):
                    detail += f" {table[ins.args[k]]}"
            info.layers.append(Layer(len(info.layers), ins.op, "CPU", detail.strip(), ins.size))
    return info


def report(info: ModelInfo, pool: int | None = None, board: str | None = None, layers: bool = True,
           pool_max: int | None = None) -> list[str]:
    lines = [f"{info.name}: kmodel v{info.version}, {info.producer}, {info.file_bytes:,} B"]
    if not info.supported:
        lines.append(f"  {info.note}")
        return lines
    if info.note:
        lines.append(f"  {info.note}")
    for t in info.inputs:
        lines.append(f"  in   {t.line()}")
    for t in info.outputs:
        lines.append(f"  out  {t.line()}")
    if layers:
        lines.append(f"  {'#':>3}  {'layer':<34} {'on':<3} {'body B':>9}  detail")
        for L in info.layers:
            lines.append(f"  {L.index:>3}  {L.kind:<34} {L.runs_on:<3} {L.body_bytes:>9,}  {L.detail}")
        kpu = sum(1 for L in info.layers if L.runs_on == "KPU")
        lines.append(f"  {len(info.layers)} layers, {kpu} on the KPU")
    if info.charge_parts is not None:
        parts = " + ".join(f"{n} {b:,}" for n, b in info.charge_parts)
        lines.append(f"  memory: image {info.image_bytes:,} B + working {info.main_mem:,} B (data pools, inputs, "
                     f"outputs) -> charge {parts} = {info.charge:,} B of the model pool (128-B blocks)"
                     + (", plus the 2 MiB AI SRAM while it runs" if any(L.runs_on == "KPU" for L in info.layers) else ""))
    else:
        state = f" + state {info.state_bytes:,} B" if info.state_bytes else ""
        lines.append(f"  memory: image {info.image_bytes:,} B + main {info.main_mem:,} B{state} -> charge "
                     f"A({info.image_bytes:,}) + A({info.main_mem:,}){' + A(state)' if state else ''} = {info.charge:,} B "
                     "of the model pool")
    if pool is not None:
        usable = pool // ALIGN * ALIGN
        if info.charge <= usable:
            lines.append(f"  fits {board}: {info.charge:,} of {usable:,} B pool "
                         f"({usable - info.charge:,} B left for other models)")
        else:
            short = f"  does NOT fit {board}: needs {info.charge:,} B, the pool has {usable:,} B ({info.charge - usable:,} B short"
            if pool_max and info.charge <= pool_max // ALIGN * ALIGN:
                short += f"; it fits with the GC heap at its minimum, pool {pool_max // ALIGN * ALIGN:,} B: machine.heap_size())"
            else:
                short += ")"
            lines.append(short)
    return lines
