"""kmodel v4 (nncase 0.2) on the host: parse and check the header, the input/output tables with
shapes, the constants and the node table (docs/kmodel-formats.md, v4), describe the nodes,
and compute the SRAM ledger charge the board's kpu.load makes for the file."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

from . import ledger

IDENTIFIER = 0x4B4D444C          # b"LDMK" on disk
HEADER_BYTES = 40
MAX_SHORT_TAIL = 7               # the last body may lose up to 7 bytes of padding
AI_SRAM_BYTES = 2 * 1024 * 1024
STATE_BYTES = 128                # one kv4_model_t (parsed header + pointers), one block

OPS = {
    0x00: "binary", 0x01: "concat", 0x02: "conv2d", 0x03: "dequantize", 0x04: "matmul", 0x05: "pad",
    0x06: "quantize", 0x07: "reduce", 0x08: "reduce_window2d", 0x09: "memory_copy", 0x0A: "resize_image",
    0x0B: "softmax", 0x0C: "transpose", 0x0D: "strided_slice", 0x0E: "unary", 0x0F: "quantized_conv2d",
    0x10: "quantized_matmul", 0x11: "quantized_binary", 0x12: "table_lookup1d", 0x13: "conv2d_transpose",
    0x14: "nnil_unary_method", 0x2001: "kpu_upload", 0x2002: "kpu_conv2d",
}
CPU_OPS = {0x1001: "cpu_conv2d", 0x1002: "cpu_depthwise_conv2d", 0x1003: "cpu_reduce_window2d",
           0x1004: "cpu_quantized_conv2d", 0x1005: "cpu_quantized_depthwise_conv2d"}
MEMORY = {0: "const", 1: "main", 2: "kpu"}
DTYPE = {0: "f32", 1: "u8"}


class V4Error(ValueError):
    """A file that is not a loadable kmodel v4; the message names the offset and the problem."""


@dataclass(frozen=True)
class MemoryRange:
    memory: int
    dtype: int
    start: int
    size: int

    def __str__(self) -> str:
        return f"{MEMORY.get(self.memory, self.memory)}[{self.start}:{self.start + self.size}] {DTYPE.get(self.dtype, self.dtype)}"


@dataclass(frozen=True)
class Node:
    index: int
    opcode: int
    offset: int
    size: int
    body: bytes

    @property
    def name(self) -> str:
        return OPS.get(self.opcode) or CPU_OPS.get(self.opcode) or f"0x{self.opcode:x}"


@dataclass
class Model:
    flags: int
    target: int
    main_mem: int
    inputs: list[MemoryRange]
    input_shapes: list[tuple[int, int, int, int]]
    outputs: list[MemoryRange]
    constants: bytes
    nodes: list[Node] = field(default_factory=list)
    image_bytes: int = 0        # header-declared end (what the board loads)
    file_bytes: int = 0

    @property
    def charge(self) -> int:
        """Bytes kpu.load takes from the model pool: A(image) + A(main_mem) + A(state), A = 128-B
        blocks (modules/kpu/kmodel_v4.h kv4_charge)."""
        return ledger.charge(self.image_bytes, self.main_mem, STATE_BYTES)


def _range(data: bytes, off: int) -> MemoryRange:
    return MemoryRange(*struct.unpack_from("<4I", data, off))


def kpu_map_bytes(w: int, h: int, c: int) -> int:
    """Bytes of a C x H x W u8 map in the KPU row layout (spec 3.4)."""
    groups, row_len = (4, 1) if w <= 16 else (2, 1) if w <= 32 else (1, (w + 63) // 64)
    per_line = min(c, groups)
    return row_len * h * ((c + per_line - 1) // per_line) * 64


def parse(data: bytes) -> Model:
    n = len(data)
    if n < HEADER_BYTES:
        raise V4Error(f"offset 0: {n} bytes is shorter than the 40-byte kmodel v4 header")
    ident, version, flags, target, consts, main, nodes, n_in, n_out, _reserved = struct.unpack_from("<10I", data, 0)
    if ident != IDENTIFIER:
        raise V4Error("offset 0: no \"LDMK\" identifier: not an nncase kmodel v4 file")
    if version == 5:
        raise V4Error("offset 4: kmodel v5 (nncase 1.x) is not supported: compile with nncase 0.2.0-beta4 (v4) or 0.1.0-rc5 (v3)")
    if version in (6, 7):
        raise V4Error(f"offset 4: kmodel v{version} (nncase 2.x, K230) is not a K210 model: compile with nncase 0.2.0-beta4 (v4) or 0.1.0-rc5 (v3)")
    if version != 4:
        raise V4Error(f"offset 4: kmodel version {version} is not supported (expected 4)")
    if target > 1:
        raise V4Error(f"offset 12: target {target} (expected 0 cpu or 1 k210)")
    if not (1 <= n_in <= 64 and 1 <= n_out <= 64):
        raise V4Error(f"offset 28: {n_in} inputs and {n_out} outputs (expected 1..64 each)")
    off = HEADER_BYTES
    inputs = [_range(data, off + 16 * i) for i in range(n_in)]
    off += 16 * n_in
    shapes = [struct.unpack_from("<4i", data, off + 16 * i) for i in range(n_in)] if off + 16 * n_in <= n else []
    off += 16 * n_in
    if off + 16 * n_out > n:
        raise V4Error(f"offset {off}: the output table runs past the end of the file ({n} bytes)")
    outputs = [_range(data, off + 16 * i) for i in range(n_out)]
    off += 16 * n_out
    const_off = off
    off += consts
    nodes_off = off
    off += 8 * nodes
    if off > n:
        raise V4Error(f"offset {nodes_off}: {consts} bytes of constants and {nodes} node headers end at {off}, "
                      f"past the end of the file ({n} bytes)")
    model = Model(flags, target, main, inputs, [tuple(s) for s in shapes], outputs, data[const_off:const_off + consts])
    pools = {0: consts, 1: main, 2: AI_SRAM_BYTES}
    for kind, table in (("input", inputs), ("output", outputs)):
        for i, r in enumerate(table):
            if r.memory not in pools or r.dtype not in DTYPE:
                raise V4Error(f"{kind} {i} has memory type {r.memory} / datatype {r.dtype}")
            if r.start + r.size > pools[r.memory]:
                raise V4Error(f"{kind} {i} [{r.start}, {r.start + r.size}) is outside {MEMORY[r.memory]} ({pools[r.memory]} bytes)")
    body = off
    for i in range(nodes):
        opcode, size = struct.unpack_from("<2I", data, nodes_off + 8 * i)
        if opcode in CPU_OPS:
            raise V4Error(f"offset {nodes_off + 8 * i}: node {i} is {CPU_OPS[opcode]} (opcode 0x{opcode:04x}), a CPU op the "
                          "nncase 0.2 runtime does not run; recompile the model with nncase 0.2.0-beta4")
        if opcode not in OPS:
            raise V4Error(f"offset {nodes_off + 8 * i}: node {i} has unknown opcode 0x{opcode:x}")
        if body + size > n + MAX_SHORT_TAIL:
            raise V4Error(f"offset {body}: node {i} ({OPS[opcode]}) body of {size} bytes runs past the end of the file ({n} bytes)")
        model.nodes.append(Node(i, opcode, body, size, data[body:min(body + size, n)]))
        body += size
    model.image_bytes = body
    model.file_bytes = n
    return model


def node_summary(node: Node) -> str:
    """One line about a node: its output range and, for KPU layers, the map shapes."""
    b = node.body
    try:
        if node.opcode == 0x2002:
            w = struct.unpack_from("<12Q", b, 24)
            ic, oc = (w[2] & 0x3FF) + 1, ((w[2] >> 32) & 0x3FF) + 1
            iw, ih = (w[3] & 0x3FF) + 1, ((w[3] >> 10) & 0x1FF) + 1
            ow, oh = ((w[3] >> 32) & 0x3FF) + 1, ((w[3] >> 42) & 0x1FF) + 1
            k = 3 if (w[4] & 7) == 1 else 1
            dw = " dw" if (w[0] >> 3) & 1 else ""
            mo = _range(b, 0)
            out = f" -> {mo}" if mo.size else ""
            return f"{ic}x{ih}x{iw} -> {oc}x{oh}x{ow} {k}x{k}{dw} pool {(w[4] >> 4) & 0xF}{out}"
        if node.opcode == 0x01:
            return f"-> {_range(b, 0)}"
        if node.opcode in (0x00, 0x04, 0x10, 0x11, 0x12):
            return f"{_range(b, 0)}, {_range(b, 16)} -> {_range(b, 32)}"
        return f"{_range(b, 0)} -> {_range(b, 16)}"
    except struct.error:
        return "(body too short)"


def describe(model: Model) -> list[str]:
    lines = [f"kmodel v4 (nncase 0.2), target {'k210' if model.target else 'cpu'}, {model.file_bytes} bytes "
             f"(image {model.image_bytes}), constants {len(model.constants)}, main memory {model.main_mem}"]
    for i, (r, s) in enumerate(zip(model.inputs, model.input_shapes)):
        lines.append(f"input {i}: {r} shape {list(s)}")
    for i, r in enumerate(model.outputs):
        lines.append(f"output {i}: {r}")
    for node in model.nodes:
        lines.append(f"  {node.index:3d} {node.name:<18} {node_summary(node)}")
    lines.append(f"ledger charge: {model.charge} B (A(image {model.image_bytes}) + A(main {model.main_mem}) + state {STATE_BYTES}, "
                 "A = 128-B blocks)")
    return lines
